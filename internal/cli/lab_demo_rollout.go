package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/meshsim"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/shift"
)

// The faulty canary of part 3: clearly worse than a baseline that is not
// perfect either, so the test compares rates rather than counting errors.
const (
	demoCanaryErrorRate = 0.05
	demoStableErrorRate = 0.005
)

// demoRun is one rollout of the story and how it ended.
type demoRun struct {
	name   string        // "healthy v3"
	want   rollout.Phase // the ending the story expects
	id     string
	start  *demoCommit // the plain shift that set the starting weights (nil: none needed)
	res    *rollout.Result
	canary string
}

// demoCommit is a commit the demo pushed itself.
type demoCommit struct {
	sha, weights string
	at           time.Time
}

// runStory resets the weights to stable=100 with a plain commit, then runs
// `gitshift rollout start` in this process with the live view on stderr.
func (d *demoLab) runStory(ctx context.Context, run *demoRun) error {
	stable, canary := d.pol.Spec.StableSubset, d.pol.Spec.CanarySubset
	run.canary = canary
	run.id = "demo-" + strings.Fields(run.name)[0] + "-" + time.Now().UTC().Format("20060102-150405")
	var err error
	if run.start, err = d.reset(ctx, fmt.Sprintf("%s=100,%s=0", stable, canary), "the rollout starts from 0%"); err != nil {
		return err
	}
	fmt.Fprintf(d.s.Out, "run     gitshift rollout start --policy %s --repo %s --branch main --id %s\n",
		d.relPath(d.policy), d.st.Endpoints.GitURL, run.id)
	began := time.Now()
	if run.res, err = d.rollout(ctx, run.id); err != nil {
		return err
	}
	verdict := "as expected"
	if run.res.Phase != run.want {
		verdict = fmt.Sprintf("NOT as expected (wanted %s)", run.want)
	}
	fmt.Fprintf(d.s.Out, "result  %s in %s, %s: %s\n", run.res.Phase, time.Since(began).Round(time.Second), verdict, run.res.Reason)
	return nil
}

// reset puts the weights to w ("v1=100,v3=0") with a plain gitshift shift
// commit; nil when Git has them already.
func (d *demoLab) reset(ctx context.Context, w, why string) (*demoCommit, error) {
	weights, err := edit.ParseWeights(w)
	if err != nil {
		return nil, err
	}
	res, err := shift.Run(ctx, shift.Request{Repo: d.st.Endpoints.GitURL, Branch: "main", App: d.app,
		VirtualService: d.o.namespace + "/" + d.o.vs, Weights: weights,
		Message: fmt.Sprintf("demo: %s/%s to %s (%s)", d.o.namespace, d.o.vs, w, why)})
	if err != nil {
		return nil, withCode(shiftExitCode(err), fmt.Errorf("resetting the weights to %s: %w", w, err))
	}
	if res.Unchanged {
		fmt.Fprintf(d.s.Out, "start   Git has %s already (%s)\n", res.Old, why)
		return nil, nil
	}
	fmt.Fprintf(d.s.Out, "start   gitshift shift --set %s → commit %.10s (Git had %s; %s)\n", res.New, res.Commit, res.Old, why)
	return &demoCommit{sha: res.Commit, weights: res.New.String(), at: time.Now()}, nil
}

// rolloutOptions are the flags `gitshift rollout start` would get.
func (d *demoLab) rolloutOptions(id string) *rolloutOptions {
	e := d.st.Endpoints
	return &rolloutOptions{policyFile: d.policy, app: d.app, argoNS: e.ArgoCDNS, vs: d.o.namespace + "/" + d.o.vs,
		repo: e.GitURL, branch: "main", prometheus: e.PrometheusURL, reporter: "destination",
		kubeconfig: e.Kubeconfig, id: id}
}

// rollout runs one rollout to its end. A lease left by a killed earlier
// run expires within a minute: wait for it once rather than fail the story.
func (d *demoLab) rollout(ctx context.Context, id string) (*rollout.Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := runDemoRollout(ctx, d.s, d.rolloutOptions(id))
		var held *rollout.LeaseHeldError
		if err != nil || attempt > 0 || res.Phase != rollout.Failed || !errors.As(res.Cause, &held) {
			return res, err
		}
		wait := time.Until(held.Expires) + 2*time.Second
		fmt.Fprintf(d.s.ErrOut, "demo: %v\ndemo: waiting %s for that lease to expire (a killed earlier run?)\n", held, wait.Round(time.Second))
		if err := sleepCtx(ctx, wait); err != nil {
			return res, err
		}
	}
}

func runDemoRollout(ctx context.Context, s Streams, o *rolloutOptions) (*rollout.Result, error) {
	pol, err := o.policy(true)
	if err != nil {
		return nil, err
	}
	r, err := o.build(ctx, pol, newLiveView(s.ErrOut, s.Interactive, pol))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	eng, err := r.Engine()
	if err != nil {
		return nil, err
	}
	res, err := eng.Run(ctx)
	if err != nil {
		return res, withCode(ExitFailed, fmt.Errorf("demo interrupted: rollout %s stopped in %s; its state is in Git and `make demo` starts over: %w", o.id, res.Phase, err))
	}
	return res, nil
}

// faultKeys are the mesh-faults keys the demo sets: <app>.<version> of the
// stable and the canary subset (Bookinfo names subsets after versions).
func (d *demoLab) faultKeys() []string {
	return []string{d.o.service + "." + d.pol.Spec.StableSubset, d.o.service + "." + d.pol.Spec.CanarySubset}
}

// setFaults makes the canary fail 5% of its requests and the baseline 0.5%.
func (d *demoLab) setFaults(ctx context.Context) error {
	keys := d.faultKeys()
	set := map[string]string{}
	for i, rate := range []float64{demoStableErrorRate, demoCanaryErrorRate} {
		p := meshsim.DefaultProfile
		p.ErrorRate = rate
		v, err := lab.FaultValue(keys[i], p)
		if err != nil {
			return err
		}
		set[keys[i]] = v
	}
	if err := d.c.UpdateFaults(ctx, d.o.namespace, set, nil, false); err != nil {
		return withCode(ExitUnavailable, err)
	}
	fmt.Fprintf(d.s.Out, "fault   gitshift lab faults set %s --error-rate %g   (HTTP 500 on %g%% of its requests)\n", keys[1], demoCanaryErrorRate, 100*demoCanaryErrorRate)
	fmt.Fprintf(d.s.Out, "fault   gitshift lab faults set %s --error-rate %g  (the baseline: %g%%)\n", keys[0], demoStableErrorRate, 100*demoStableErrorRate)
	return nil
}

// clearFaults removes the demo's fault keys, also when ctx was cancelled
// (Ctrl-C): a faulty canary must not outlive the demo.
func (d *demoLab) clearFaults(ctx context.Context, keys []string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	faults, _, err := d.c.Faults(cctx, d.o.namespace)
	if err != nil {
		fmt.Fprintf(d.s.ErrOut, "demo: warning: %v; clear them with `gitshift lab faults clear`\n", err)
		return
	}
	var present []string
	for _, f := range faults {
		for _, k := range keys {
			if f.Key == k {
				present = append(present, k)
			}
		}
	}
	if len(present) == 0 {
		return
	}
	if err := d.c.UpdateFaults(cctx, d.o.namespace, nil, present, false); err != nil {
		fmt.Fprintf(d.s.ErrOut, "demo: warning: %v; clear them with `gitshift lab faults clear`\n", err)
		return
	}
	fmt.Fprintf(d.s.Out, "fault   gitshift lab faults clear %s   (both answer normally again)\n", strings.Join(present, " "))
}

// noteOtherFaults warns about faults left after the demo cleared its own:
// someone else set them, and they change what the rollouts see.
func (d *demoLab) noteOtherFaults(ctx context.Context) {
	faults, other, err := d.c.Faults(ctx, d.o.namespace)
	if err != nil {
		return
	}
	var keys []string
	for _, f := range faults {
		keys = append(keys, f.Key)
	}
	for k := range other {
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		fmt.Fprintf(d.s.ErrOut, "demo: note: faults %v are set in %s and change what the rollouts see; `gitshift lab faults clear` removes them\n", keys, d.o.namespace)
	}
}

// relPath shows path relative to the working directory when it is below it.
func (d *demoLab) relPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
