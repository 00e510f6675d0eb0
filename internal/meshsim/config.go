package meshsim

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults applied by Run to zero Config fields.
const (
	DefaultListenAddr      = "127.0.0.1:9191"
	DefaultRPS             = 20
	DefaultFaultsConfigMap = "mesh-faults"
	DefaultTick            = 100 * time.Millisecond
)

// Config configures Run.
type Config struct {
	// Kubeconfig is the kubeconfig file; empty uses $KUBECONFIG or
	// ~/.kube/config (client-go's default loading rules).
	Kubeconfig string
	// Context is the kubeconfig context; empty uses the current one.
	Context string
	// Namespaces to watch and simulate; empty means all.
	Namespaces []string
	// ListenAddr serves /metrics, /healthz and /debug/routes.
	// Default DefaultListenAddr.
	ListenAddr string
	// RPS is the mean request rate of each flow in each namespace where its
	// destination exists, unless the flow sets its own. Default DefaultRPS.
	RPS float64
	// FaultsConfigMap is the name of the fault ConfigMap looked up in every
	// watched namespace; each applies to the workloads of its own namespace,
	// so faults live next to the app they break. Default
	// DefaultFaultsConfigMap. See ParseFaults for the format.
	FaultsConfigMap string
	// Seed seeds the random source; 0 picks one from the clock. A fixed seed
	// gives the same sequence of draws for the same sequence of cluster
	// states (wall-clock ticks still vary).
	Seed int64
	// Flows is the call graph to simulate. Default DefaultFlows.
	Flows []Flow
	// Tick is the simulation step. Default DefaultTick.
	Tick time.Duration
	// IgnoreSidecars treats every pod as injected. By default a pod without
	// a sidecar behaves as on a real mesh: its calls bypass VirtualServices
	// and nobody reports them (source side), and calls to it are reported
	// only by the caller.
	IgnoreSidecars bool
	// TagHeaders are request headers reported as metric labels (an Istio
	// Telemetry tagOverride); nil means DefaultTagHeaders.
	TagHeaders []string
	// XDS is istiod's plaintext xDS address (host:port). Set, the routes
	// come from istiod over ADS (BuildTableXDS: xDS mode); empty, the
	// simulator reads VirtualServices and DestinationRules itself
	// (BuildTable: the fast mode).
	XDS string
	// XDSNamespace is the namespace the simulator's sidecar claims to run
	// in (it decides Sidecar scoping and exportTo). Default "default".
	XDSNamespace string
	// Log receives the simulator's logs; slog.Default() when nil.
	Log *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	}
	if c.RPS == 0 {
		c.RPS = DefaultRPS
	}
	if c.FaultsConfigMap == "" {
		c.FaultsConfigMap = DefaultFaultsConfigMap
	}
	if c.Seed == 0 {
		c.Seed = time.Now().UnixNano()
	}
	if len(c.Flows) == 0 {
		c.Flows = DefaultFlows
	}
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.XDSNamespace == "" {
		c.XDSNamespace = "default"
	}
	if c.TagHeaders == nil {
		c.TagHeaders = DefaultTagHeaders
	}
	var errs []error
	if c.RPS < 0 {
		errs = append(errs, fmt.Errorf("rps %v is negative", c.RPS))
	}
	if c.Tick < time.Millisecond {
		errs = append(errs, fmt.Errorf("tick %v is below 1ms", c.Tick))
	}
	for _, f := range c.Flows {
		if f.From == "" || f.To == "" || f.RPS < 0 {
			errs = append(errs, fmt.Errorf("invalid flow %q", f.String()))
		}
	}
	return c, errors.Join(errs...)
}
