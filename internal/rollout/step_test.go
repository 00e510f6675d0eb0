package rollout

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// drive steps r to the end the way the controller does: it never sleeps,
// it moves the (fake) clock by the returned delay as a requeue would.
func drive(t *testing.T, w *world, e *Engine, r *Run, maxSteps int) {
	t.Helper()
	for i := 0; i < maxSteps; i++ {
		after, done, err := e.Step(context.Background(), r)
		if err != nil {
			t.Fatalf("step %d in %s: %v", i, r.Phase, err)
		}
		if done {
			return
		}
		w.clock.now = w.clock.now.Add(after)
	}
	t.Fatalf("not done after %d steps (in %s)", maxSteps, r.Phase)
}

// sleepless fails the test when the engine sleeps: Step must return instead.
type sleepless struct {
	*fakeClock
	t *testing.T
}

func (c sleepless) Sleep(context.Context, time.Duration) error {
	c.t.Error("Step slept")
	return nil
}

func TestStepDrivesToTheSameEndAsRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(w *world)
		want    Phase
		commits []string
	}{
		{"healthy", func(*world) {}, Promoted, healthy},
		{"faulty", func(w *world) { w.prom.canaryErr = 0.05 }, RolledBack, []string{"rollout-step 1/4", "rollback 1/4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.setup(w)
			e := w.engine(Options{})
			e.d.Clock = sleepless{w.clock, t}
			r := e.Begin()
			drive(t, w, e, r, 500)
			e.Finish(context.Background(), r)
			res := e.Result(r)
			if res.Phase != tc.want || !slices.Equal(w.git.ours(), tc.commits) {
				t.Fatalf("ended %s (%v) with commits %v", res.Phase, res.Cause, w.git.ours())
			}
			if w.lease.acquired != 1 || w.lease.released != 1 || r.Leased() {
				t.Errorf("lease acquired %d released %d", w.lease.acquired, w.lease.released)
			}
			assertEventsConsistent(t, w, res)
		})
	}
}

// TestStepWaitsForLease: with WaitForLease a lease held by another runner
// is an error from Step, not a Failed rollout: nothing is recorded, and the
// same run goes on once the lease is free.
func TestStepWaitsForLease(t *testing.T) {
	w := newWorld(t)
	w.lease.held = true
	e := w.engine(Options{WaitForLease: true})
	r := e.Begin()
	_, done, err := e.Step(context.Background(), r)
	var held *LeaseHeldError
	if !errors.As(err, &held) || done || r.Phase != Idle || held.Holder != "other-runner" {
		t.Fatalf("step: %v done=%v phase %s", err, done, r.Phase)
	}
	if len(w.events) != 0 || len(w.git.ours()) != 0 {
		t.Fatalf("recorded %d events, commits %v while the lease was held", len(w.events), w.git.ours())
	}
	w.lease.held = false
	drive(t, w, e, r, 500)
	if r.Phase != Promoted {
		t.Fatalf("ended %s", r.Phase)
	}
}

// TestStepLeaseLostIsNotAFailure: a lease taken over mid-rollout (a CLI run
// took it) returns ErrLeaseLost with WaitForLease, and the rollout stays
// where Git has it; without WaitForLease (the CLI) it fails as before.
func TestStepLeaseLostIsNotAFailure(t *testing.T) {
	for _, wait := range []bool{true, false} {
		w := newWorld(t)
		w.lease.loseAfter = 3
		e := w.engine(Options{WaitForLease: wait})
		r := e.Begin()
		var err error
		for i := 0; i < 50 && err == nil && !r.Phase.Terminal(); i++ {
			var after time.Duration
			after, _, err = e.Step(context.Background(), r)
			w.clock.now = w.clock.now.Add(after)
		}
		if wait {
			if !errors.Is(err, ErrLeaseLost) || r.Phase.Terminal() || r.Leased() {
				t.Errorf("WaitForLease: err %v, phase %s, leased %v", err, r.Phase, r.Leased())
			}
			for _, ev := range w.events {
				if ev.Type == EventDone {
					t.Errorf("a done event was recorded: %+v", ev)
				}
			}
		} else if err != nil || r.Phase != Failed || !errors.Is(r.Cause, ErrLeaseLost) {
			t.Errorf("CLI: err %v, phase %s, cause %v", err, r.Phase, r.Cause)
		}
	}
}

// blockingSync never syncs by itself: it waits for ctx, like Argo CD that
// has not picked the commit up yet, until release is closed.
type blockingSync struct {
	argo    *fakeArgo
	release chan struct{}
	calls   int
}

func (b *blockingSync) WaitSynced(ctx context.Context, sha string, at time.Time) error {
	b.calls++
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-b.release:
		return b.argo.WaitSynced(ctx, sha, at)
	}
}

// TestStepMaxBlockBoundsTheSyncWait: a sync that takes long does not park
// the caller: Step returns within MaxBlock, stays in WaitingSync and asks to
// be called again after PollAfter; it moves on once Argo CD synced.
func TestStepMaxBlockBoundsTheSyncWait(t *testing.T) {
	w := newWorld(t)
	bs := &blockingSync{argo: w.argo, release: make(chan struct{})}
	e := w.engine(Options{MaxBlock: 50 * time.Millisecond, PollAfter: 3 * time.Second})
	e.d.Sync = bs
	r := e.Begin()
	ctx := context.Background()
	for r.Phase != WaitingSync {
		if _, _, err := e.Step(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		start := time.Now()
		after, done, err := e.Step(ctx, r)
		if took := time.Since(start); err != nil || done || r.Phase != WaitingSync || after != 3*time.Second || took > 2*time.Second {
			t.Fatalf("pending step: after %s done %v err %v phase %s took %s", after, done, err, r.Phase, took)
		}
		w.clock.now = w.clock.now.Add(after)
	}
	close(bs.release)
	if _, _, err := e.Step(ctx, r); err != nil || r.Phase != VerifyingLive {
		t.Fatalf("after sync: %v, phase %s", err, r.Phase)
	}
	drive(t, w, e, r, 500)
	if r.Phase != Promoted || bs.calls < 4 {
		t.Fatalf("ended %s after %d sync calls", r.Phase, bs.calls)
	}
}

// TestStepSyncTimeoutStillCounts: slicing the wait does not extend the
// policy's syncTimeout: past it the failure policy applies.
func TestStepSyncTimeoutStillCounts(t *testing.T) {
	w := newWorld(t)
	bs := &blockingSync{argo: w.argo, release: make(chan struct{})}
	e := w.engine(Options{MaxBlock: 10 * time.Millisecond, PollAfter: 10 * time.Second})
	e.d.Sync = bs
	r := e.Begin()
	for i := 0; i < 1000 && !r.Phase.Terminal(); i++ {
		after, _, err := e.Step(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		w.clock.now = w.clock.now.Add(after)
	}
	if r.Phase != Failed || !isErr[*SyncTimeoutError](r.Cause) {
		t.Fatalf("ended %s: %v (a rollout whose first commit never synced stops; nothing to roll back? commits %v)", r.Phase, r.Cause, w.git.ours())
	}
}

// TestStepRebuildsFromGit: a controller that fails over drops its Run; a
// new engine's Run resumes from Git mid-analysis with no duplicate commit.
func TestStepRebuildsFromGit(t *testing.T) {
	w := newWorld(t)
	e := w.engine(Options{})
	r := e.Begin()
	for !(r.Phase == Analysing && r.Step == 2) {
		after, _, err := e.Step(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		w.clock.now = w.clock.now.Add(after)
	}
	// The old leader is gone (no Finish): a new one starts from Git.
	e2 := w.engine(Options{})
	r2 := e2.Begin()
	drive(t, w, e2, r2, 500)
	if r2.Phase != Promoted || r2.ID != r.ID || !slices.Equal(w.git.ours(), healthy) {
		t.Fatalf("ended %s id %s (was %s), commits %v", r2.Phase, r2.ID, r.ID, w.git.ours())
	}
	assertNoDuplicateSteps(t, w)
}

// TestTriggerTrailer: the rollout's first commit says what started it, and
// Derive reads it back (status after a failover shows it).
func TestTriggerTrailer(t *testing.T) {
	w := newWorld(t)
	e := w.engine(Options{Trigger: "workload: Deployment bookinfo/reviews-v3 pod template 1a2b3c"})
	r := e.Begin()
	drive(t, w, e, r, 500)
	var with []string
	for _, c := range w.git.commits {
		if c.Trailers[TrailerTrigger] != "" {
			with = append(with, c.Trailers[TrailerStep])
		}
	}
	if !slices.Equal(with, []string{"1/4"}) {
		t.Fatalf("trigger trailer on steps %v, want only 1/4", with)
	}
	commits, _ := w.git.Log(context.Background(), 100)
	st, err := Derive(commits, "bookinfo/reviews", "")
	if err != nil || st.Timeline[0].Trigger != "workload: Deployment bookinfo/reviews-v3 pod template 1a2b3c" {
		t.Fatalf("derived %+v %v", st.Timeline, err)
	}
}

// TestAbortARolloutWhoseStepsChanged: a rollout made with other steps than
// the policy's cannot resume, and says to abort it; the abort signal then
// rolls it back instead of failing on the same mismatch again.
func TestAbortARolloutWhoseStepsChanged(t *testing.T) {
	w := newWorld(t)
	w.git.add("rollout r-old: step 3/3", "gitshift", []Trailer{{TrailerAction, ActionStep}, {TrailerRollout, "r-old"},
		{TrailerVirtualService, "bookinfo/reviews"}, {TrailerStep, "3/3"}, {TrailerWeights, "v1=40,v3=60"}, {TrailerDecision, "advance"}},
		map[string]int32{"v1": 40, "v3": 60})
	w.argo.live = map[string]int32{"v1": 40, "v3": 60}
	res, err := w.run(Options{})
	if err != nil || res.Phase != Failed || !isErr[*HistoryError](res.Cause) || !strings.Contains(res.Reason, "gitshift rollout abort") {
		t.Fatalf("before the abort: %s %v %v", res.Phase, res.Cause, err)
	}
	w.git.signal(SignalAbort)
	res, err = w.run(Options{})
	if err != nil || res.Phase != RolledBack || !isErr[*AbortedError](res.Cause) {
		t.Fatalf("after the abort: %s %v %v", res.Phase, res.Cause, err)
	}
	last := w.git.commits[len(w.git.commits)-1]
	if last.Trailers[TrailerAction] != ActionRollback || last.Trailers[TrailerWeights] != "v1=100,v3=0" || last.Trailers[TrailerStep] != "3/4" {
		t.Errorf("rollback commit %v", last.Trailers)
	}
	commits, _ := w.git.Log(context.Background(), 100)
	if _, err := Derive(commits, "bookinfo/reviews", "r-old"); err != nil {
		t.Errorf("history after the rollback: %v", err)
	}
}
