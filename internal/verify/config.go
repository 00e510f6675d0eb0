package verify

import (
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
)

// Config says what to verify and how strictly. Zero values take the
// defaults set in withDefaults, the one place defaults live.
type Config struct {
	App          string
	AppNamespace string // Argo CD's namespace (default "argocd")
	// VirtualService limits the routing and traffic checks to one
	// VirtualService by name (default: every VirtualService Git renders).
	VirtualService string
	// Repo is a Git URL or a local directory; default the Application's
	// repoURL. Revision defaults to the Application's targetRevision.
	Repo, Revision string
	// DefaultNamespace places namespace-less objects when the Application
	// names no destination namespace (kubectl's -n).
	DefaultNamespace string
	// ArgoCDVersion selects version-dependent rendering rules ("2.14").
	ArgoCDVersion string

	// Refresh sets Argo CD's refresh annotation and waits (up to Wait, or
	// DefaultRefreshWait) until the Application has reconciled the head SHA.
	Refresh     bool
	RefreshType argocd.RefreshType
	// Wait waits up to this long for the head SHA to be live (without
	// requesting a refresh) and for a full traffic window after a change.
	Wait time.Duration

	// ControlPlaneWait bounds the wait for istiod to push the live
	// VirtualService and its proxies to ACK it (default
	// DefaultControlPlaneWait; Wait when longer).
	ControlPlaneWait time.Duration

	// Window is the traffic window (default 60s).
	Window time.Duration
	// Settle is how long after the live weights last changed traffic still
	// counts as routed by the old ones (default 5s): proxies take a moment to
	// receive new routes, the API server records the change to the second,
	// and a counter sample at the window's start may predate it by a scrape.
	Settle time.Duration
	// Z is the normal quantile of the split's confidence interval (1.96: 95%).
	Z float64
	// MinRequests is the fewest requests per host to judge a split.
	MinRequests int64
	// MaxErrorRate fails a subset whose error rate is above it with 95%
	// confidence (Wilson lower bound).
	MaxErrorRate float64
	Reporter     string // "destination" (default) or "source"
	ErrorCodes   string // response_code regex (default 5..)

	// Links: base URLs of UIs to link to in the report.
	ArgoCDURL, KialiURL, JaegerURL, PrometheusURL string

	// Progress receives human progress lines (refresh/wait); may be nil.
	Progress func(string)
	// OnResult is called as each check finishes (streaming output).
	OnResult func(Result)
	Now      func() time.Time
}

// DefaultRefreshWait bounds --refresh without --wait: Argo CD normally
// reconciles within a second of the annotation; a sync and rollout may take
// longer.
const DefaultRefreshWait = 3 * time.Minute

// DefaultSettle is Config.Settle's default.
const DefaultSettle = 5 * time.Second

func (c Config) withDefaults() Config {
	if c.AppNamespace == "" {
		c.AppNamespace = "argocd"
	}
	if c.RefreshType == "" {
		c.RefreshType = argocd.RefreshNormal
	}
	if c.Refresh && c.Wait == 0 {
		c.Wait = DefaultRefreshWait
	}
	if c.ControlPlaneWait == 0 {
		c.ControlPlaneWait = DefaultControlPlaneWait
	}
	if c.Window == 0 {
		c.Window = 60 * time.Second
	}
	if c.Settle == 0 {
		c.Settle = DefaultSettle
	}
	if c.Z == 0 {
		c.Z = 1.96
	}
	if c.MinRequests == 0 {
		c.MinRequests = 100
	}
	if c.MaxErrorRate == 0 {
		c.MaxErrorRate = 0.05
	}
	if c.Reporter == "" {
		c.Reporter = "destination"
	}
	if c.Progress == nil {
		c.Progress = func(string) {}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
