// Package rollout holds `gitshift rollout` and its subcommands (start,
// status, pause, resume, promote, abort): flags → the rollout facade
// (rollout/wire) → the live view, the report or the status.
package rollout

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// rolloutOptions are the flags every rollout subcommand shares: where the
// policy, the repository and the cluster are, and policy overrides.
type rolloutOptions struct {
	policyFile, policyName                     string
	repo, branch                               string
	app, argoNS, vs, route, valuesKey          string
	stable, canary, steps, gate, failurePolicy string
	minDuration, maxDuration, interval         time.Duration
	syncTimeout                                time.Duration
	minRequests                                int64
	alpha                                      float64
	prometheus, reporter                       string
	istiodDebug                                string
	kubeconfig, kubeContext                    string
	destContext                                string
	id, author, identity, argocdVersion        string
	sign                                       bool
	output, report                             string
	allowShared                                string
	gitTimeout                                 time.Duration
}

// NewCommand returns `gitshift rollout` and its subcommands.
func NewCommand(s command.Streams) *cobra.Command {
	o := &rolloutOptions{}
	cmd := &cobra.Command{
		Use:   "rollout start|status|pause|resume|promote|abort",
		Short: "Progressive canary by commits, judged against the baseline, with automatic rollback",
		Long: `rollout moves a canary through steps (default 5, 25, 50, 100 percent). Every
step is a commit (through the same safe path as gitshift shift); Argo CD applies
it; gitshift waits until Argo CD synced that commit and the live weights match,
then judges the canary against the baseline from Prometheus with anytime-valid
sequential tests, and advances, holds or rolls back, again by commit.

The rollout's state lives in Git: each commit carries Gitshift-* trailers
(action, rollout id, step, weights, decision, reason). A runner that is killed
resumes from history with no duplicate commit. pause, resume, promote and abort
are empty commits with a Gitshift-Signal trailer: durable, reviewable, ordered
with the steps; a running runner obeys them within one analysis interval, and
'rollout start' obeys them when it resumes. One runner per VirtualService holds
a Lease (coordination.k8s.io) in its namespace.

The policy is a CanaryPolicy (gitshift.dev/v1alpha1) file (--policy); flags
override its fields, or describe a whole policy without a file.

Exit codes: 0 promoted (or signal recorded), 1 rolled back / failed / invalid
input, 2 a system was unreachable, 3 conflict (a person changed the weights,
or another runner holds the lease), 4 usage.`,
		Example: `  gitshift rollout start --policy examples/bookinfo-gitops/argocd/canary-policy.yaml
  gitshift rollout status --policy examples/bookinfo-gitops/argocd/canary-policy.yaml
  gitshift rollout pause --policy examples/bookinfo-gitops/argocd/canary-policy.yaml --reason "checking dashboards"
  gitshift rollout abort --app bookinfo --virtualservice bookinfo/reviews --reason "bad p99"`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.policyFile, "policy", "", "CanaryPolicy file (flags override its fields)")
	f.StringVar(&o.policyName, "policy-name", "", "which CanaryPolicy in the file, when it has several")
	f.StringVar(&o.repo, "repo", "", "Git URL or path (default: the Application's repoURL)")
	f.StringVar(&o.branch, "branch", "", "branch (default: the Application's targetRevision, else the remote's default)")
	f.StringVar(&o.app, "app", "", "Argo CD Application")
	f.StringVar(&o.argoNS, "argocd-namespace", "", "namespace of the Application (default argocd)")
	f.StringVar(&o.vs, "virtualservice", "", "VirtualService as NAMESPACE/NAME")
	f.StringVar(&o.route, "route", "", "http route name or index")
	f.StringVar(&o.valuesKey, "values-key", "", "Helm values key that renders the weights")
	f.StringVar(&o.stable, "stable", "", "stable subset")
	f.StringVar(&o.canary, "canary", "", "canary subset")
	f.StringVar(&o.steps, "steps", "", "canary weights, e.g. 5,25,50,100")
	f.DurationVar(&o.minDuration, "min-duration", 0, "least analysis time per step")
	f.DurationVar(&o.maxDuration, "max-duration", 0, "most analysis time per step: then the failure policy, or the advance of a step held on leaning evidence")
	f.Int64Var(&o.minRequests, "min-requests", 0, "least canary requests per step")
	f.StringVar(&o.gate, "gate", "", "auto or manual, for every step")
	f.DurationVar(&o.interval, "interval", 0, "time between two looks at the metrics")
	f.Float64Var(&o.alpha, "alpha", 0, "false-rollback bound of the sequential tests")
	f.DurationVar(&o.syncTimeout, "sync-timeout", 0, "how long Argo CD may take to sync a step")
	f.StringVar(&o.failurePolicy, "failure-policy", "", "rollback or pause, when the rollout cannot conclude")
	f.StringVar(&o.prometheus, "prometheus", os.Getenv("GITSHIFT_PROMETHEUS_URL"), "Prometheus URL ($GITSHIFT_PROMETHEUS_URL)")
	f.StringVar(&o.istiodDebug, "istiod-debug", os.Getenv("GITSHIFT_ISTIOD_DEBUG_URL"), "istiod's debug HTTP URL ($GITSHIFT_ISTIOD_DEBUG_URL; kubectl -n istio-system port-forward deploy/istiod 8080): each step then waits until istiod applied it and its proxies acknowledged")
	f.StringVar(&o.reporter, "reporter", "destination", `Istio reporter to count: "destination" or "source"`)
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context of the cluster Argo CD runs in")
	f.StringVar(&o.destContext, "destination-context", "", "kubeconfig context of the Application's destination cluster, when it is not the --context cluster")
	f.StringVar(&o.id, "id", "", "rollout id (default: the VirtualService's active rollout, or a new one)")
	f.StringVar(&o.author, "author", "", `commit author as "Name <email>"`)
	f.BoolVar(&o.sign, "sign", false, "sign commits with git's own gpg/ssh setup")
	f.StringVar(&o.identity, "identity", "", "runner identity in the Lease (default user@host:pid)")
	f.StringVar(&o.argocdVersion, "argocd-version", "", "Argo CD version whose rendering rules apply")
	f.StringVar(&o.allowShared, "allow-shared", "", "other Applications that render the VirtualService's files too and may change with each step (exactly those; see gitshift shift --help)")
	f.DurationVar(&o.gitTimeout, "git-timeout", gitrepo.DefaultTimeout, "time limit of each clone, fetch and push (0: none)")
	// A policy override of 0 would leave the policy's value: not what was asked.
	const keep = "0 would keep the policy's value"
	for _, name := range []string{"min-duration", "max-duration", "interval", "sync-timeout"} {
		command.FlagRange(f, name, command.Above(0, keep))
	}
	command.FlagRange(f, "min-requests", command.AtLeast(1, keep))
	command.FlagEnum(f, "reporter", "destination", "source")
	command.FlagEnum(f, "gate", string(policy.GateAuto), string(policy.GateManual))
	command.FlagEnum(f, "failure-policy", string(policy.FailureRollback), string(policy.FailurePause))
	command.FlagRange(f, "alpha", command.Range{Min: 0, Max: 0.5, MinOpen: true, MaxOpen: true, Why: "a false-rollback probability, as spec.analysis.alpha"})
	cmd.AddCommand(newRolloutStartCommand(s, o), newRolloutStatusCommand(s, o))
	for _, sig := range []string{"pause", "resume", "promote", "abort"} {
		cmd.AddCommand(newRolloutSignalCommand(s, o, sig))
	}
	return cmd
}

// policy reads --policy (if any) and applies the flags over it. Only
// running a rollout (start) needs a complete policy; status and the signals
// need its target.
func (o *rolloutOptions) policy(run bool) (*policy.CanaryPolicy, error) {
	p := &policy.CanaryPolicy{}
	if o.policyFile != "" {
		var err error
		if p, err = policy.Read(o.policyFile, o.policyName); err != nil {
			if errors.Is(err, policy.ErrSeveralPolicies) {
				return nil, fmt.Errorf("%w (--policy-name)", err)
			}
			return nil, err
		}
	}
	ov := policy.Overrides{Application: o.app, ArgoCDNamespace: o.argoNS, Route: o.route, ValuesKey: o.valuesKey,
		StableSubset: o.stable, CanarySubset: o.canary, MinDuration: o.minDuration, MaxDuration: o.maxDuration,
		MinCanaryRequests: o.minRequests, Gate: policy.Gate(o.gate), Interval: o.interval, Alpha: o.alpha,
		SyncTimeout: o.syncTimeout, FailurePolicy: policy.FailurePolicy(o.failurePolicy)}
	if o.vs != "" {
		ns, name, ok := strings.Cut(o.vs, "/")
		if !ok {
			ns, name = "", o.vs
		}
		ov.VirtualService = &policy.ObjectRef{Namespace: ns, Name: name}
	}
	if o.steps != "" {
		for _, part := range strings.Split(o.steps, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return nil, errkind.Wrap(errkind.Usage, fmt.Errorf("--steps %q: want weights like 5,25,50,100", o.steps))
			}
			ov.Weights = append(ov.Weights, int32(w))
		}
	}
	if !run {
		return policy.CompleteTarget(*p, ov)
	}
	return policy.Complete(*p, ov)
}
