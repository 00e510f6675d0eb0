package adapt

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
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

// first reports whether sha was not refreshed for yet, and records it.
func (r *Refreshed) first(sha string) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sha == sha {
		return false
	}
	r.sha = sha
	return true
}

var _ rollout.SyncWaiter = Sync{}

// WaitSynced sets the refresh annotation first: it turns Argo CD's 2-3
// minute polling into about a second, and is gitshift's only cluster write.
func (s Sync) WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error {
	if !s.Refreshed.first(sha) {
		return s.wait(ctx, sha, pushedAt)
	}
	if err := s.Reader.Refresh(ctx, s.Namespace, s.App, argocd.RefreshNormal); err != nil {
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
