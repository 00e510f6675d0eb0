package adapt

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Sync waits for Argo CD to have synced a commit (argocd.WaitForRevision:
// comparedTo current, revision, Synced, Healthy, reconciled after the push).
type Sync struct {
	Reader    argocd.Reader
	Namespace string
	App       string
	// Progress, when set, sees each new assessment (the live view).
	Progress func(argocd.Assessment)
	Log      *slog.Logger
	// Refreshed, when set, remembers the commit last refreshed for, so a
	// wait the controller slices into many calls refreshes once per commit.
	Refreshed *Refreshed
	// Contains, when set, reports whether rev includes sha (Git.Contains):
	// Argo CD syncing a later commit of a busy branch then counts for sha.
	Contains func(ctx context.Context, rev, sha string) (bool, error)
}

// Refreshed is the SHA whose refresh was requested last.
type Refreshed struct {
	mu  sync.Mutex
	sha string
}

// done reports whether sha was refreshed for already. A nil memo remembers
// nothing.
func (r *Refreshed) done(sha string) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sha == sha
}

func (r *Refreshed) mark(sha string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sha = sha
}

var (
	_ rollout.SyncWaiter    = Sync{}
	_ rollout.SyncRefresher = Sync{}
)

// Refresh sets the refresh annotation for sha unless that was done: it
// turns Argo CD's 2-3 minute polling into about a second, and is
// gitshift's only cluster write. The engine calls it right after the push.
func (s Sync) Refresh(ctx context.Context, sha string) error {
	if s.Refreshed.done(sha) {
		return nil
	}
	if err := s.Reader.Refresh(ctx, s.Namespace, s.App, argocd.RefreshNormal); err != nil {
		return err
	}
	s.Refreshed.mark(sha)
	return nil
}

// WaitSynced refreshes first when that was not done for sha (the push's
// refresh failed, or a resumed runner waits for an older push).
func (s Sync) WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error {
	if err := s.Refresh(ctx, sha); err != nil {
		if argocd.IsNotFound(err) || kube.IsUnreachable(err) {
			return unreachable(err)
		}
		// A refused refresh (RBAC) only slows things down: polling still works.
		if s.Log != nil {
			s.Log.Warn("refresh annotation not set; waiting for Argo CD's polling", "err", err)
		}
	}
	return s.wait(ctx, sha, pushedAt)
}

func (s Sync) wait(ctx context.Context, sha string, pushedAt time.Time) error {
	var contains func(rev string) bool
	if s.Contains != nil {
		contains = func(rev string) bool {
			ok, err := s.Contains(ctx, rev, sha)
			if err != nil && s.Log != nil {
				s.Log.Debug("is the compared revision a descendant?", "revision", rev, "sha", sha, "err", err)
			}
			return ok
		}
	}
	a, err := s.Reader.WaitForCommit(ctx, s.Namespace, s.App, sha, pushedAt, contains, s.Progress)
	if err != nil {
		if kube.IsUnreachable(err) {
			return unreachable(err)
		}
		return fmt.Errorf("%s: %w", a.Summary(), err)
	}
	return nil
}

func unreachable(err error) error { return fmt.Errorf("%w: %w", rollout.ErrUnavailable, err) }

// Live reads the live VirtualService route's weights per subset.
type Live struct {
	Client    *kube.Client
	Namespace string
	Name      string
	Route     string
	// Log receives the warning when the wait must poll (nil: slog.Default()).
	Log *slog.Logger
}

var _ rollout.LiveWeights = Live{}

// Weights returns the live weights of the route (kube.LiveRoute: the
// same route rule as shift and the lab's demo).
func (l Live) Weights(ctx context.Context) (map[string]int32, error) {
	rt, err := kube.LiveRoute(ctx, l.Client, l.Namespace, l.Name, l.Route)
	if err != nil {
		if kube.IsUnreachable(err) {
			return nil, unreachable(err)
		}
		return nil, err
	}
	return rt.SubsetWeights(), nil
}

var _ rollout.LiveWaiter = Live{}

// WaitWeights watches the VirtualService (kube.WaitRoute) up to within for
// the route's weights to equal want. When they do not, it reads them once
// more for the caller's comparison (or the reason they cannot be read).
func (l Live) WaitWeights(ctx context.Context, want map[string]int32, within time.Duration) (map[string]int32, error) {
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	rt, err := l.Client.WaitRoute(wctx, l.Namespace, l.Name, l.Route,
		func(r mesh.Route) bool { return rollout.EqualWeights(r.SubsetWeights(), want) }, l.Log)
	if err == nil {
		return rt.SubsetWeights(), nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return l.Weights(ctx)
}
