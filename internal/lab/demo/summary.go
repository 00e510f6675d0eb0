package demo

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
)

// printSummary prints every commit of each rollout with its push→live
// time and evidence, one conclusion per rollout, and whether the story went
// as expected (its return value).
func printSummary(w io.Writer, gitURL string, took time.Duration, ctl []*ctlRun, runs ...*run) bool {
	ok, commits := true, 0
	for _, r := range runs {
		if r.res == nil {
			fmt.Fprintf(w, "%s: did not run\n", r.name)
			ok = false
			continue
		}
		res := r.res
		verdict := "as expected"
		if res.Phase != r.want {
			verdict, ok = "NOT as expected (wanted "+r.want.String()+")", false
		}
		fmt.Fprintf(w, "%s: %s, %s, in %s (rollout %s)\n", r.name, res.Phase, verdict, res.Finished.Sub(res.Started).Round(time.Second), res.ID)
		steps := rollout.StepSummaries(res.Events, r.canary, res.Finished, res.Phase)
		commits += len(steps)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  commit\ttime\tstep\t%s\tpush→live\tanalysed\tcanary req\tcanary err\tbaseline err\tdecision\n", r.canary)
		if c := r.start; c != nil {
			commits++
			fmt.Fprintf(tw, "  %.10s\t%s\tstart\t0%%\t–\t–\t–\t–\t–\tplain shift\n", c.sha, c.at.Format(time.TimeOnly))
		}
		for _, s := range steps {
			step := fmt.Sprintf("%d/%d", s.Step, res.Steps)
			if s.Rollback() {
				step = "rollback"
			}
			pl, an := "–", "–"
			if d := s.PushToLive(); d > 0 {
				pl = d.Round(100 * time.Millisecond).String()
			}
			if s.Analysed > 0 {
				an = s.Analysed.Round(time.Second).String()
			}
			req, cerr, berr := "–", "–", "–"
			if a := s.Last; a != nil {
				req = fmt.Sprint(a.CanaryRequests)
				cerr, berr = fmt.Sprintf("%.2f%%", 100*a.CanaryErrorRate), fmt.Sprintf("%.2f%%", 100*a.BaselineErrorRate)
			}
			fmt.Fprintf(tw, "  %.10s\t%s\t%s\t%d%%\t%s\t%s\t%s\t%s\t%s\t%s\n", s.SHA, s.Pushed.Format(time.TimeOnly), step, s.Weight, pl, an, req, cerr, berr, s.Decision)
		}
		_ = tw.Flush()
		fmt.Fprintf(w, "  %s\n\n", conclusion(r, steps))
	}
	for _, r := range ctl {
		n, good := printControllerRun(w, r)
		commits += n
		ok = ok && good
	}
	fmt.Fprintf(w, "%d commits pushed to %s (main), %s in all.\n", commits, gitURL, took.Round(time.Second))
	if ok {
		by := ""
		if len(ctl) > 0 {
			by = ", by the CLI and by the controller"
		}
		fmt.Fprintf(w, "As expected: the healthy canary was promoted and the faulty one rolled back%s, every change a Git commit that Argo CD applied.\n", by)
	} else {
		fmt.Fprintln(w, "NOT as expected: see the rollouts above.")
	}
	return ok
}

// conclusion says in one line what a rollout's numbers mean.
func conclusion(r *run, steps []rollout.StepSummary) string {
	var firstPush time.Time
	var requests int64
	var minLive, maxLive time.Duration
	var last, rollback *rollout.StepSummary
	for i := range steps {
		s := &steps[i]
		if s.Rollback() {
			rollback = s
			continue
		}
		last = s
		if firstPush.IsZero() && s.Weight > 0 {
			firstPush = s.Pushed
		}
		if s.Last != nil {
			requests += s.Last.CanaryRequests
		}
		if d := s.PushToLive(); d > 0 {
			if minLive == 0 || d < minLive {
				minLive = d
			}
			maxLive = max(maxLive, d)
		}
	}
	switch {
	case rollback != nil && last != nil && !firstPush.IsZero():
		c := fmt.Sprintf("rolled back %s after the first commit that gave %s traffic, at %d%% (%d canary requests judged",
			rollback.Pushed.Sub(firstPush).Round(time.Second), r.canary, last.Weight, requests)
		if a := last.Last; a != nil {
			c += fmt.Sprintf(", %.2f%% errors vs %.2f%% on the baseline", 100*a.CanaryErrorRate, 100*a.BaselineErrorRate)
		}
		c += ")"
		if d := rollback.PushToLive(); d > 0 {
			c += fmt.Sprintf("; the rollback was live %s after its push", d.Round(100*time.Millisecond))
		}
		return c
	case r.res.Phase == rollout.Promoted:
		return fmt.Sprintf("%s got 100%% in %d commits, each live %s–%s after its push (Argo CD sync + live check); %d canary requests judged",
			r.canary, len(steps), minLive.Round(100*time.Millisecond), maxLive.Round(100*time.Millisecond), requests)
	}
	return r.res.Reason
}
