// Package verify holds `gitshift verify`: flags → verify.Run → the
// checklist, one line per check.
package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/termsafe"
	"github.com/gitshift/gitshift/internal/verify"
)

type verifyOptions struct {
	app, argoNS, vs, repo, revision  string
	prometheus, reporter, errorCodes string
	kubeconfig, kubeContext, ns      string
	destContext                      string
	argoVersion                      string
	refresh, hardRefresh             bool
	wait, window, settle             time.Duration
	minRequests                      int64
	maxErrorRate                     float64
	output                           string
	argoURL, kialiURL, jaegerURL     string
	istiodDebug                      string
}

// NewCommand returns `gitshift verify`.
func NewCommand(s command.Streams) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify --app NAME",
		Short: "Check every link Git -> Argo CD -> cluster -> traffic, one line per check",
		Long: `verify runs the whole verification checklist for one Argo CD Application:

  Git        the branch head SHA and the objects Argo CD renders from it
  Argo CD    Synced and Healthy at that SHA (comparedTo, operation, conditions,
             reconciledAt), not just "Synced"
  cluster    every rendered object exists live; no manifest skipped by a
             non-recursive directory source; live VirtualService weights equal
             Git's; DestinationRule subsets exist; subset pods Running/Ready
             with the istio-proxy sidecar
  istiod     with --istiod-debug: istiod holds the live VirtualService's
             resourceVersion and every proxy connected to it acknowledged
             the push (its /debug/configz and /debug/syncz); without it,
             "live" is the API server's copy and the check says so
  traffic    from Prometheus, integer request counts per subset over --window
             (differences of raw counters), the observed split with a 95%
             Wilson interval against Git's weights, 5xx rate, p50/p99

--refresh sets Argo CD's refresh annotation (the only cluster write gitshift
makes) and waits until the Application has reconciled the head SHA, which turns
Argo CD's 2-3 minute polling into about a second.

--istiod-debug is istiod's debug HTTP address (--httpAddr, port 8080). In a
real cluster: kubectl -n istio-system port-forward deploy/istiod 8080, then
--istiod-debug http://127.0.0.1:8080 (with several replicas that reaches one;
it reports the proxies connected to it). The lab sets it ('gitshift lab env').

Exit codes: 0 every check passed, 1 a check failed (or too little traffic to
judge), 2 could not check (API server, Git, Prometheus or istiod unreachable).

The Application is read from the --context cluster. Its objects are checked
there when it deploys in-cluster (https://kubernetes.default.svc) or to that
cluster's address; for another destination cluster pass
--destination-context, or the cluster checks say "could not check".`,
		Example: `  gitshift verify --app bookinfo --refresh
  gitshift verify --app bookinfo --istiod-debug http://127.0.0.1:8080
  gitshift verify --app bookinfo --virtualservice reviews --window 2m -o json
  gitshift verify --app payments --context hub --destination-context prod-eu`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd.Context(), s, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.app, "app", "", "Argo CD Application name (required)")
	f.StringVar(&o.argoNS, "argocd-namespace", envOr("GITSHIFT_ARGOCD_NAMESPACE", "argocd"), "namespace of Argo CD and the Application ($GITSHIFT_ARGOCD_NAMESPACE)")
	f.StringVar(&o.vs, "virtualservice", "", "check only this VirtualService (default: every one Git renders)")
	f.StringVar(&o.repo, "repo", "", "Git URL or local directory (default: the Application's repoURL)")
	f.StringVar(&o.revision, "revision", "", "branch, tag or SHA (default: the Application's targetRevision)")
	f.StringVar(&o.prometheus, "prometheus", os.Getenv("GITSHIFT_PROMETHEUS_URL"), "Prometheus URL ($GITSHIFT_PROMETHEUS_URL); without it the traffic checks are skipped")
	f.StringVar(&o.istiodDebug, "istiod-debug", os.Getenv("GITSHIFT_ISTIOD_DEBUG_URL"), "istiod's debug HTTP URL ($GITSHIFT_ISTIOD_DEBUG_URL), e.g. http://127.0.0.1:8080 after kubectl -n istio-system port-forward deploy/istiod 8080; without it \"live\" is the API server's copy")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context of the cluster Argo CD runs in")
	f.StringVar(&o.destContext, "destination-context", "", "kubeconfig context of the Application's destination cluster, when it is not the --context cluster")
	f.StringVarP(&o.ns, "namespace", "n", "", "namespace for objects when the Application names no destination namespace")
	f.StringVar(&o.argoVersion, "argocd-version", "", "Argo CD version whose rendering rules apply, e.g. 2.14 (default: newest)")
	f.BoolVar(&o.refresh, "refresh", false, "set the refresh annotation and wait until Argo CD has reconciled the head SHA")
	f.BoolVar(&o.hardRefresh, "hard-refresh", false, "like --refresh, but a hard refresh (regenerates manifests)")
	f.DurationVar(&o.wait, "wait", 0, "wait up to this long for the head SHA to be live and for a full traffic window (default with --refresh: 3m)")
	f.DurationVar(&o.window, "window", 60*time.Second, "traffic window")
	f.DurationVar(&o.settle, "settle", verify.DefaultSettle, "after a weight change, traffic this long still counts as routed by the old weights (proxy config propagation)")
	f.Int64Var(&o.minRequests, "min-requests", 100, "fewest requests to judge the split")
	f.Float64Var(&o.maxErrorRate, "max-error-rate", 0.05, "fail a subset whose error rate exceeds this with 95% confidence")
	f.StringVar(&o.reporter, "reporter", "destination", `Istio reporter to count: "destination" or "source"`)
	f.StringVar(&o.errorCodes, "error-codes", metrics.DefaultErrorCodes, "response_code regex counted as errors")
	f.StringVar(&o.argoURL, "argocd-url", "", "Argo CD UI base URL, for a link")
	f.StringVar(&o.kialiURL, "kiali-url", "", "Kiali base URL (e.g. http://kiali:20001/kiali), for a link")
	f.StringVar(&o.jaegerURL, "jaeger-url", "", "Jaeger UI base URL, for a link")
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)
	// verify.Config takes 0 for its defaults: a 0 here would silently mean them.
	command.FlagRange(f, "window", command.AtLeast(float64(time.Second), "a rate needs a window; 0 would take the default 1m"))
	command.FlagRange(f, "settle", command.Above(0, "0 would take the default 5s"))
	command.FlagRange(f, "min-requests", command.AtLeast(1, "0 would take the default 100"))
	command.FlagRange(f, "max-error-rate", command.Range{Min: 0, Max: 1, MinOpen: true, Why: "a share of requests; 0 would take the default 0.05"})
	command.FlagRegexp(f, "error-codes")
	command.FlagEnum(f, "reporter", "destination", "source")
	return cmd
}

func runVerify(ctx context.Context, s command.Streams, o *verifyOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	if o.app == "" {
		return errkind.Wrap(errkind.Usage, errors.New("--app is required"))
	}
	if o.reporter != "destination" && o.reporter != "source" {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--reporter %q: want destination or source", o.reporter))
	}
	cfg := verify.Config{
		App: o.app, AppNamespace: o.argoNS, VirtualService: o.vs, Repo: o.repo, Revision: o.revision,
		ArgoCDVersion: o.argoVersion, Refresh: o.refresh || o.hardRefresh, Wait: o.wait, Window: o.window, Settle: o.settle,
		MinRequests: o.minRequests, MaxErrorRate: o.maxErrorRate, Reporter: o.reporter, ErrorCodes: o.errorCodes,
		ArgoCDURL: o.argoURL, KialiURL: o.kialiURL, JaegerURL: o.jaegerURL, PrometheusURL: o.prometheus,
		DefaultNamespace: o.ns,
		Progress:         func(line string) { fmt.Fprintln(s.ErrOut, termsafe.Text(line)) },
	}
	if o.hardRefresh {
		cfg.RefreshType = argocd.RefreshHard
	}
	// Bad input is refused before anything is read.
	var cp *istiod.Client
	if o.istiodDebug != "" {
		if cp, err = istiod.New(o.istiodDebug); err != nil {
			return errkind.Wrap(errkind.Usage, fmt.Errorf("--istiod-debug: %w", err))
		}
	}
	kc, err := kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: o.kubeContext, Namespace: o.ns})
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("could not check: %w", err))
	}
	git := &verify.GitCLI{}
	defer git.Close()
	deps := verify.Deps{Apps: argocd.Reader{Client: kc.Dynamic, Classify: kc.Classify}, Cluster: kc, Git: git,
		Destinations: &verify.Destinations{Host: kc.Host(), Context: o.destContext,
			Open: func(name string) (verify.Cluster, error) {
				return kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: name, Namespace: o.ns})
			}}}
	if o.prometheus != "" {
		p, err := metrics.NewPrometheus(o.prometheus)
		if err != nil {
			return errkind.Wrap(errkind.Usage, err)
		}
		deps.Metrics = p
	}
	if cp != nil {
		deps.ControlPlane = cp
	}
	var out *checklistWriter
	if format == command.Text {
		out = newChecklistWriter(s.Out, o.app, o.argoNS)
		cfg.OnResult = out.result
	}
	rep := verify.Run(ctx, cfg, deps)
	if format == command.Text {
		out.finish(rep)
	} else if err := command.WriteData(s.Out, format, rep); err != nil {
		return err
	}
	return verifyOutcome(rep)
}

// verifyOutcome is the report's outcome as the command's error. The
// checklist is printed already: only "could not check" with its reason adds
// a message (naming what was unreachable) on stderr.
func verifyOutcome(rep verify.Report) error {
	err := rep.Err()
	var oe *verify.OutcomeError
	if errors.As(err, &oe) && oe.Unchecked == nil {
		return command.Reported(err)
	}
	return err
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
