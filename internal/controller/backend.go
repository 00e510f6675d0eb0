package controller

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/rollout/wire"
)

// Backend is what the controller needs from Git and the clusters for one
// policy. WireBackend builds it on the rollout facade; tests and the
// benchmark use in-memory fakes.
type Backend interface {
	// State reads the policy's newest rollout from Git history.
	State(ctx context.Context, p *policy.CanaryPolicy) (rollout.State, error)
	// GitWeights reads the weights Git has at the branch head.
	GitWeights(ctx context.Context, p *policy.CanaryPolicy) (map[string]int32, error)
	// CanaryWorkloads lists the workloads behind the canary subset.
	CanaryWorkloads(ctx context.Context, p *policy.CanaryPolicy) ([]WorkloadRef, error)
	// Build wires an engine for a rollout of p whose events go to sink;
	// done releases what it holds (the rollout's private clone, the
	// credentials' helpers).
	Build(ctx context.Context, p *policy.CanaryPolicy, sink rollout.EventSink, o rollout.Options) (eng *rollout.Engine, done func(), err error)
}

// WorkloadRef names a workload.
type WorkloadRef struct{ Kind, Namespace, Name string }

// WireBackend is the production Backend: the rollout facade (wire) with
// clients shared by every policy.
type WireBackend struct {
	Cluster    *kube.Client
	Prometheus metrics.Querier
	HTTP       *http.Client
	Notify     *adapt.Dispatcher
	Reporter   string
	// IstiodDebugURL, when set, is istiod's debug HTTP address: each step
	// then waits (in MaxBlock slices) until istiod applied it.
	IstiodDebugURL string
	Identity       string // the VirtualService leases' holder, the same in every replica
	LeaseDuration  time.Duration
	Author         string
	ArgoCDVersion  string
	// Events, when set, also receives every engine event (the dashboard's
	// Recorder).
	Events rollout.EventSink
	// PushAttempts bounds the compare-and-swap push loop of each commit
	// (0: DefaultPushAttempts).
	PushAttempts int
	Logger       *slog.Logger

	once sync.Once
	hist *histories
}

var _ Backend = (*WireBackend)(nil)

// DefaultPushAttempts is higher than the CLI's 8: one controller drives
// many rollouts whose step commits race for the same branch. In the lab, 20
// rollouts on one branch lost 8 attempts in a row (each attempt re-renders
// and re-checks on the new head), and losing them stops the rollout.
const DefaultPushAttempts = 20

func (b *WireBackend) config(p *policy.CanaryPolicy, sink rollout.EventSink) wire.Config {
	log := b.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return wire.Config{Policy: p, Reporter: b.Reporter, IstiodDebugURL: b.IstiodDebugURL, Identity: b.Identity, Events: rollout.Sinks{sink, b.Events}, Stepped: true, LeaseDuration: b.LeaseDuration,
		Git:     wire.Git{Author: b.Author, ArgoCDVersion: b.ArgoCDVersion, MaxAttempts: cmp.Or(b.PushAttempts, DefaultPushAttempts)},
		Logger:  log.With("canaryPolicy", p.Metadata.Namespace+"/"+p.Metadata.Name),
		Clients: wire.Clients{Cluster: b.Cluster, Prometheus: b.Prometheus, HTTP: b.HTTP, Notify: b.Notify}}
}

// State reads the policy's history from the clone its repository shares
// with the other idle policies (no clone per policy).
func (b *WireBackend) State(ctx context.Context, p *policy.CanaryPolicy) (rollout.State, error) {
	b.once.Do(func() {
		b.hist = &histories{open: func(ctx context.Context, p *policy.CanaryPolicy) (*wire.Env, error) {
			return wire.Open(ctx, b.config(p, nil))
		}}
	})
	return b.hist.state(ctx, p)
}

// Close removes the shared history clones.
func (b *WireBackend) Close() {
	if b.hist != nil {
		b.hist.close()
	}
}

// GitWeights renders the branch head as a shift would.
func (b *WireBackend) GitWeights(ctx context.Context, p *policy.CanaryPolicy) (map[string]int32, error) {
	env, err := wire.Open(ctx, b.config(p, nil))
	if err != nil {
		return nil, err
	}
	defer env.Close()
	return env.Git.Weights(ctx, "")
}

// CanaryWorkloads resolves the canary subset with mesh's rule over the
// live objects (the controller's own cluster).
func (b *WireBackend) CanaryWorkloads(ctx context.Context, p *policy.CanaryPolicy) ([]WorkloadRef, error) {
	t := p.Spec.Target
	ws, err := adapt.SubsetWorkloads(ctx, b.Cluster, t.VirtualService.Namespace, t.VirtualService.Name, t.Route, p.Spec.CanarySubset)
	if err != nil {
		return nil, err
	}
	out := make([]WorkloadRef, len(ws))
	for i, w := range ws {
		out[i] = WorkloadRef{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
	}
	return out, nil
}

// Build wires the engine through the facade.
func (b *WireBackend) Build(ctx context.Context, p *policy.CanaryPolicy, sink rollout.EventSink, o rollout.Options) (*rollout.Engine, func(), error) {
	r, err := wire.Build(ctx, b.config(p, sink))
	if err != nil {
		return nil, nil, err
	}
	eng, err := r.EngineWith(o)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return eng, r.Close, nil
}
