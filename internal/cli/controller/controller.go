// Package controller is the `gitshift controller` command: flags → a
// controller-runtime manager running internal/controller.
package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/controller"
	"github.com/gitshift/gitshift/internal/dashboard"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
)

// controllerOptions are `gitshift controller`'s flags.
type controllerOptions struct {
	kubeconfig, kubeContext         string
	leaderElect                     bool
	leaderID, leaderNS              string
	leaseDuration, renewDeadline    time.Duration
	retryPeriod                     time.Duration
	metricsAddr, probeAddr          string
	dashboardAddr                   string
	namespace, selector             string
	maxConcurrent, pushAttempts     int
	prometheus, reporter            string
	istiodDebug                     string
	identity, author, argocdVersion string
	rolloutLease, resync, maxBlock  time.Duration
	logFormat                       string
	qps                             float32
	burst                           int
}

// NewCommand returns `gitshift controller`.
func NewCommand(s command.Streams) *cobra.Command {
	o := &controllerOptions{}
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Run canary rollouts in the cluster: reconcile CanaryPolicy objects (gitshift.dev/v1alpha1)",
		Long: `controller reconciles the CanaryPolicies that Argo CD applies and drives the same
rollout engine as 'gitshift rollout start', one step per reconcile: every
traffic step is still a commit, and a restarted or failed-over controller
resumes each rollout from its commits' trailers and the live state.

A rollout starts on the policy's trigger: workload (a new pod template of the
canary subset's workload while Git gives the canary less than 100%), policy
(a new spec generation) or manual (a new gitshift.dev/start annotation value).
'gitshift rollout pause|resume|promote|abort' work against a controller-run
rollout as signal commits. Status, printer columns, Events, /metrics,
/healthz and /readyz make it observable; replicas elect a leader on a Lease.
--dashboard-address serves the pages of 'gitshift dashboard' (every replica,
read-only; a non-loopback address exposes them).

It runs in a Pod (in-cluster config) or as a plain process with a kubeconfig.
Shard past one controller with --namespace or --selector.`,
		Example: `  gitshift controller --prometheus http://prometheus.istio-system:9090
  gitshift controller --kubeconfig sa.kubeconfig --leader-election-namespace gitshift-system --selector team=payments`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runController(cmd.Context(), s, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: in-cluster config, $KUBECONFIG, ~/.kube/config)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context")
	f.BoolVar(&o.leaderElect, "leader-elect", true, "elect one active replica with a Lease")
	f.StringVar(&o.leaderID, "leader-election-id", "gitshift-controller", "name of the leader-election Lease")
	f.StringVar(&o.leaderNS, "leader-election-namespace", os.Getenv("POD_NAMESPACE"), "namespace of the leader-election Lease ($POD_NAMESPACE; required out of cluster)")
	f.DurationVar(&o.leaseDuration, "leader-lease-duration", 15*time.Second, "how long a standby waits before taking over a silent leader")
	f.DurationVar(&o.renewDeadline, "leader-renew-deadline", 10*time.Second, "how long the leader retries renewing before it steps down")
	f.DurationVar(&o.retryPeriod, "leader-retry-period", 2*time.Second, "how often candidates try to acquire or renew")
	f.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", `address of /metrics ("0" disables)`)
	f.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.StringVar(&o.dashboardAddr, "dashboard-address", "", `HOST:PORT of the read-only dashboard (see 'gitshift dashboard'), e.g. 127.0.0.1:8090 (default off)`)
	f.StringVar(&o.namespace, "namespace", "", "only this namespace's policies and workloads (a shard; default all)")
	f.StringVar(&o.selector, "selector", "", "only policies with these labels, e.g. team=payments (a shard)")
	f.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 4, "policies reconciled in parallel")
	f.IntVar(&o.pushAttempts, "push-attempts", controller.DefaultPushAttempts, "push attempts per commit when other commits keep landing on the branch")
	f.StringVar(&o.prometheus, "prometheus", os.Getenv("GITSHIFT_PROMETHEUS_URL"), "Prometheus URL ($GITSHIFT_PROMETHEUS_URL)")
	f.StringVar(&o.istiodDebug, "istiod-debug", os.Getenv("GITSHIFT_ISTIOD_DEBUG_URL"), "istiod's debug HTTP URL, e.g. http://istiod.istio-system.svc:8080 ($GITSHIFT_ISTIOD_DEBUG_URL): each step then waits, in --max-block slices and at most 30s, until istiod applied it and its proxies acknowledged; a slow or unreachable istiod is a warning")
	f.StringVar(&o.reporter, "reporter", "destination", `Istio reporter to count: "destination" or "source"`)
	f.StringVar(&o.identity, "identity", "", `holder of the VirtualService leases, the same in every replica (default "gitshift-controller <leader-election-namespace>/<leader-election-id>")`)
	f.StringVar(&o.author, "author", "", `commit author as "Name <email>"`)
	f.StringVar(&o.argocdVersion, "argocd-version", "", "Argo CD version whose rendering rules apply")
	f.DurationVar(&o.rolloutLease, "rollout-lease-duration", 0, "lifetime of a VirtualService lease without renewal (default 60s)")
	f.DurationVar(&o.resync, "resync", 5*time.Minute, "how often an idle policy re-reads Git and its trigger")
	f.DurationVar(&o.maxBlock, "max-block", 5*time.Second, "longest one reconcile waits for Argo CD before requeueing")
	f.StringVar(&o.logFormat, "log-format", "json", "json or text (on stderr)")
	f.Float32Var(&o.qps, "kube-api-qps", 50, "requests per second to the Kubernetes API server, shared by every rollout of this controller")
	f.IntVar(&o.burst, "kube-api-burst", 100, "requests allowed in a burst above --kube-api-qps")
	return cmd
}

func runController(ctx context.Context, s command.Streams, o *controllerOptions) error {
	sel, err := labels.Parse(o.selector)
	if err != nil {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--selector %q: %w", o.selector, err))
	}
	if o.pushAttempts < 1 {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--push-attempts %d: want at least 1", o.pushAttempts))
	}
	if o.qps <= 0 || o.burst < 1 {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--kube-api-qps %g, --kube-api-burst %d: want both above 0", o.qps, o.burst))
	}
	if o.prometheus == "" {
		return errkind.Wrap(errkind.Usage, errors.New("--prometheus (or $GITSHIFT_PROMETHEUS_URL) is required: no evidence, no promotion"))
	}
	if o.istiodDebug != "" {
		if _, err := istiod.New(o.istiodDebug); err != nil {
			return errkind.Wrap(errkind.Usage, fmt.Errorf("--istiod-debug: %w", err))
		}
	}
	if o.leaderElect && o.leaderNS == "" {
		if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
			o.leaderNS = string(b)
		} else {
			return errkind.Wrap(errkind.Usage, errors.New("--leader-election-namespace is required out of cluster"))
		}
	}
	if o.identity == "" {
		o.identity = fmt.Sprintf("gitshift-controller %s/%s", o.leaderNS, o.leaderID)
	}
	var log *slog.Logger
	switch o.logFormat {
	case "json":
		log = slog.New(slog.NewJSONHandler(s.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	case "text":
		log = slog.New(slog.NewTextHandler(s.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	default:
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--log-format %q: want json or text", o.logFormat))
	}
	kc, err := controllerKube(o)
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	prom, err := metrics.NewPrometheus(o.prometheus)
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	// The manager's own client must not time out its watches: no Timeout.
	mcfg := rest.CopyConfig(kc.Config)
	mcfg.Timeout = 0
	cfg := controller.Config{Namespace: o.namespace, Selector: sel, LeaderElection: o.leaderElect, LeaderElectionID: o.leaderID,
		LeaderElectionNamespace: o.leaderNS, LeaseDuration: o.leaseDuration, RenewDeadline: o.renewDeadline, RetryPeriod: o.retryPeriod,
		MetricsAddr: o.metricsAddr, ProbeAddr: o.probeAddr, MaxConcurrentReconciles: o.maxConcurrent,
		Reconcile: controller.Options{Resync: o.resync, MaxBlock: o.maxBlock}, Logger: log}
	mgr, err := controller.NewManager(mcfg, cfg)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	notify := adapt.NewDispatcher(adapt.DispatcherOptions{Log: log})
	defer notify.Close(5 * time.Second)
	var sink rollout.EventSink // nil, not a nil *Recorder
	if o.dashboardAddr != "" {
		recorder := &dashboard.Recorder{}
		closeDashboard, err := addDashboard(mgr, o, kc, prom, recorder, log)
		if err != nil {
			return err
		}
		defer closeDashboard()
		sink = recorder
	}
	backend := &controller.WireBackend{Cluster: kc, Events: sink, Prometheus: prom, HTTP: &http.Client{Timeout: 10 * time.Second}, Notify: notify,
		Reporter: o.reporter, IstiodDebugURL: o.istiodDebug, Identity: o.identity, LeaseDuration: o.rolloutLease, Author: o.author, ArgoCDVersion: o.argocdVersion,
		PushAttempts: o.pushAttempts, Logger: log}
	defer backend.Close()
	var rec events.EventRecorder = mgr.GetEventRecorder("gitshift-controller")
	r := controller.NewReconciler(mgr.GetClient(), backend, rec, nil, cfg.Reconcile, log)
	if err := controller.Setup(mgr, r, cfg); err != nil {
		return err
	}
	log.Info("starting", "identity", o.identity, "namespace", o.namespace, "selector", sel.String(), "leaderElection", o.leaderElect)
	if err := mgr.Start(ctx); err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	return nil
}

// controllerKube is the cluster client: in-cluster config in a Pod without
// --kubeconfig, else the kubeconfig like every other command.
func controllerKube(o *controllerOptions) (*kube.Client, error) {
	if o.kubeconfig == "" && o.kubeContext == "" && os.Getenv("KUBECONFIG") == "" {
		if cfg, err := rest.InClusterConfig(); err == nil {
			cfg.Timeout = 30 * time.Second
			cfg.QPS, cfg.Burst = o.qps, o.burst
			return kube.NewForConfig(cfg, "")
		}
	}
	return kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: o.kubeContext, QPS: o.qps, Burst: o.burst})
}
