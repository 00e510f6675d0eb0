package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/lease"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/verify"
)

// rolloutEnv is what the rollout commands talk to.
type rolloutEnv struct {
	pol *policy.CanaryPolicy
	kc  *kube.Client // nil when the cluster was not needed and not reachable
	// dest holds the app namespace: the live VirtualService, its pods and
	// the Lease. It is kc unless the Application deploys to another cluster.
	dest *kube.Client
	app  argocd.Reader
	git  *adapt.Git
}

func (e *rolloutEnv) close() { e.git.Close() }

// env builds the policy, the cluster clients and the Git adapter. The
// cluster is needed for start; status and the signals only need it when
// --repo is not given (the repository is read from the Application).
func (o *rolloutOptions) env(ctx context.Context, needCluster bool) (*rolloutEnv, error) {
	pol, err := o.policy(needCluster) // only start needs the cluster, and a runnable policy
	if err != nil {
		return nil, err
	}
	e := &rolloutEnv{pol: pol}
	t := pol.Spec.Target
	if needCluster || o.repo == "" {
		kc, err := kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: o.kubeContext})
		if err != nil {
			return nil, withCode(ExitUnavailable, err)
		}
		e.kc, e.app = kc, argocd.Reader{Client: kc.Dynamic, Classify: kc.Classify}
	}
	repo, branch := o.repo, o.branch
	if e.kc != nil && (needCluster || repo == "" || branch == "") {
		app, err := e.app.Get(ctx, t.ArgoCDNamespace, t.Application)
		if err != nil {
			if argocd.IsNotFound(err) {
				return nil, fmt.Errorf("Application %s/%s not found (set spec.target.application / --app)", t.ArgoCDNamespace, t.Application)
			}
			return nil, withCode(ExitUnavailable, err)
		}
		if e.dest, err = o.destination(app, e.kc); err != nil {
			return nil, err
		}
		src := app.Spec.Source
		if src == nil && len(app.Spec.Sources) > 0 {
			src = app.Spec.Sources[0]
		}
		if repo == "" {
			repo, _ = src["repoURL"].(string)
		}
		if rev, _ := src["targetRevision"].(string); branch == "" && rev != "" && rev != "HEAD" {
			branch = rev
		}
		if repo == "" {
			return nil, withCode(ExitUsage, errors.New("the Application names no repoURL: pass --repo"))
		}
	}
	var author *gitrepo.Signature
	if o.author != "" {
		a, err := gitrepo.ParseSignature(o.author)
		if err != nil {
			return nil, withCode(ExitUsage, err)
		}
		author = &a
	}
	e.git = &adapt.Git{Repo: repo, Branch: branch, App: t.Application, VirtualService: t.VirtualService.String(), Route: t.Route,
		ValuesKey: t.ValuesKey, Stable: pol.Spec.StableSubset, Canary: pol.Spec.CanarySubset, Author: author, Sign: o.sign,
		Logger: slog.Default()}
	e.git.Source.ArgoCDVersion = o.argocdVersion
	e.git.GitTimeout = o.gitTimeout
	if o.gitTimeout == 0 {
		e.git.GitTimeout = -1 // no limit
	}
	if o.allowShared != "" {
		e.git.AllowShared = strings.Split(o.allowShared, ",")
	}
	return e, nil
}

// destination is the client for the Application's destination cluster.
func (o *rolloutOptions) destination(app argocd.AppStatus, kc *kube.Client) (*kube.Client, error) {
	server, _ := app.Spec.Destination["server"].(string)
	name, _ := app.Spec.Destination["name"].(string)
	kctx, err := verify.ResolveDestination(source.Destination{Server: server, Name: name}, kc.Host(), o.destContext)
	if err != nil {
		return nil, withCode(ExitUnavailable, fmt.Errorf("%w; pass --destination-context with a kubeconfig context for it", err))
	}
	if kctx == "" {
		return kc, nil
	}
	dc, err := kube.New(kube.Options{Kubeconfig: o.kubeconfig, Context: kctx})
	if err != nil {
		return nil, withCode(ExitUnavailable, fmt.Errorf("destination context %q: %w", kctx, err))
	}
	return dc, nil
}

// deps wires the engine to the real systems.
func (o *rolloutOptions) deps(ctx context.Context, e *rolloutEnv, sink rollout.EventSink) (rollout.Deps, error) {
	p, t := e.pol, e.pol.Spec.Target
	if o.prometheus == "" {
		return rollout.Deps{}, withCode(ExitUsage, errors.New("--prometheus (or $GITSHIFT_PROMETHEUS_URL) is required: no evidence, no promotion"))
	}
	prom, err := metrics.NewPrometheus(o.prometheus)
	if err != nil {
		return rollout.Deps{}, withCode(ExitUsage, err)
	}
	vs := t.VirtualService
	target, err := adapt.ResolveTarget(ctx, e.dest, vs.Namespace, vs.Name, t.Route, p.Spec.StableSubset, p.Spec.CanarySubset)
	if err != nil {
		return rollout.Deps{}, withCode(ExitUnavailable, err)
	}
	j, err := adapt.NewJudge(p.Spec.Analysis)
	if err != nil {
		return rollout.Deps{}, err
	}
	identity := o.runnerIdentity()
	sinks := rollout.Sinks{sink,
		adapt.AppEvents{Core: e.kc.Core, Namespace: t.ArgoCDNamespace, App: t.Application, Host: identity, Log: slog.Default()},
		adapt.Notifier{URL: p.Spec.NotificationURL, Log: slog.Default()}}
	return rollout.Deps{
		Shifter: withFailpoint(e.git), Signaler: e.git, History: e.git,
		Sync: adapt.Sync{Reader: e.app, Namespace: t.ArgoCDNamespace, App: t.Application, Log: slog.Default()},
		Live: adapt.Live{Client: e.dest, Namespace: vs.Namespace, Name: vs.Name, Route: t.Route},
		Counters: adapt.Counters{Q: prom, CanaryVersion: target.Versions[p.Spec.CanarySubset], StableVersion: target.Versions[p.Spec.StableSubset],
			Sel: metrics.Selector{DestinationService: target.Host, Namespace: vs.Namespace, Reporter: o.reporter, ErrorCodes: p.Spec.Analysis.ErrorRate.Codes}},
		Querier: adapt.Querier{Q: prom},
		Judge:   j,
		Lease: &lease.Lease{Client: e.dest.Core.CoordinationV1(), Namespace: vs.Namespace, Name: lease.Name(vs.Name), Identity: identity,
			Annotations: map[string]string{"gitshift.dev/virtualservice": vs.String()}, AutoRenew: true},
		Hooks: adapt.Webhooks{URLs: map[rollout.HookPoint]string{rollout.HookBeforeStep: p.Spec.Webhooks.BeforeStep,
			rollout.HookAfterStep: p.Spec.Webhooks.AfterStep, rollout.HookOnRollback: p.Spec.Webhooks.OnRollback}},
		Events: sinks,
	}, nil
}

// rolloutExit maps how a rollout ended to the exit code.
func rolloutExit(res *rollout.Result) error {
	var held *rollout.LeaseHeldError
	var foreign *rollout.ForeignChangeError
	switch {
	case res.Phase == rollout.Promoted:
		return nil
	case errors.As(res.Cause, &held), errors.As(res.Cause, &foreign):
		return withCode(ExitConflict, res.Cause)
	case errors.Is(res.Cause, rollout.ErrUnavailable):
		return withCode(ExitUnavailable, fmt.Errorf("rollout %s %s: %w", res.ID, res.Phase, res.Cause))
	case res.Cause != nil:
		return withCode(ExitFailed, fmt.Errorf("rollout %s %s: %w", res.ID, res.Phase, res.Cause))
	}
	return withCode(ExitFailed, fmt.Errorf("rollout %s ended %s", res.ID, res.Phase))
}
