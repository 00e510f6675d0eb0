package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeControlPlane answers pending `pending` times after each applied
// answer (a push on its way), then applied; never applied when never.
type fakeControlPlane struct {
	pending, calls, since int
	never                 bool
	err                   error
	// clock advances 50 ms per question (istiod's answer takes time).
	clock *fakeClock
}

func (f *fakeControlPlane) Applied(context.Context) (ControlPlaneStatus, error) {
	f.calls++
	if f.clock != nil {
		f.clock.now = f.clock.now.Add(50 * time.Millisecond)
	}
	if f.err != nil {
		return ControlPlaneStatus{}, f.err
	}
	if f.never || f.since < f.pending {
		f.since++
		return ControlPlaneStatus{Proxies: 2, Acked: 1, Summary: "pending: proxy a: RDS push not acknowledged"}, nil
	}
	f.since = 0
	return ControlPlaneStatus{Applied: true, ResourceVersion: "42", Proxies: 2, Acked: 2, Summary: "2/2 proxies acknowledged"}, nil
}

func TestControlPlaneWait(t *testing.T) {
	tests := []struct {
		name string
		cp   *fakeControlPlane
		// applied: a control-plane event per live commit; warned: a
		// warning per live commit containing this.
		applied bool
		warned  string
	}{
		{name: "applied after two pending answers, each step", cp: &fakeControlPlane{pending: 2}, applied: true},
		{name: "never applied: a warning per step, the rollout goes on", cp: &fakeControlPlane{never: true}, warned: "did not report commit"},
		{name: "unreachable: a warning per step, the rollout goes on",
			cp: &fakeControlPlane{err: errors.New("istiod /debug/syncz: connection refused")}, warned: "asking the control plane: istiod"},
		{name: "no control plane: the API server's word, no events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.cp != nil {
				tt.cp.clock = w.clock
				w.cp = tt.cp
			}
			res, err := w.run(Options{ControlPlaneWait: 300 * time.Millisecond})
			if err != nil || res.Phase != Promoted {
				t.Fatalf("phase %s, err %v; want promoted either way", res.Phase, err)
			}
			var commits, applied, warned int
			for _, ev := range w.events {
				switch {
				case ev.Type == EventCommit:
					commits++
				case ev.Type == EventControlPlane:
					applied++
					if ev.ControlPlane == nil || !ev.ControlPlane.Applied || ev.ControlPlane.ResourceVersion != "42" || ev.Reason != "2/2 proxies acknowledged" {
						t.Errorf("control-plane event %+v", ev)
					}
				case ev.Type == EventWarning && tt.warned != "" && strings.Contains(ev.Error, tt.warned):
					warned++
				}
			}
			wantApplied, wantWarned := 0, 0
			if tt.applied {
				wantApplied = commits
			}
			if tt.warned != "" {
				wantWarned = commits
			}
			if commits == 0 || applied != wantApplied || warned != wantWarned {
				t.Errorf("%d commits, %d control-plane events (want %d), %d warnings (want %d)", commits, applied, wantApplied, warned, wantWarned)
			}
			if tt.cp != nil && tt.applied && tt.cp.calls != 3*commits {
				t.Errorf("control plane asked %d times, want %d (it waits through pending answers)", tt.cp.calls, 3*commits)
			}
			// The step's evidence: push → applied by the control plane.
			for _, s := range StepSummaries(w.events, "v3", res.Finished, res.Phase) {
				if tt.applied && s.Applied < 150*time.Millisecond || !tt.applied && s.Applied != 0 {
					t.Errorf("step %d: applied %v after the push", s.Step, s.Applied)
				}
			}
		})
	}
}

// TestControlPlaneWaitSliced: under MaxBlock (the controller) the wait is
// re-entrant: a Step that finds the control plane pending stays in
// VerifyingLive and asks to be stepped again soon, without an event; a
// later Step that finds it applied advances and records it; the bound
// counts from when the API server first held the step, across Steps, and
// past it the Step warns and advances.
func TestControlPlaneWaitSliced(t *testing.T) {
	w := newWorld(t)
	cp := &fakeControlPlane{never: true, clock: w.clock}
	w.cp = cp
	e := w.engine(Options{MaxBlock: 20 * time.Millisecond, ControlPlaneWait: 30 * time.Second})
	r := e.Begin()
	ctx := context.Background()
	untilVerifying := func(step int) {
		t.Helper()
		for i := 0; !(r.Phase == VerifyingLive && r.Step == step); i++ {
			after, _, err := e.Step(ctx, r)
			if err != nil || i > 500 || r.Phase.Terminal() {
				t.Fatalf("driving to step %d: err %v, phase %s", step, err, r.Phase)
			}
			w.clock.now = w.clock.now.Add(after)
		}
	}
	count := func(typ EventType) (n int) {
		for _, ev := range w.events {
			if ev.Type == typ {
				n++
			}
		}
		return n
	}

	untilVerifying(1)
	pushed := r.PushedAt
	for i := 0; i < 3; i++ {
		start := time.Now()
		after, done, err := e.Step(ctx, r)
		if took := time.Since(start); err != nil || done || r.Phase != VerifyingLive || after != controlPlanePoll || took > time.Second {
			t.Fatalf("pending slice %d: after %s done %v err %v phase %s took %s", i, after, done, err, r.Phase, took)
		}
		if n, m := count(EventControlPlane), count(EventWarning); n != 0 || m != 0 {
			t.Fatalf("pending slice %d recorded %d control-plane events, %d warnings", i, n, m)
		}
		w.clock.now = w.clock.now.Add(5 * time.Second) // the requeue, slowed down
	}
	cp.never = false
	if _, _, err := e.Step(ctx, r); err != nil || r.Phase != Analysing {
		t.Fatalf("applied slice: err %v, phase %s", err, r.Phase)
	}
	if n := count(EventControlPlane); n != 1 {
		t.Fatalf("%d control-plane events after the applied slice, want 1", n)
	}
	if ev := w.events[len(w.events)-1]; ev.Type != EventPhase {
		t.Fatalf("last event %s, want the phase change", ev.Type)
	}
	for _, ev := range w.events {
		if ev.Type == EventControlPlane && ev.ControlPlane.SincePush < 15*time.Second {
			t.Errorf("applied %s after the push %s; the slices took over 15 s", ev.ControlPlane.SincePush, pushed)
		}
	}

	// Step 2: istiod never applies; the bound (30 s from the first slice
	// that saw the API server hold the step) ends the wait with a warning.
	cp.never = true
	untilVerifying(2)
	for i := 0; i < 5; i++ {
		if _, _, err := e.Step(ctx, r); err != nil || r.Phase != VerifyingLive {
			t.Fatalf("step 2 slice %d: err %v, phase %s", i, err, r.Phase)
		}
		w.clock.now = w.clock.now.Add(5 * time.Second)
	}
	calls := cp.calls
	w.clock.now = w.clock.now.Add(6 * time.Second) // 31 s and a bit since the first slice
	if _, _, err := e.Step(ctx, r); err != nil || r.Phase != Analysing {
		t.Fatalf("past the bound: err %v, phase %s (want a warning and the analysis)", err, r.Phase)
	}
	if cp.calls != calls+1 {
		t.Errorf("past the bound the control plane was asked %d times, want once", cp.calls-calls)
	}
	var warned int
	for _, ev := range w.events {
		if ev.Type == EventWarning && strings.Contains(ev.Error, "did not report commit") && strings.Contains(ev.Error, "within 30s") {
			warned++
		}
	}
	if warned != 1 || count(EventControlPlane) != 1 {
		t.Fatalf("%d bound warnings (want 1), %d control-plane events (want 1)", warned, count(EventControlPlane))
	}
}

// countingSync counts Argo CD waits.
type countingSync struct {
	SyncWaiter
	calls int
}

func (c *countingSync) WaitSynced(ctx context.Context, sha string, at time.Time) error {
	c.calls++
	return c.SyncWaiter.WaitSynced(ctx, sha, at)
}

// TestControlPlaneWaitSlicedRollback: the rollback's control-plane wait is
// sliced the same way, and a slice that goes on does not wait for Argo CD's
// sync again (it was seen before the API-server check passed).
func TestControlPlaneWaitSlicedRollback(t *testing.T) {
	w := newWorld(t)
	w.prom.canaryErr = 0.05
	cp := &fakeControlPlane{clock: w.clock}
	w.cp = cp
	cs := &countingSync{SyncWaiter: w.argo}
	w.sync = cs
	e := w.engine(Options{MaxBlock: 20 * time.Millisecond, ControlPlaneWait: 30 * time.Second})
	r := e.Begin()
	ctx := context.Background()
	for i := 0; ; i++ {
		if r.Phase == RollingBack {
			cp.never = true
		}
		after, done, err := e.Step(ctx, r)
		if err != nil || done || i > 500 {
			t.Fatalf("driving to the rollback's wait: err %v, done %v, phase %s", err, done, r.Phase)
		}
		w.clock.now = w.clock.now.Add(after)
		if r.Phase == VerifyingRollback && cp.never && after == controlPlanePoll {
			break
		}
	}
	syncs := cs.calls
	for i := 0; i < 3; i++ {
		if _, _, err := e.Step(ctx, r); err != nil || r.Phase != VerifyingRollback {
			t.Fatalf("pending rollback slice %d: err %v, phase %s", i, err, r.Phase)
		}
		w.clock.now = w.clock.now.Add(time.Second)
	}
	if cs.calls != syncs {
		t.Errorf("pending slices waited for Argo CD %d more times", cs.calls-syncs)
	}
	cp.never = false
	if _, done, err := e.Step(ctx, r); err != nil || !done || r.Phase != RolledBack {
		t.Fatalf("applied rollback slice: err %v, done %v, phase %s", err, done, r.Phase)
	}
	last := Event{}
	for _, ev := range w.events {
		if ev.Type == EventControlPlane {
			last = ev
		}
	}
	if last.SHA != r.StepSHA || last.Phase != RolledBack {
		t.Errorf("last control-plane event %+v, want the rollback commit %s", last, r.StepSHA)
	}
}
