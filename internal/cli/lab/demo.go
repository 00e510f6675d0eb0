package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	rolloutcmd "github.com/gitshift/gitshift/internal/cli/rollout"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab/demo"
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

func newLabDemoCommand(s command.Streams, f *labFlags) *cobra.Command {
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
	fl.StringVar(&o.story, "story", demo.StoryFull, "full (split, healthy rollout, faulty rollout) or split (part 1 only, changes nothing)")
	fl.StringVar(&o.policy, "policy", "", "CanaryPolicy of the rollouts (default examples/bookinfo-gitops/argocd/canary-policy-demo.yaml)")
	fl.StringVar(&o.app, "app", "", "Argo CD Application (default: the one lab up applied)")
	fl.StringVar(&o.namespace, "namespace", "bookinfo", "namespace of the canary")
	fl.StringVar(&o.vs, "virtualservice", "reviews", "the canary's VirtualService")
	fl.StringVar(&o.service, "service", "reviews", "the canary's service (destination_service_name and the app label)")
	fl.Int64Var(&o.minRequests, "min-requests", 1000, "requests to observe before reporting the split")
	fl.DurationVar(&o.window, "window", 2*time.Minute, "longest window of the measured split (it starts at the last sync at the latest)")
	fl.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for Argo CD and for traffic")
	command.FlagRange(fl, "window", command.AtLeast(float64(time.Second), "a split needs a window"))
	command.FlagRange(fl, "timeout", command.Above(0, ""))
	return cmd
}

func runLabDemo(ctx context.Context, s command.Streams, o *labDemoOptions) error {
	if o.story != demo.StoryFull && o.story != demo.StorySplit {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--story %q: want %s or %s", o.story, demo.StoryFull, demo.StorySplit))
	}
	st, c, err := o.labCluster()
	if err != nil {
		return err
	}
	policy := ""
	if o.story == demo.StoryFull {
		if policy, err = o.policyFile(); err != nil {
			return err
		}
	}
	err = demo.Run(ctx, st, c, demo.Options{Story: o.story, Policy: policy, App: o.app,
		Namespace: o.namespace, VirtualService: o.vs, Service: o.service, MinRequests: o.minRequests,
		Timeout: o.timeout, Window: o.window, Out: s.Out, Progress: s.ErrOut,
		View: rolloutcmd.LiveView(s), Logger: slog.Default()})
	if errors.Is(err, demo.ErrNoApplication) {
		return fmt.Errorf("%w (--app none); name one with --app", err)
	}
	return err
}

// policyFile returns --policy or the example's demo policy in the clone.
func (o *labDemoOptions) policyFile() (string, error) {
	if o.policy != "" {
		return filepath.Abs(o.policy)
	}
	root, err := findRepoRoot()
	if err != nil {
		return "", errkind.Wrap(errkind.Usage, fmt.Errorf("the full story needs a CanaryPolicy: pass --policy (%w)", err))
	}
	return filepath.Join(root, "examples", "bookinfo-gitops", "argocd", "canary-policy-demo.yaml"), nil
}
