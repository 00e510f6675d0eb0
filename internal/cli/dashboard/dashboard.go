// Package dashboard is `gitshift dashboard`: flags → the dashboard's Live
// source and handler, served read-only, on a loopback address unless told.
package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/dashboard"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

type options struct {
	address                      string
	discover                     bool
	namespace                    string
	policies                     []string
	repo, branch                 string
	kubeconfig, kubeContext      string
	prometheus, reporter         string
	argoURL, kialiURL, jaegerURL string
	promUIURL                    string
	history                      int
	refresh, gitTimeout          time.Duration
}

// NewCommand returns `gitshift dashboard`.
func NewCommand(s command.Streams) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve a read-only web dashboard of the rollouts: step timeline, split charts, verify checklist",
		Long: `dashboard serves a web page of every rollout gitshift can read, updated live
while a rollout runs (server-sent events; no reload):

  /                          every rollout: application, canary, phase, step, age
  /rollouts/NS/VS/ID         one rollout: its step commits (SHA, author, time,
                             push→live, decision and reason) with links to the
                             Git host, Argo CD's history and diff, Kiali, Jaeger
                             and Prometheus; charts of the Git weight vs the live
                             weight vs the measured canary share (95% interval),
                             and of canary vs baseline error rate and latency
                             with the policy's thresholds
  /apps/NS/APP               the verify checklist of an Application

Where the rollouts come from: the Gitshift-* trailers of the commits on each
policy's branch (its Argo CD Application's repoURL and targetRevision, or
--repo and --branch), for the policies in --policy files and the CanaryPolicies
in the cluster (-n: one namespace's; --discover=false: none). A CanaryPolicy
run by 'gitshift controller' adds its status: phase and last decision. The
charts count Istio's istio_requests_total in Prometheus (--prometheus).

Access: it listens on 127.0.0.1:8090. Give --address 0.0.0.0:8090 (or another
interface) to expose it: it stays read-only (only GET and HEAD), shows no
credential (tokens and passwords in URLs are redacted) and loads nothing from
the internet, but it has no login: put authentication in front of it.
'gitshift controller --dashboard-address' serves the same pages.`,
		Example: `  # the lab: 'gitshift lab env' sets KUBECONFIG and GITSHIFT_PROMETHEUS_URL
  eval "$(gitshift lab env)"; gitshift dashboard

  # Git only, no cluster: the rollouts of one policy's repository
  gitshift dashboard --policy examples/bookinfo-gitops/argocd/canary-policy.yaml --repo https://github.com/example/bookinfo-gitops.git

  # exposed to the team, with links to Argo CD and Kiali
  gitshift dashboard --address 0.0.0.0:8090 -n payments --argocd-url https://argocd.example.com --kiali-url https://kiali.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), s, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.address, "address", "127.0.0.1:8090", "HOST:PORT to serve on; a non-loopback host exposes the dashboard (port 0: any free port)")
	f.StringArrayVar(&o.policies, "policy", nil, "CanaryPolicy file (repeatable)")
	f.BoolVar(&o.discover, "discover", true, "also show the CanaryPolicies in the cluster")
	f.StringVarP(&o.namespace, "namespace", "n", "", "only the CanaryPolicies of this namespace (default all)")
	f.StringVar(&o.repo, "repo", "", "Git URL or path (default: each Application's repoURL)")
	f.StringVar(&o.branch, "branch", "", "branch (default: the Application's targetRevision)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context of the cluster Argo CD runs in")
	f.StringVar(&o.prometheus, "prometheus", os.Getenv("GITSHIFT_PROMETHEUS_URL"), "Prometheus URL for the charts ($GITSHIFT_PROMETHEUS_URL)")
	f.StringVar(&o.promUIURL, "prometheus-ui-url", "", "Prometheus URL for links (default --prometheus)")
	f.StringVar(&o.reporter, "reporter", "destination", `Istio reporter to count: "destination" or "source"`)
	f.StringVar(&o.argoURL, "argocd-url", "", "Argo CD UI base URL, for links to an Application's history and diff")
	f.StringVar(&o.kialiURL, "kiali-url", "", "Kiali base URL, for links")
	f.StringVar(&o.jaegerURL, "jaeger-url", "", "Jaeger UI base URL, for links")
	f.IntVar(&o.history, "history", 1000, "commits read per repository")
	f.DurationVar(&o.refresh, "refresh", 2*time.Second, "how often live pages look for changes")
	f.DurationVar(&o.gitTimeout, "git-timeout", gitrepo.DefaultTimeout, "time limit of each clone and fetch (0: none)")
	command.FlagEnum(f, "reporter", "destination", "source")
	command.FlagRange(f, "history", command.AtLeast(1, "0 would take the default 1000"))
	command.FlagRange(f, "refresh", command.AtLeast(float64(100*time.Millisecond), "0 would take the default 2s"))
	return cmd
}

func run(ctx context.Context, s command.Streams, o *options) error {
	exposed, err := dashboard.Exposed(o.address)
	if err != nil {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--address %w", err))
	}
	if o.gitTimeout == 0 {
		o.gitTimeout = -1 // gitrepo: negative is no limit, 0 its default
	}
	cfg := dashboard.Config{Discover: o.discover, Namespace: o.namespace, Repo: o.repo, Branch: o.branch, Reporter: o.reporter,
		History: o.history, TTL: o.refresh, GitTimeout: o.gitTimeout, Logger: slog.Default()}
	for _, file := range o.policies {
		p, err := policy.Read(file, "")
		if err != nil {
			return err
		}
		if p, err = policy.CompleteTarget(*p, policy.Overrides{}); err != nil {
			return err
		}
		cfg.Policies = append(cfg.Policies, p)
	}
	kc, kerr := kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: o.kubeContext})
	if kerr == nil {
		cfg.Cluster = kc
	} else if o.repo == "" || len(cfg.Policies) == 0 {
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("no cluster to read (%v): pass --kubeconfig, or --policy with --repo for Git only", kerr))
	}
	if o.prometheus != "" {
		p, err := metrics.NewPrometheus(o.prometheus)
		if err != nil {
			return errkind.Wrap(errkind.Usage, fmt.Errorf("--prometheus: %w", err))
		}
		cfg.Prometheus = p
	}
	if o.promUIURL == "" {
		o.promUIURL = o.prometheus
	}
	src := dashboard.NewLive(cfg)
	defer src.Close()
	h := dashboard.New(src, dashboard.Options{Refresh: o.refresh, AllowRemote: exposed, Logger: slog.Default(),
		Links: dashboard.Links{ArgoCD: o.argoURL, Kiali: o.kialiURL, Jaeger: o.jaegerURL, Prometheus: o.promUIURL}})
	ln, err := net.Listen("tcp", o.address)
	if err != nil {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--address %s: %w", o.address, err))
	}
	note := "read-only; Ctrl-C stops"
	if exposed {
		note = "EXPOSED beyond this machine, read-only, no login; Ctrl-C stops"
	}
	fmt.Fprintf(s.ErrOut, "gitshift dashboard: serving http://%s/ (%s)\n", ln.Addr(), note)
	return dashboard.Serve(ctx, ln, h)
}
