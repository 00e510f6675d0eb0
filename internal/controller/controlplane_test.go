package controller

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// fakeControlPlane is istiod as the engine sees it: pending until applied
// is set, or unreachable with err.
type fakeControlPlane struct {
	applied bool
	err     error
	calls   int
}

func (f *fakeControlPlane) Applied(context.Context) (rollout.ControlPlaneStatus, error) {
	f.calls++
	if f.err != nil {
		return rollout.ControlPlaneStatus{}, f.err
	}
	if !f.applied {
		return rollout.ControlPlaneStatus{Proxies: 2, Acked: 1, Summary: "pending: proxy a: RDS push not acknowledged"}, nil
	}
	return rollout.ControlPlaneStatus{Applied: true, ResourceVersion: "42", Proxies: 2, Acked: 2, Summary: "2/2 proxies acknowledged"}, nil
}

// TestControlPlaneWaitAcrossReconciles: with --istiod-debug the wait for
// istiod fits the reconcile slices: a reconcile that finds istiod pending
// requeues soon without advancing (no commit, no Event, the worker not
// held for the 30 s bound); a later one that finds it applied advances and
// records it; past the bound (counted from the first slice that saw the
// API server hold the step) it warns and advances; an unreachable istiod
// warns the same way and never fails the rollout.
func TestControlPlaneWaitAcrossReconciles(t *testing.T) {
	e := newEnv(t)
	e.r.Options.MaxBlock = 20 * time.Millisecond
	cp := &fakeControlPlane{}
	e.backend.cp = cp
	pol := e.policy("reviews", policy.TriggerManual)
	repo := e.backend.repos["bookinfo/reviews"]
	if err := e.client.Create(context.Background(), pol); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	e.update("reviews", func(cp *api.CanaryPolicy) { cp.Annotations = map[string]string{api.StartAnnotation: "1"} })
	verifying := func(step string) func(api.Status) bool {
		return func(st api.Status) bool { return st.Phase == "VerifyingLive" && st.Step == step }
	}
	e.until("reviews", 50, verifying("1/4"))
	if n := len(e.events()); n == 0 {
		t.Fatal("no Events before the wait")
	}

	commits := len(repo.commits)
	for i := 0; i < 3; i++ {
		start := time.Now()
		res := e.reconcile("reviews")
		took := time.Since(start)
		st := e.status("reviews")
		if st.Phase != "VerifyingLive" || st.Step != "1/4" || len(repo.commits) != commits || res.RequeueAfter <= 0 || res.RequeueAfter > time.Second || took > 2*time.Second {
			t.Fatalf("pending reconcile %d: phase %s step %s, %d commits (was %d), requeue %s, took %s",
				i, st.Phase, st.Step, len(repo.commits), commits, res.RequeueAfter, took)
		}
		if evs := e.events(); hasEvent(evs, "ControlPlaneApplied") || hasEvent(evs, "RolloutWarning") {
			t.Fatalf("pending reconcile %d recorded %v", i, evs)
		}
		e.clock.Add(5 * time.Second)
	}
	cp.applied = true
	e.reconcile("reviews")
	if st := e.status("reviews"); st.Phase != "Analysing" || st.Step != "1/4" {
		t.Fatalf("applied reconcile: phase %s step %s", st.Phase, st.Step)
	}
	evs := e.events()
	if !hasEvent(evs, "ControlPlaneApplied") || hasEvent(evs, "RolloutWarning") {
		t.Fatalf("applied reconcile: Events %v", evs)
	}
	for _, ev := range evs {
		if strings.Contains(ev, "ControlPlaneApplied") && !strings.Contains(ev, "2/2 proxies acknowledged") {
			t.Errorf("Event %q", ev)
		}
	}

	// Step 2: istiod never applies it; 31 s after the first slice the
	// rollout goes on with the API server's word.
	cp.applied = false
	e.until("reviews", 500, verifying("2/4"))
	e.events()
	calls := cp.calls
	for i := 0; i < 5; i++ {
		e.reconcile("reviews")
		e.clock.Add(5 * time.Second)
	}
	if st := e.status("reviews"); st.Phase != "VerifyingLive" || cp.calls <= calls {
		t.Fatalf("before the bound: phase %s, %d questions", st.Phase, cp.calls-calls)
	}
	e.clock.Add(6 * time.Second)
	e.reconcile("reviews")
	st := e.status("reviews")
	evs = e.events()
	if st.Phase != "Analysing" || st.Step != "2/4" || !hasEvent(evs, "RolloutWarning") || hasEvent(evs, "ControlPlaneApplied") {
		t.Fatalf("past the bound: phase %s step %s, Events %v", st.Phase, st.Step, evs)
	}
	if !strings.Contains(strings.Join(evs, "\n"), "did not report commit") {
		t.Errorf("the warning does not say why: %v", evs)
	}

	// Unreachable from step 3 on: warnings, and the rollout still promotes.
	cp.err = errors.New("istiod's debug server is unreachable: connection refused")
	st = e.until("reviews", 2000, finished)
	if st.Phase != "Promoted" || !slices.Equal(repo.ours(), healthy) {
		t.Fatalf("ended %s (%s), commits %v", st.Phase, st.Message, repo.ours())
	}
	if evs := e.events(); !strings.Contains(strings.Join(evs, "\n"), "asking the control plane: istiod's debug server is unreachable") {
		t.Errorf("no unreachable warning among %v", evs)
	}
}
