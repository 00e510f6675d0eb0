// Package demo tells gitshift's story against a running lab (what `make
// demo` and `gitshift lab demo` run): Git, Argo CD, the live mesh and the
// measured traffic agree; a healthy canary is promoted by commits; a faulty
// one is rolled back by a commit; a summary with the numbers. It drives the
// same code a user does: shift for the starting weights, the rollout facade
// (rollout/wire) for the rollouts, argocd and kube for what is live.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// The stories.
const (
	StoryFull  = "full"  // split, healthy rollout, faulty rollout, summary
	StorySplit = "split" // part 1 only, on whatever Git has now (read-only)
)

// Options are what the story is told about and how.
type Options struct {
	Story string
	// Policy is the rollouts' CanaryPolicy file (the full story).
	Policy string
	// App is the Argo CD Application ("": the one lab up applied).
	App string
	// Namespace, VirtualService and Service name the canary: its
	// namespace, VirtualService, and the service its traffic is counted for
	// (destination_service_name and the app label of its pods).
	Namespace, VirtualService, Service string
	// MinRequests are observed before the split is reported.
	MinRequests int64
	// Timeout bounds each wait for Argo CD and for traffic; Window is the
	// longest window of the measured split.
	Timeout, Window time.Duration
	// Out gets the story, Progress what the demo waits for.
	Out, Progress io.Writer
	// View renders a rollout's events while it runs (may be nil).
	View func(*policy.CanaryPolicy) rollout.EventSink
	// Logger gets the rollouts' logs (nil: none).
	Logger *slog.Logger
}

// ErrNoApplication: lab up applied no Application and Options.App is empty.
var ErrNoApplication = errkind.New(errkind.Usage, "lab up applied no Application")

// demo is what every part of the story talks to.
type demo struct {
	o       Options
	st      *lab.State
	c       *lab.Cluster
	app     string
	pol     *policy.CanaryPolicy
	started time.Time
}

// Run tells the story against the lab st and c describe. It ends with an
// Invalid error when a rollout did not end as the story expects, and with
// the systems' own errors (unavailable, conflict) when one failed.
func Run(ctx context.Context, st *lab.State, c *lab.Cluster, o Options) error {
	if o.Story != StoryFull && o.Story != StorySplit {
		return errkind.Errorf(errkind.Usage, "story %q: want %s or %s", o.Story, StoryFull, StorySplit)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	d := &demo{o: o, st: st, c: c, app: o.App, started: time.Now()}
	if d.app == "" {
		d.app = st.Endpoints.Application
	}
	if d.app == "" {
		return ErrNoApplication
	}
	if o.Story == StorySplit {
		return d.split(ctx)
	}
	if o.Policy == "" {
		return errkind.Errorf(errkind.Usage, "the full story needs a CanaryPolicy")
	}
	// Read (and check) the policy before changing anything.
	var err error
	if d.pol, err = d.policy(); err != nil {
		return err
	}
	return d.full(ctx)
}

// policy reads the rollouts' policy and points it at the lab's canary.
func (d *demo) policy() (*policy.CanaryPolicy, error) {
	p, err := policy.Read(d.o.Policy, "")
	if err != nil {
		return nil, err
	}
	return policy.Complete(*p, policy.Overrides{Application: d.app, ArgoCDNamespace: d.st.Endpoints.ArgoCDNS,
		VirtualService: &policy.ObjectRef{Namespace: d.o.Namespace, Name: d.o.VirtualService}})
}

// full runs the parts and the summary: the split, the CLI's healthy and
// faulty rollouts, and with the controller in the lab its two releases. A
// rollout that ends differently than the story expects does not stop the
// next part (its evidence is worth seeing); a system that fails does.
func (d *demo) full(ctx context.Context) error {
	out := d.o.Out
	parts := 3
	if d.hasController() {
		parts = 5
	}
	part := func(i int) string { return fmt.Sprintf("%d/%d", i, parts) }
	fmt.Fprintf(out, "gitshift lab demo: the canary story in %d parts (lab %s)\n", parts, d.st.Dir)
	fmt.Fprintf(out, "  Git %s   Prometheus %s\n", d.st.Endpoints.GitURL, d.st.Endpoints.PrometheusURL)

	// Leftovers of an interrupted run would turn the healthy canary faulty.
	keys := d.faultKeys()
	if err := d.c.UpdateFaults(ctx, d.o.Namespace, nil, keys, false); err != nil {
		return err
	}
	defer d.clearFaults(ctx, keys)
	d.noteOtherFaults(ctx)

	section(out, part(1), "Git, Argo CD, the live mesh and the measured traffic agree")
	stable, canary := d.pol.Spec.StableSubset, d.pol.Spec.CanarySubset
	fmt.Fprintf(out, "The example routes %s 90%% to %s and 10%% to the canary %s.\n", d.o.VirtualService, stable, canary)
	if _, err := d.reset(ctx, fmt.Sprintf("%s=90,%s=10", stable, canary), "the example's start"); err != nil {
		return err
	}
	if err := d.split(ctx); err != nil {
		return err
	}

	healthy := &run{name: "healthy " + canary, want: rollout.Promoted}
	section(out, part(2), fmt.Sprintf("A healthy %s, promoted %s by commits", canary, stepList(d.pol)))
	fmt.Fprintf(out, "Each step is a commit; Argo CD applies it; gitshift waits until the live weights match,\n"+
		"then compares %s with %s in Prometheus (errors, latency, observed split) before the next step.\n", canary, stable)
	if err := d.runStory(ctx, healthy); err != nil {
		return err
	}

	faulty := &run{name: "faulty " + canary, want: rollout.RolledBack}
	section(out, part(3), d.faultyTitle("A faulty "+canary))
	if err := d.setFaults(ctx); err != nil {
		return err
	}
	err := d.runStory(ctx, faulty)
	d.clearFaults(ctx, keys)
	if err != nil {
		return err
	}

	var ctl []*ctlRun
	if d.hasController() {
		if ctl, err = d.controllerParts(ctx, part(4), part(5), keys); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(d.o.Progress, "demo: the lab runs no controller: `gitshift lab down` and `gitshift lab up --controller` (what make demo starts) add its part of the story\n")
	}

	section(out, "", "Summary")
	if !printSummary(out, d.st.Endpoints.GitURL, time.Since(d.started), ctl, healthy, faulty) {
		return errkind.Wrap(errkind.Invalid, errors.New("the story did not go as expected (see the summary): rerun `make demo`, or look at `gitshift rollout status` and the lab's logs"))
	}
	return nil
}

func (d *demo) faultyTitle(what string) string {
	return fmt.Sprintf("%s (%g%% errors, %s %g%%), rolled back by a commit", what, 100*canaryErrorRate, d.pol.Spec.StableSubset, 100*stableErrorRate)
}

// controllerParts tells the controller's releases: a healthy one promoted,
// a faulty one rolled back.
func (d *demo) controllerParts(ctx context.Context, healthyPart, faultyPart string, keys []string) ([]*ctlRun, error) {
	out, ep := d.o.Out, d.st.Endpoints
	canary := d.pol.Spec.CanarySubset
	healthy := &ctlRun{name: "release of " + canary, want: rollout.Promoted.String()}
	section(out, healthyPart, "The controller: a release of "+canary+" rolled out by commits, unattended")
	fmt.Fprintf(out, "gitshift controller runs in the lab (%d replicas, one leads) as the chart's ServiceAccount. Argo CD applies\n"+
		"the CanaryPolicy %s/%s (Application %s, trigger: workload): a new pod template of %s's\n"+
		"Deployment starts a rollout; its steps are commits, as above, and its status is the policy's.\n",
		len(ep.Controllers), d.o.Namespace, demoPolicy, ep.PolicyApplication, canary)
	if err := d.controllerRelease(ctx, healthy); err != nil {
		return []*ctlRun{healthy}, err
	}
	faulty := &ctlRun{name: "faulty release of " + canary, want: rollout.RolledBack.String()}
	section(out, faultyPart, d.faultyTitle("The controller: a faulty release of "+canary))
	if err := d.setFaults(ctx); err != nil {
		return []*ctlRun{healthy, faulty}, err
	}
	err := d.controllerRelease(ctx, faulty)
	d.clearFaults(ctx, keys)
	return []*ctlRun{healthy, faulty}, err
}

// stepList renders the policy's canary weights as "5 → 25 → 50 → 100".
func stepList(p *policy.CanaryPolicy) string {
	var w []string
	for _, st := range p.Spec.Steps {
		w = append(w, fmt.Sprint(st.Weight))
	}
	return strings.Join(w, " → ")
}

// section prints a part's heading.
func section(w io.Writer, n, title string) {
	head := "── " + title + " "
	if n != "" {
		head = "── " + n + "  " + title + " "
	}
	if pad := 78 - len([]rune(head)); pad > 0 {
		head += strings.Repeat("─", pad)
	}
	fmt.Fprintf(w, "\n%s\n", head)
}
