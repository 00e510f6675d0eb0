package wire

import (
	"context"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/lease"
)

// Rollout is a wired engine for one policy.
type Rollout struct {
	*Env
	// Deps are the engine's adapters. A caller may wrap one (fault
	// injection in tests) before calling Engine.
	Deps rollout.Deps
	// Target is what the analysis counts: the route's destination host and
	// each subset's version label.
	Target adapt.Target
}

// Build connects to the clusters and Prometheus, reads the Application and
// the live routing, and wires every adapter. Close the Rollout when done.
func Build(ctx context.Context, cfg Config) (*Rollout, error) {
	e, err := open(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	r := &Rollout{Env: e}
	if err := r.wire(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return r, nil
}

// Engine returns an engine over the wired adapters.
func (r *Rollout) Engine() (*rollout.Engine, error) { return r.EngineWith(rollout.Options{}) }

// EngineWith returns an engine with o (ID and Logger default to Config's).
func (r *Rollout) EngineWith(o rollout.Options) (*rollout.Engine, error) {
	if o.ID == "" {
		o.ID = r.cfg.ID
	}
	if o.Logger == nil {
		o.Logger = r.cfg.logger()
	}
	return rollout.New(r.Policy, r.Deps, o)
}

func (r *Rollout) wire(ctx context.Context) error {
	cfg, p := &r.cfg, r.Policy
	t, vs := p.Spec.Target, p.Spec.Target.VirtualService
	log := cfg.logger()
	prom, err := cfg.prometheus()
	if err != nil {
		return err
	}
	cp, err := cfg.istiod()
	if err != nil {
		return err
	}
	r.Target, err = adapt.ResolveTarget(ctx, r.Destination, vs.Namespace, vs.Name, t.Route, p.Spec.StableSubset, p.Spec.CanarySubset)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	j, err := adapt.NewJudge(p.Spec.Analysis)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, err)
	}
	if why := r.Target.AffinityReason(); why != "" {
		j.SplitUntestable(why)
		log.Warn("split test off: " + why)
	}
	identity := cfg.identity()
	notify, err := r.notifications(ctx)
	if err != nil {
		return err
	}
	shifter, err := withFailpoint(r.Git)
	if err != nil {
		return err
	}
	r.Deps = rollout.Deps{
		Shifter: shifter, Signaler: r.Git, History: r.Git,
		Sync: adapt.Sync{Reader: r.Apps, Namespace: t.ArgoCDNamespace, App: t.Application, Log: log, Refreshed: &adapt.Refreshed{},
			Contains: r.Git.Contains},
		Live: r.Live(),
		Counters: adapt.Counters{Q: prom, CanaryVersion: r.Target.Versions[p.Spec.CanarySubset], StableVersion: r.Target.Versions[p.Spec.StableSubset],
			Sel: metrics.Selector{DestinationService: r.Target.Host, Namespace: vs.Namespace, Reporter: cfg.reporter(), ErrorCodes: p.Spec.Analysis.ErrorRate.Codes}},
		Querier: adapt.Querier{Q: prom},
		Judge:   j,
		Lease: &lease.Lease{Client: r.Destination.Core.CoordinationV1(), Namespace: vs.Namespace, Name: lease.Name(vs.Name), Identity: identity,
			Duration: cfg.LeaseDuration, Annotations: map[string]string{"gitshift.dev/virtualservice": vs.String()}, AutoRenew: !cfg.Stepped},
		Hooks: adapt.Webhooks{Client: cfg.Clients.HTTP, URLs: map[rollout.HookPoint]string{rollout.HookBeforeStep: p.Spec.Webhooks.BeforeStep,
			rollout.HookAfterStep: p.Spec.Webhooks.AfterStep, rollout.HookOnRollback: p.Spec.Webhooks.OnRollback}},
		Events: rollout.Sinks{cfg.Events,
			adapt.AppEvents{Core: r.Cluster.Core, Namespace: t.ArgoCDNamespace, App: t.Application, Host: identity, Log: log},
			adapt.Notifier{URL: p.Spec.NotificationURL, Client: cfg.Clients.HTTP, Log: log}, notify},
		Clock: cfg.Clients.Clock,
	}
	if cp != nil {
		r.Deps.ControlPlane = adapt.ControlPlane{Client: r.Destination, Istiod: cp, Namespace: vs.Namespace, Name: vs.Name}
	}
	return nil
}
