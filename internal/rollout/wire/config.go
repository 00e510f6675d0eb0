// Package wire builds a ready rollout engine from one typed Config: it
// connects to the clusters, reads the Argo CD Application for the
// repository and the destination, and fits the adapters (Git, Argo CD, the
// live VirtualService, Prometheus, the judge, the Lease, webhooks and
// Events) to the engine. The CLI and the controller both call it, so the
// engine is wired in one place.
//
// It keeps no state between calls and captures nothing global: many
// policies may be wired at once, each with its own logger and sinks, and
// clients may be shared between them (Clients) or be fakes in tests.
package wire

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Config is everything one rollout needs.
type Config struct {
	// Policy is the completed policy (policy.Complete).
	Policy *policy.CanaryPolicy
	// ID names the rollout to resume or start ("": the VirtualService's
	// active rollout, or a new one).
	ID   string
	Kube Kube
	// PrometheusURL is where the analysis reads Istio's metrics (unless
	// Clients.Prometheus is set). Required by Build: no evidence, no promotion.
	PrometheusURL string
	// IstiodDebugURL, when set, is istiod's debug HTTP address: each step
	// then waits until istiod applied it (rollout.ControlPlane); "" keeps
	// the API server's word.
	IstiodDebugURL string
	// Reporter is the Istio reporter counted: "destination" (default) or "source".
	Reporter string
	Git      Git
	// Identity names this runner in the Lease and in Events (default
	// DefaultIdentity()).
	Identity string
	// Events receives every engine event (the caller's view); may be nil.
	// Kubernetes Events on the Application and the policy's notifications
	// are added by Build.
	Events rollout.EventSink
	// Logger receives the adapters' and the engine's logs (nil: none).
	Logger  *slog.Logger
	Clients Clients
	// Stepped: the caller drives Engine.Step and renews the lease on each
	// step (the controller), so no background renewal runs per rollout.
	Stepped bool
	// LeaseDuration is how long the VirtualService's lease lasts without
	// renewal (0: lease.DefaultDuration).
	LeaseDuration time.Duration
}

// Kube says where the clusters are, when Clients does not give them.
type Kube struct {
	Kubeconfig string // "": $KUBECONFIG, then ~/.kube/config
	// Context is the kubeconfig context of the cluster Argo CD runs in.
	Context string
	// DestinationContext is the context of the Application's destination
	// cluster, when it is not Context's cluster.
	DestinationContext string
}

// Git says where the rollout commits and as whom.
type Git struct {
	// Repo is the remote URL or path ("": the Application's Git repoURL).
	Repo string
	// Branch ("": the Application's targetRevision, else the remote's default).
	Branch string
	// Author is the commit author as "Name <email>" ("": git's own).
	Author string
	Sign   bool     // sign commits with git's own gpg/ssh setup
	Env    []string // extra environment for git (credentials helpers, GIT_SSH_COMMAND)
	// ArgoCDVersion selects the rendering rules ("": the newest).
	ArgoCDVersion string
	MaxAttempts   int // push attempts per commit (0: shift's default)
	// AllowShared names the other Applications that render the
	// VirtualService's files too and may change with each step (see
	// shift.Request.AllowShared).
	AllowShared []string
	// Timeout bounds each clone, fetch and push (0: gitrepo.DefaultTimeout,
	// negative: none).
	Timeout time.Duration
}

// Clients are shared or fake clients. Nil fields are built from Kube and
// PrometheusURL.
type Clients struct {
	// Cluster is the cluster Argo CD runs in: the Application, its Events.
	Cluster *kube.Client
	// OpenContext returns a client for a kubeconfig context (the
	// destination cluster).
	OpenContext func(kubeContext string) (*kube.Client, error)
	// Prometheus answers the analysis' queries.
	Prometheus metrics.Querier
	// HTTP posts webhooks and notifications (nil: the adapters' defaults).
	HTTP *http.Client
	// Clock is the engine's time (nil: the wall clock).
	Clock rollout.Clock
	// Notify sends the policy's notifications (nil: Build starts one per
	// rollout and Close drains it).
	Notify *adapt.Dispatcher
}

// Errors a caller may want to explain in its own terms (e.g. naming the
// flag that sets the missing value).
var (
	// ErrNoRepository: no Git repository was given and the Application names none.
	ErrNoRepository = errkind.New(errkind.Usage, "the Application names no Git repoURL")
	// ErrNoPrometheus: neither a Prometheus URL nor a client was given.
	ErrNoPrometheus = errkind.New(errkind.Usage, "a Prometheus URL is required: no evidence, no promotion")
)

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (c *Config) identity() string {
	if c.Identity != "" {
		return c.Identity
	}
	return DefaultIdentity()
}

func (c *Config) reporter() string {
	if c.Reporter != "" {
		return c.Reporter
	}
	return "destination"
}

// cluster returns the client for the cluster Argo CD runs in.
func (c *Config) cluster() (*kube.Client, error) {
	if c.Clients.Cluster != nil {
		return c.Clients.Cluster, nil
	}
	return kube.New(kube.Options{Kubeconfig: c.Kube.Kubeconfig, Context: c.Kube.Context})
}

func (c *Config) openContext(name string) (*kube.Client, error) {
	if c.Clients.OpenContext != nil {
		return c.Clients.OpenContext(name)
	}
	return kube.New(kube.Options{Kubeconfig: c.Kube.Kubeconfig, Context: name})
}

func (c *Config) prometheus() (metrics.Querier, error) {
	if c.Clients.Prometheus != nil {
		return c.Clients.Prometheus, nil
	}
	if c.PrometheusURL == "" {
		return nil, ErrNoPrometheus
	}
	p, err := metrics.NewPrometheus(c.PrometheusURL)
	if err != nil {
		return nil, errkind.Wrap(errkind.Usage, err)
	}
	return p, nil
}

// istiod is the control plane client for IstiodDebugURL; nil without one.
func (c *Config) istiod() (*istiod.Client, error) {
	if c.IstiodDebugURL == "" {
		return nil, nil
	}
	cl, err := istiod.New(c.IstiodDebugURL)
	if err != nil {
		return nil, errkind.Wrap(errkind.Usage, err)
	}
	return cl, nil
}

// DefaultIdentity names a runner user@host:pid.
func DefaultIdentity() string {
	host, _ := os.Hostname()
	user := os.Getenv("USER")
	if user == "" {
		user = "gitshift"
	}
	return fmt.Sprintf("%s@%s:%d", user, host, os.Getpid())
}
