package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

type labDemoOptions struct {
	*labFlags
	story                  string
	policy                 string
	namespace, vs, service string
	app                    string
	minRequests            int64
	timeout, window        time.Duration
}

// Demo stories.
const (
	storyFull  = "full"
	storySplit = "split"
)

func newLabDemoCommand(s Streams, f *labFlags) *cobra.Command {
	o := &labDemoOptions{labFlags: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The canary story in the lab: Git = Argo CD = live = traffic, a healthy v3 promoted, a faulty v3 rolled back",
		Long: `demo tells gitshift's story against the running lab (what make demo runs),
in three parts and a summary; the full story takes 4–5 minutes.

  1. The example's start, 90/10: Argo CD Synced and Healthy at the Git HEAD,
     the live VirtualService weights, and the split measured in Prometheus.
  2. A healthy v3 rolled out 5 -> 25 -> 50 -> 100 by gitshift rollout start:
     every step is a commit Argo CD applies, judged against v1 before the next.
  3. A faulty v3 (the mesh simulator makes it answer 5% errors, v1 0.5%):
     the same rollout, rolled back automatically by a commit.

Before parts 1, 2 and 3 a plain gitshift shift commit puts the weights back
to a known start (90/10, then v1=100,v3=0), so the demo can run again and
again against the same lab. It ends with each rollout's commits, push->live
times and evidence, and exits 0 when the healthy canary was promoted and the
faulty one rolled back; 1 when a rollout ended otherwise, 2 when the lab is
unreachable.

The rollouts use a fast policy (--policy, default
examples/bookinfo-gitops/argocd/canary-policy-demo.yaml); progress goes to
stderr (a live view on a terminal), the story to stdout.`,
		Example: `  make demo                        # lab up (unless running) + this
  gitshift lab demo                # the full story against the running lab
  gitshift lab demo --story split  # part 1 only, on whatever Git has now (read-only)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLabDemo(cmd.Context(), s, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.story, "story", storyFull, "full (split, healthy rollout, faulty rollout) or split (part 1 only, changes nothing)")
	fl.StringVar(&o.policy, "policy", "", "CanaryPolicy of the rollouts (default examples/bookinfo-gitops/argocd/canary-policy-demo.yaml)")
	fl.StringVar(&o.app, "app", "", "Argo CD Application (default: the one lab up applied)")
	fl.StringVar(&o.namespace, "namespace", "bookinfo", "namespace of the canary")
	fl.StringVar(&o.vs, "virtualservice", "reviews", "the canary's VirtualService")
	fl.StringVar(&o.service, "service", "reviews", "the canary's service (destination_service_name and the app label)")
	fl.Int64Var(&o.minRequests, "min-requests", 1000, "requests to observe before reporting the split")
	fl.DurationVar(&o.window, "window", 2*time.Minute, "longest window of the measured split (it starts at the last sync at the latest)")
	fl.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for Argo CD and for traffic")
	return cmd
}

// demoLab is what every part of the demo talks to.
type demoLab struct {
	s       Streams
	o       *labDemoOptions
	st      *lab.State
	c       *lab.Cluster
	app     string
	policy  string // the rollouts' CanaryPolicy file
	pol     *policy.CanaryPolicy
	started time.Time
}

func runLabDemo(ctx context.Context, s Streams, o *labDemoOptions) error {
	if o.story != storyFull && o.story != storySplit {
		return withCode(ExitUsage, fmt.Errorf("--story %q: want %s or %s", o.story, storyFull, storySplit))
	}
	st, c, err := o.labCluster()
	if err != nil {
		return err
	}
	d := &demoLab{s: s, o: o, st: st, c: c, app: o.app, started: time.Now()}
	if d.app == "" {
		d.app = st.Endpoints.Application
	}
	if d.app == "" {
		return withCode(ExitUsage, fmt.Errorf("lab up applied no Application (--app none); name one with --app"))
	}
	if o.story == storySplit {
		return demoSplit(ctx, d)
	}
	if d.policy, err = o.policyFile(); err != nil {
		return err
	}
	// Read (and check) the policy before changing anything.
	if d.pol, err = d.rolloutOptions("").policy(true); err != nil {
		return err
	}
	return d.full(ctx)
}

// policyFile returns --policy or the example's demo policy in the clone.
func (o *labDemoOptions) policyFile() (string, error) {
	if o.policy != "" {
		return filepath.Abs(o.policy)
	}
	root, err := findRepoRoot()
	if err != nil {
		return "", withCode(ExitUsage, fmt.Errorf("the full story needs a CanaryPolicy: pass --policy (%w)", err))
	}
	return filepath.Join(root, "examples", "bookinfo-gitops", "argocd", "canary-policy-demo.yaml"), nil
}

// full runs the three parts and the summary. A rollout that ends
// differently than the story expects does not stop the next part (its
// evidence is worth seeing); a system that fails does.
func (d *demoLab) full(ctx context.Context) error {
	out := d.s.Out
	fmt.Fprintf(out, "gitshift lab demo: the canary story in 3 parts, 4–5 minutes (lab %s)\n", d.st.Dir)
	fmt.Fprintf(out, "  Git %s   Prometheus %s\n", d.st.Endpoints.GitURL, d.st.Endpoints.PrometheusURL)

	// Leftovers of an interrupted run would turn the healthy canary faulty.
	keys := d.faultKeys()
	if err := d.c.UpdateFaults(ctx, d.o.namespace, nil, keys, false); err != nil {
		return withCode(ExitUnavailable, err)
	}
	defer d.clearFaults(ctx, keys)
	d.noteOtherFaults(ctx)

	section(out, "1/3", "Git, Argo CD, the live mesh and the measured traffic agree")
	stable, canary := d.pol.Spec.StableSubset, d.pol.Spec.CanarySubset
	fmt.Fprintf(out, "The example routes %s 90%% to %s and 10%% to the canary %s.\n", d.o.vs, stable, canary)
	if _, err := d.reset(ctx, fmt.Sprintf("%s=90,%s=10", stable, canary), "the example's start"); err != nil {
		return err
	}
	if err := demoSplit(ctx, d); err != nil {
		return err
	}

	healthy := &demoRun{name: "healthy " + canary, want: rollout.Promoted}
	section(out, "2/3", fmt.Sprintf("A healthy %s, promoted %s by commits", canary, stepList(d.pol)))
	fmt.Fprintf(out, "Each step is a commit; Argo CD applies it; gitshift waits until the live weights match,\n"+
		"then compares %s with %s in Prometheus (errors, latency, observed split) before the next step.\n", canary, stable)
	if err := d.runStory(ctx, healthy); err != nil {
		return err
	}

	faulty := &demoRun{name: "faulty " + canary, want: rollout.RolledBack}
	section(out, "3/3", fmt.Sprintf("A faulty %s (%g%% errors, %s %g%%), rolled back by a commit",
		canary, 100*demoCanaryErrorRate, stable, 100*demoStableErrorRate))
	if err := d.setFaults(ctx); err != nil {
		return err
	}
	err := d.runStory(ctx, faulty)
	d.clearFaults(ctx, keys)
	if err != nil {
		return err
	}

	section(out, "", "Summary")
	ok := printDemoSummary(out, d.st.Endpoints.GitURL, time.Since(d.started), healthy, faulty)
	if !ok {
		return withCode(ExitFailed, errors.New("the story did not go as expected (see the summary): rerun `make demo`, or look at `gitshift rollout status` and the lab's logs"))
	}
	return nil
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
