package wire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/verify"
)

// Env is where one policy's rollout lives: its Git repository and, when
// they were needed, the clusters.
type Env struct {
	Policy *policy.CanaryPolicy
	// Cluster is the cluster Argo CD runs in; nil when it was not needed.
	Cluster *kube.Client
	// Destination holds the Application's objects: the live VirtualService,
	// its DestinationRules and pods, and the rollout's Lease. It is Cluster
	// unless the Application deploys to another cluster.
	Destination *kube.Client
	Apps        argocd.Reader
	// Git commits steps and signals and reads the rollout's history.
	Git *adapt.Git

	cfg    Config
	auth   *adapt.GitAuth
	notify *adapt.Dispatcher // started by Build when Clients.Notify is nil
}

// Open resolves the rollout's Git repository without building the engine:
// enough to read its state and to record signals. It reads the cluster only
// when Config.Git.Repo is empty (the repository is the Application's).
func Open(ctx context.Context, cfg Config) (*Env, error) { return open(ctx, cfg, false) }

func open(ctx context.Context, cfg Config, needCluster bool) (*Env, error) {
	if cfg.Policy == nil {
		return nil, errkind.Wrap(errkind.Usage, errors.New("wire: no policy"))
	}
	e := &Env{Policy: cfg.Policy, cfg: cfg}
	t := cfg.Policy.Spec.Target
	repo, branch := cfg.Git.Repo, cfg.Git.Branch
	if needCluster || repo == "" {
		kc, err := cfg.cluster()
		if err != nil {
			return nil, errkind.Wrap(errkind.Unavailable, err)
		}
		e.Cluster, e.Destination = kc, kc
		e.Apps = argocd.Reader{Client: kc.Dynamic, Classify: kc.Classify}
	}
	if e.Cluster != nil && (needCluster || repo == "" || branch == "") {
		app, err := e.Apps.Get(ctx, t.ArgoCDNamespace, t.Application)
		if err != nil {
			if argocd.IsNotFound(err) {
				return nil, errkind.Wrap(errkind.Invalid, err)
			}
			return nil, errkind.Wrap(errkind.Unavailable, err)
		}
		if e.Destination, err = e.destination(app); err != nil {
			return nil, err
		}
		src, _, err := app.GitSource()
		if err != nil {
			return nil, errkind.Wrap(errkind.Invalid, err)
		}
		if repo == "" {
			repo = src.RepoURL
		}
		if rev := src.TargetRevision; branch == "" && rev != "" && rev != "HEAD" {
			branch = rev
		}
		if repo == "" {
			return nil, ErrNoRepository
		}
	}
	g := cfg.Git
	var author *gitrepo.Signature
	if g.Author != "" {
		a, err := gitrepo.ParseSignature(g.Author)
		if err != nil {
			return nil, errkind.Wrap(errkind.Usage, err)
		}
		author = &a
	}
	e.Git = &adapt.Git{Repo: repo, Branch: branch, App: t.Application, VirtualService: t.VirtualService.String(), Route: t.Route,
		ValuesKey: t.ValuesKey, Stable: cfg.Policy.Spec.StableSubset, Canary: cfg.Policy.Spec.CanarySubset,
		Author: author, Sign: g.Sign, GitEnv: g.Env, MaxAttempts: g.MaxAttempts, AllowShared: g.AllowShared, GitTimeout: g.Timeout,
		Logger: cfg.logger()}
	e.Git.Source.ArgoCDVersion = g.ArgoCDVersion
	if err := e.gitAuth(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// destination returns the client for the Application's destination
// cluster. A destination that is not the Argo CD cluster needs a context
// (Kube.DestinationContext): reading the wrong cluster is never a guess.
func (e *Env) destination(app argocd.AppStatus) (*kube.Client, error) {
	kctx, err := verify.ResolveDestination(app.Destination(), e.Cluster.Host(), e.cfg.Kube.DestinationContext)
	if err != nil {
		return nil, errkind.Wrap(errkind.Unavailable, err)
	}
	if kctx == "" {
		return e.Cluster, nil
	}
	dc, err := e.cfg.openContext(kctx)
	if err != nil {
		return nil, errkind.Wrap(errkind.Unavailable, fmt.Errorf("destination context %q: %w", kctx, err))
	}
	return dc, nil
}

// Close removes the Git adapter's private clone, stops the credentials'
// helpers and drains the notifications Build started.
func (e *Env) Close() {
	e.Git.Close()
	e.auth.Close()
	if e.notify != nil {
		e.notify.Close(5 * time.Second)
	}
}

// HistoryDepth is how many commits State reads.
const HistoryDepth = 200

// State reads the branch's history and derives the rollout: id's, or the
// VirtualService's newest.
func (e *Env) State(ctx context.Context, id string) (rollout.State, error) {
	commits, err := e.Git.Log(ctx, HistoryDepth)
	if err != nil {
		return rollout.State{}, err
	}
	return rollout.Derive(commits, e.Policy.Spec.Target.VirtualService.String(), id)
}

// Live reads the live VirtualService route's weights in the destination
// cluster; nil when no cluster was opened.
func (e *Env) Live() rollout.LiveWeights {
	if e.Destination == nil {
		return nil
	}
	t := e.Policy.Spec.Target
	return adapt.Live{Client: e.Destination, Namespace: t.VirtualService.Namespace, Name: t.VirtualService.Name, Route: t.Route}
}
