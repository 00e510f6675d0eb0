package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/shift"
)

// Sample is one step commit's timings, each from the push unless named
// otherwise. A zero duration means the moment was not seen.
type Sample struct {
	Variant string    `json:"variant"`
	SHA     string    `json:"sha"`
	Canary  int32     `json:"canaryWeight"`
	At      time.Time `json:"at"`
	// CommitToPush: render, edit, check, commit and push (shift.Run).
	CommitToPush time.Duration `json:"commitToPush"`
	// Refresh: the refresh annotation's patch returned (0: not refreshed).
	Refresh time.Duration `json:"refresh,omitempty"`
	// Compared: Argo CD's status first names the commit (watch).
	Compared time.Duration `json:"compared,omitempty"`
	// Synced: argocd.Assess says the commit is live (watch): Synced,
	// Healthy, reconciled after the sync.
	Synced time.Duration `json:"synced,omitempty"`
	// Applied: the VirtualService in the API server has the new weights
	// (watch): the floor, what Argo CD's apply itself takes.
	Applied time.Duration `json:"applied,omitempty"`
	// Poll: a plain poll (Application status and VirtualService read every
	// Config.Poll, as a kubectl loop does) first saw both.
	Poll time.Duration `json:"poll,omitempty"`
	// TimedOut: not live within Config.StepTimeout.
	TimedOut bool `json:"timedOut,omitempty"`
}

// Live is push→live as gitshift's watches see it: Argo CD synced and the
// VirtualService applied.
func (s Sample) Live() time.Duration {
	if s.Synced == 0 || s.Applied == 0 {
		return 0
	}
	return max(s.Synced, s.Applied)
}

// SyncedToLive is what the VirtualService lags Argo CD's Synced.
func (s Sample) SyncedToLive() time.Duration {
	if s.Live() == 0 {
		return 0
	}
	return s.Live() - s.Synced
}

// Total is commit→live.
func (s Sample) Total() time.Duration {
	if s.Live() == 0 {
		return 0
	}
	return s.CommitToPush + s.Live()
}

// errUnchanged: Git had the step's weights already.
var errUnchanged = errors.New("Git has those weights already")

// target is what a step changes and where it looks.
type target struct {
	repo, branch     string
	appNS, app       string
	vsNS, vs, route  string
	stable, canary   string
	apps             argocd.Reader
	kc               *kube.Client
	poll, stepTimout time.Duration
}

// step commits canary weight w, refreshes at once (unless noRefresh) and
// watches and polls, from the push, until the step is live both ways or
// the timeout passes.
func (t *target) step(ctx context.Context, variant string, w int32, noRefresh bool) (Sample, error) {
	weights := map[string]int32{t.stable: 100 - w, t.canary: w}
	s := Sample{Variant: variant, Canary: w, At: time.Now()}
	ew, err := edit.ParseWeights(fmt.Sprintf("%s=%d,%s=%d", t.stable, 100-w, t.canary, w))
	if err != nil {
		return s, err
	}
	res, err := shift.Run(ctx, shift.Request{Repo: t.repo, Branch: t.branch, App: t.app,
		VirtualService: t.vsNS + "/" + t.vs, Route: t.route, Weights: ew,
		Message: fmt.Sprintf("bench: %s/%s %s=%d (%s)", t.vsNS, t.vs, t.canary, w, variant)})
	if err != nil {
		return s, fmt.Errorf("committing %s=%d: %w", t.canary, w, err)
	}
	if res.Unchanged || res.Commit == "" {
		return s, fmt.Errorf("committing %s=%d: %w", t.canary, w, errUnchanged)
	}
	pushed := time.Now()
	s.SHA, s.CommitToPush = res.Commit, pushed.Sub(s.At)
	since := func() time.Duration { return time.Since(pushed) }
	if !noRefresh {
		if err := t.apps.Refresh(ctx, t.appNS, t.app, argocd.RefreshNormal); err != nil {
			return s, err
		}
		s.Refresh = since()
	}
	sctx, cancel := context.WithTimeout(ctx, t.stepTimout)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && sctx.Err() == nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	run(func() error {
		_, err := t.apps.WaitForRevision(sctx, t.appNS, t.app, res.Commit, pushed, func(a argocd.Assessment) {
			if s.Compared == 0 && slices.Contains(a.Revisions, res.Commit) {
				mu.Lock()
				s.Compared = since()
				mu.Unlock()
			}
		})
		if err == nil {
			mu.Lock()
			s.Synced = since()
			mu.Unlock()
		}
		return err
	})
	run(func() error {
		_, err := t.kc.WaitRoute(sctx, t.vsNS, t.vs, t.route, equal(weights), nil)
		if err == nil {
			mu.Lock()
			s.Applied = since()
			mu.Unlock()
		}
		return err
	})
	run(func() error {
		d, err := t.pollLive(sctx, res.Commit, pushed, weights)
		mu.Lock()
		s.Poll = d
		mu.Unlock()
		return err
	})
	wg.Wait()
	s.TimedOut = s.Live() == 0 || s.Poll == 0
	if len(errs) > 0 {
		return s, errs[0]
	}
	return s, nil
}

// pollLive reads the Application and the VirtualService every t.poll, as
// `until kubectl get ...; do sleep 1; done` would, and returns when both
// say the commit is live (0 when ctx ended first).
func (t *target) pollLive(ctx context.Context, sha string, pushed time.Time, weights map[string]int32) (time.Duration, error) {
	tick := time.NewTicker(t.poll)
	defer tick.Stop()
	for {
		app, err := t.apps.Client.Resource(argocd.GVR).Namespace(t.appNS).Get(ctx, t.app, metav1.GetOptions{})
		if ctx.Err() != nil {
			return 0, nil
		}
		if err != nil && endsWithin(ctx, t.poll) {
			return 0, nil // the client's rate limiter refuses to wait past the deadline
		}
		if err != nil {
			return 0, fmt.Errorf("polling Application %s/%s: %w", t.appNS, t.app, err)
		}
		st, err := argocd.FromUnstructured(app)
		if err != nil {
			return 0, err
		}
		if argocd.Assess(st, sha, pushed).Live {
			rt, err := kube.LiveRoute(ctx, t.kc, t.vsNS, t.vs, t.route)
			if ctx.Err() != nil {
				return 0, nil
			}
			if err != nil && endsWithin(ctx, t.poll) {
				return 0, nil
			}
			if err != nil {
				return 0, fmt.Errorf("polling the VirtualService: %w", err)
			}
			if equal(weights)(rt) {
				return time.Since(pushed), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, nil
		case <-tick.C:
		}
	}
}

// endsWithin reports whether ctx's deadline is less than d away.
func endsWithin(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

func equal(want map[string]int32) func(mesh.Route) bool {
	return func(r mesh.Route) bool { return rollout.EqualWeights(r.SubsetWeights(), want) }
}
