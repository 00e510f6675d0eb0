package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/meshsim"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/wire"
	"github.com/gitshift/gitshift/internal/shift"
)

// The faulty canary of part 3: clearly worse than a baseline that is not
// perfect either, so the test compares rates rather than counting errors.
const (
	canaryErrorRate = 0.05
	stableErrorRate = 0.005
)

// run is one rollout of the story and how it ended.
type run struct {
	name   string        // "healthy v3"
	want   rollout.Phase // the ending the story expects
	id     string
	start  *commit // the plain shift that set the starting weights (nil: none needed)
	res    *rollout.Result
	canary string
}

// commit is a commit the demo pushed itself.
type commit struct {
	sha, weights string
	at           time.Time
}

// runStory resets the weights to stable=100 with a plain commit, then runs
// the rollout `gitshift rollout start` would run, in this process.
func (d *demo) runStory(ctx context.Context, run *run) error {
	stable, canary := d.pol.Spec.StableSubset, d.pol.Spec.CanarySubset
	run.canary = canary
	run.id = "demo-" + strings.Fields(run.name)[0] + "-" + time.Now().UTC().Format("20060102-150405")
	var err error
	if run.start, err = d.reset(ctx, fmt.Sprintf("%s=100,%s=0", stable, canary), "the rollout starts from 0%"); err != nil {
		return err
	}
	fmt.Fprintf(d.o.Out, "run     gitshift rollout start --policy %s --repo %s --branch main --id %s\n",
		relPath(d.o.Policy), d.st.Endpoints.GitURL, run.id)
	began := time.Now()
	if run.res, err = d.rollout(ctx, run.id); err != nil {
		return err
	}
	verdict := "as expected"
	if run.res.Phase != run.want {
		verdict = fmt.Sprintf("NOT as expected (wanted %s)", run.want)
	}
	fmt.Fprintf(d.o.Out, "result  %s in %s, %s: %s\n", run.res.Phase, time.Since(began).Round(time.Second), verdict, run.res.Reason)
	return nil
}

// reset puts the weights to w ("v1=100,v3=0") with a plain gitshift shift
// commit; nil when Git has them already.
func (d *demo) reset(ctx context.Context, w, why string) (*commit, error) {
	weights, err := edit.ParseWeights(w)
	if err != nil {
		return nil, err
	}
	res, err := shift.Run(ctx, shift.Request{Repo: d.st.Endpoints.GitURL, Branch: "main", App: d.app,
		VirtualService: d.o.Namespace + "/" + d.o.VirtualService, Weights: weights,
		Message: fmt.Sprintf("demo: %s/%s to %s (%s)", d.o.Namespace, d.o.VirtualService, w, why), Logger: d.o.Logger})
	if err != nil {
		return nil, fmt.Errorf("resetting the weights to %s: %w", w, err)
	}
	if res.Unchanged {
		fmt.Fprintf(d.o.Out, "start   Git has %s already (%s)\n", res.Old, why)
		return nil, nil
	}
	fmt.Fprintf(d.o.Out, "start   gitshift shift --set %s → commit %.10s (Git had %s; %s)\n", res.New, res.Commit, res.Old, why)
	return &commit{sha: res.Commit, weights: res.New.String(), at: time.Now()}, nil
}

// rollout runs one rollout to its end. A lease left by a killed earlier
// run expires within a minute: wait for it once rather than fail the story.
func (d *demo) rollout(ctx context.Context, id string) (*rollout.Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := d.runRollout(ctx, id)
		var held *rollout.LeaseHeldError
		if err != nil || attempt > 0 || res.Phase != rollout.Failed || !errors.As(res.Cause, &held) {
			return res, err
		}
		wait := time.Until(held.Expires) + 2*time.Second
		fmt.Fprintf(d.o.Progress, "demo: %v\ndemo: waiting %s for that lease to expire (a killed earlier run?)\n", held, wait.Round(time.Second))
		if err := sleepCtx(ctx, wait); err != nil {
			return res, err
		}
	}
}

// runRollout wires the rollout with the facade, as `gitshift rollout start
// --policy P --repo GIT --branch main --id ID` does against the lab.
func (d *demo) runRollout(ctx context.Context, id string) (*rollout.Result, error) {
	e := d.st.Endpoints
	var view rollout.EventSink
	if d.o.View != nil {
		view = d.o.View(d.pol)
	}
	r, err := wire.Build(ctx, wire.Config{Policy: d.pol, ID: id, PrometheusURL: e.PrometheusURL, Reporter: "destination",
		Kube: wire.Kube{Kubeconfig: e.Kubeconfig}, Git: wire.Git{Repo: e.GitURL, Branch: "main"},
		Events: view, Logger: d.o.Logger})
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
		return res, errkind.Wrap(errkind.Invalid, fmt.Errorf("demo interrupted: rollout %s stopped in %s; its state is in Git and `make demo` starts over: %w", id, res.Phase, err))
	}
	return res, nil
}

// faultKeys are the mesh-faults keys the demo sets: <app>.<version> of the
// stable and the canary subset (Bookinfo names subsets after versions).
func (d *demo) faultKeys() []string {
	return []string{d.o.Service + "." + d.pol.Spec.StableSubset, d.o.Service + "." + d.pol.Spec.CanarySubset}
}

// setFaults makes the canary fail 5% of its requests and the baseline 0.5%.
func (d *demo) setFaults(ctx context.Context) error {
	keys := d.faultKeys()
	set := map[string]string{}
	for i, rate := range []float64{stableErrorRate, canaryErrorRate} {
		p := meshsim.DefaultProfile
		p.ErrorRate = rate
		v, err := lab.FaultValue(keys[i], p)
		if err != nil {
			return err
		}
		set[keys[i]] = v
	}
	if err := d.c.UpdateFaults(ctx, d.o.Namespace, set, nil, false); err != nil {
		return err
	}
	fmt.Fprintf(d.o.Out, "fault   gitshift lab faults set %s --error-rate %g   (HTTP 500 on %g%% of its requests)\n", keys[1], canaryErrorRate, 100*canaryErrorRate)
	fmt.Fprintf(d.o.Out, "fault   gitshift lab faults set %s --error-rate %g  (the baseline: %g%%)\n", keys[0], stableErrorRate, 100*stableErrorRate)
	return nil
}

// clearFaults removes the demo's fault keys, also when ctx was cancelled
// (Ctrl-C): a faulty canary must not outlive the demo.
func (d *demo) clearFaults(ctx context.Context, keys []string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	faults, _, err := d.c.Faults(cctx, d.o.Namespace)
	if err != nil {
		fmt.Fprintf(d.o.Progress, "demo: warning: %v; clear them with `gitshift lab faults clear`\n", err)
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
	if err := d.c.UpdateFaults(cctx, d.o.Namespace, nil, present, false); err != nil {
		fmt.Fprintf(d.o.Progress, "demo: warning: %v; clear them with `gitshift lab faults clear`\n", err)
		return
	}
	fmt.Fprintf(d.o.Out, "fault   gitshift lab faults clear %s   (both answer normally again)\n", strings.Join(present, " "))
}

// noteOtherFaults warns about faults left after the demo cleared its own:
// someone else set them, and they change what the rollouts see.
func (d *demo) noteOtherFaults(ctx context.Context) {
	faults, other, err := d.c.Faults(ctx, d.o.Namespace)
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
		fmt.Fprintf(d.o.Progress, "demo: note: faults %v are set in %s and change what the rollouts see; `gitshift lab faults clear` removes them\n", keys, d.o.Namespace)
	}
}

// relPath shows path relative to the working directory when it is below it.
func relPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
