package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
)

// The controller's part of the story: `gitshift controller` runs in the
// lab (lab up --controller) and Argo CD applies the example's CanaryPolicy
// (rollout/reviews.yaml, trigger: workload). A release is a plain commit
// that changes the v3 Deployment's image; nobody runs gitshift: the
// controller sees the new pod template and rolls it out by commits, or
// rolls it back.

// ctlRun is one controller-run rollout of the story.
type ctlRun struct {
	name    string // "release", "faulty release"
	want    string // the phase the story expects
	release string // the release commit
	policy  *api.CanaryPolicy
	took    time.Duration
	health  []string // Argo CD's health of the policy's Application, as it changed
	notes   int      // notifications the lab's receiver got for the rollout
}

// Controller-story constants: the example's policy and its Application.
const (
	demoPolicy = "reviews"
	v3Image    = "docker.io/istio/examples-bookinfo-reviews-v3"
	demoImages = "base/bookinfo.yaml"
)

// hasController reports whether the lab runs the controller with the
// policy's Application.
func (d *demo) hasController() bool {
	ep := d.st.Endpoints
	return len(ep.Controllers) > 0 && ep.PolicyApplication != ""
}

// controllerRelease tells one release: reset the weights, push the image
// commit, follow the controller's rollout until it ends.
func (d *demo) controllerRelease(ctx context.Context, r *ctlRun) error {
	ep := d.st.Endpoints
	stable, canary := d.pol.Spec.StableSubset, d.pol.Spec.CanarySubset
	before, err := d.c.CanaryPolicy(ctx, d.o.Namespace, demoPolicy)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	if _, err := d.reset(ctx, fmt.Sprintf("%s=100,%s=0", stable, canary), "the release starts from 0%"); err != nil {
		return err
	}
	tag := "1.20.3-demo." + time.Now().UTC().Format("150405")
	sha, err := lab.Release{GitURL: ep.GitURL, Branch: "main", Files: []string{demoImages}, Image: v3Image, Tag: tag,
		Message: "release reviews v3 " + tag}.Push(ctx)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	r.release = sha
	fmt.Fprintf(d.o.Out, "commit  %.10s release reviews v3 %s: the only change is the image in %s (no gitshift command)\n", sha, tag, demoImages)
	// What a Git webhook does in production: Argo CD need not poll.
	if err := (argocd.Reader{Client: d.c.Dynamic}).Refresh(ctx, ep.ArgoCDNS, d.app, argocd.RefreshNormal); err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	began := time.Now()
	r.policy, err = d.follow(ctx, r, before.Status.RolloutID)
	r.took = time.Since(began)
	if err != nil {
		return err
	}
	st := r.policy.Status
	if ns, err := lab.ReadNotifications(ep.NotificationsLog); err == nil {
		for _, n := range ns {
			if strings.Contains(string(n.Body), `"rollout":"`+st.RolloutID+`"`) {
				r.notes++
			}
		}
	}
	verdict := "as expected"
	if st.Phase != r.want {
		verdict = "NOT as expected (wanted " + r.want + ")"
	}
	fmt.Fprintf(d.o.Out, "result  %s in %s, %s: %s\n", st.Phase, r.took.Round(time.Second), verdict, st.Message)
	fmt.Fprintf(d.o.Out, "argocd  %s health: %s; notifications received by the lab's webhook receiver: %d\n",
		ep.PolicyApplication, strings.Join(r.health, " → "), r.notes)
	return nil
}

// follow waits for the controller's rollout of the release and prints
// each new row of `kubectl get canarypolicies` until it ends.
func (d *demo) follow(ctx context.Context, r *ctlRun, prev string) (*api.CanaryPolicy, error) {
	ep := d.st.Endpoints
	fmt.Fprintf(d.o.Out, "watch   kubectl get canarypolicies -n %s; Argo CD health of %s\n", d.o.Namespace, ep.PolicyApplication)
	deadline := time.Now().Add(3 * d.o.Timeout)
	var last, lastHealth string
	var ended time.Time
	for {
		cp, err := d.c.CanaryPolicy(ctx, d.o.Namespace, demoPolicy)
		if err != nil {
			return nil, errkind.Wrap(errkind.Unavailable, err)
		}
		st := cp.Status
		started := st.RolloutID != "" && st.RolloutID != prev
		if started {
			row := fmt.Sprintf("%-12s %-5s %3d%%  %s", st.Phase, st.Step, weightOf(st), decisionOf(st))
			if row != last {
				fmt.Fprintf(d.o.Out, "        %s  %s\n", time.Now().Format(time.TimeOnly), row)
				last = row
			}
		}
		if h, err := d.c.Health(ctx, ep.ArgoCDNS, ep.PolicyApplication); err == nil && started && h.Health != lastHealth {
			r.health = append(r.health, h.Health)
			lastHealth = h.Health
		}
		if started && st.FinishedAt != nil && !isRunning(st.Phase) {
			// Argo CD shows the end once it re-reads the policy's status.
			if ended.IsZero() {
				ended = time.Now()
			}
			if lastHealth != "Progressing" || time.Since(ended) > 30*time.Second {
				return cp, nil
			}
		}
		if time.Now().After(deadline) {
			return cp, errkind.Errorf(errkind.Invalid, "the controller's rollout did not end within %s (phase %q: %s)", 3*d.o.Timeout, st.Phase, st.Message)
		}
		if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
			return cp, err
		}
	}
}

func weightOf(st api.Status) int32 {
	if st.CanaryWeight == nil {
		return 0
	}
	return *st.CanaryWeight
}

func decisionOf(st api.Status) string {
	if st.LastDecision == nil {
		return ""
	}
	return st.LastDecision.Decision
}

func isRunning(phase string) bool {
	switch phase {
	case api.PhaseIdle, "Promoted", "RolledBack", "Aborted", "Failed":
		return false
	}
	return true
}

// printControllerRun prints a controller-run rollout's commits from the
// policy's status (release commit first) and whether it ended as the story
// expects; it returns the commits printed and that verdict.
func printControllerRun(w io.Writer, r *ctlRun) (int, bool) {
	if r.policy == nil {
		fmt.Fprintf(w, "controller, %s: did not run\n", r.name)
		return 0, false
	}
	st := r.policy.Status
	ok := st.Phase == r.want
	verdict := "as expected"
	if !ok {
		verdict = "NOT as expected (wanted " + r.want + ")"
	}
	fmt.Fprintf(w, "controller, %s: %s, %s, in %s (rollout %s)\n", r.name, st.Phase, verdict, r.took.Round(time.Second), st.RolloutID)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  commit\ttime\tstep\tweights\tpush→live\tdecision\n")
	fmt.Fprintf(tw, "  %.10s\t–\trelease\tnew v3 image\t–\t(a person's commit)\n", r.release)
	for _, c := range st.Commits {
		pl := "–"
		if c.PushToLiveSeconds != nil {
			pl = (time.Duration(*c.PushToLiveSeconds * float64(time.Second))).Round(100 * time.Millisecond).String()
		}
		step := c.Step
		if c.Action == "rollback" {
			step = "rollback"
		}
		fmt.Fprintf(tw, "  %.10s\t%s\t%s\t%s\t%s\t%s\n", c.SHA, c.Time.Format(time.TimeOnly), step, c.Weights, pl, c.Decision)
	}
	_ = tw.Flush()
	if d := st.LastDecision; d != nil {
		fmt.Fprintf(w, "  last decision %s at step %s: %s\n", d.Decision, d.Step, d.Reason)
	}
	fmt.Fprintf(w, "  Argo CD health %s; %d notifications\n\n", strings.Join(r.health, " → "), r.notes)
	return len(st.Commits) + 1, ok
}
