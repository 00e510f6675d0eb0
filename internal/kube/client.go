// Package kube builds Kubernetes clients from a kubeconfig the way kubectl
// does and reads the live objects verify compares with Git: any rendered
// object, Istio VirtualServices and DestinationRules, and a subset's pods.
// It only reads; the one cluster write gitshift makes (Argo CD's refresh
// annotation) lives in package argocd.
package kube

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Options select the cluster like kubectl's --kubeconfig, --context and -n.
type Options struct {
	Kubeconfig string // empty: $KUBECONFIG, then ~/.kube/config
	Context    string // empty: the kubeconfig's current-context
	Namespace  string // empty: the context's namespace, else "default"
	// Timeout bounds each request (0: 30s) so that a blackholed API server
	// fails the check instead of hanging it.
	Timeout time.Duration
	// QPS and Burst limit the client's requests (0: 50 per second, bursts
	// of 100); a controller driving many rollouts may need more.
	QPS   float32
	Burst int
}

// Client bundles the clients verify needs for one cluster.
type Client struct {
	Config    *rest.Config
	Namespace string
	Dynamic   dynamic.Interface
	Core      kubernetes.Interface
	Mapper    meta.ResettableRESTMapper
}

// New loads the kubeconfig with clientcmd's standard loading rules. It does
// no I/O against the API server; discovery happens on first use.
func New(opts Options) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	overrides.Context.Namespace = opts.Namespace
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	cfg.Timeout = opts.Timeout
	if opts.QPS > 0 {
		cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	}
	return NewForConfig(cfg, ns)
}

// NewForConfig builds the clients from a rest.Config (tests, in-cluster).
func NewForConfig(cfg *rest.Config, namespace string) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		// verify reads a few dozen objects; client-go's default of 5 QPS
		// would make that take seconds.
		cfg.QPS, cfg.Burst = 50, 100
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	if namespace == "" {
		namespace = "default"
	}
	return &Client{
		Config:    cfg,
		Namespace: namespace,
		Dynamic:   dyn,
		Core:      core,
		Mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
	}, nil
}

// Host is the API server URL, for messages.
func (c *Client) Host() string { return c.Config.Host }

// Ping asks the API server for its version: the cheapest proof that it is
// reachable and that the credentials work.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Core.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return c.Classify(fmt.Errorf("GET /version: %w", err))
	}
	return nil
}

// Classify wraps transport failures as *UnreachableError for this server.
func (c *Client) Classify(err error) error { return classify(err, c.Host()) }
