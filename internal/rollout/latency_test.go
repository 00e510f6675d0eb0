package rollout

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// tracingArgo is fakeArgo that also refreshes (SyncRefresher) and writes
// what happens, in order, to trace.
type tracingArgo struct {
	*fakeArgo
	trace *[]string
}

func (a tracingArgo) Refresh(_ context.Context, sha string) error {
	*a.trace = append(*a.trace, "refresh "+sha[len(sha)-2:])
	return nil
}

func (a tracingArgo) WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error {
	*a.trace = append(*a.trace, "wait "+sha[len(sha)-2:])
	return a.fakeArgo.WaitSynced(ctx, sha, pushedAt)
}

// TestRefreshAtPush: Argo CD is asked to refresh the moment a step's push
// returns, before the commit is recorded (events, webhooks) and before the
// sync wait, once per commit.
func TestRefreshAtPush(t *testing.T) {
	w := newWorld(t)
	var trace []string
	w.git.afterPush = func(c Commit) { trace = append(trace, "push "+c.SHA[len(c.SHA)-2:]) }
	w.onEvent = func(_ *world, ev Event) {
		if ev.Type == EventCommit {
			trace = append(trace, "event "+ev.SHA[len(ev.SHA)-2:])
		}
	}
	w.sync = tracingArgo{w.argo, &trace}
	res, err := w.run(Options{})
	if err != nil || res.Phase != Promoted {
		t.Fatalf("phase %s, err %v", res.Phase, err)
	}
	var want []string
	for _, c := range res.Timeline {
		s := c.SHA[len(c.SHA)-2:]
		want = append(want, "push "+s, "refresh "+s, "event "+s, "wait "+s)
	}
	if !slices.Equal(trace, want) {
		t.Errorf("order:\n  %s\nwant:\n  %s", strings.Join(trace, "\n  "), strings.Join(want, "\n  "))
	}
}

// lagLive is a cluster whose VirtualService shows a synced commit's
// weights only some time after Argo CD reports Synced. Weights reads the
// VirtualService as it is; WaitWeights sees the change arrive (a watch)
// when it arrives before within ends, on the world's clock.
type lagLive struct {
	w   *world
	lag time.Duration
	// syncedAt is when fakeArgo last synced; shown holds the weights
	// shown before the apply lands.
	syncedAt      time.Time
	shown, latest map[string]int32
	waits, reads  int
}

func (l *lagLive) WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error {
	l.shown = copyWeights(l.w.argo.live)
	if err := l.w.argo.WaitSynced(ctx, sha, pushedAt); err != nil {
		return err
	}
	l.syncedAt, l.latest = l.w.clock.now, copyWeights(l.w.argo.live)
	return nil
}

func (l *lagLive) now() map[string]int32 {
	if l.w.clock.now.Before(l.syncedAt.Add(l.lag)) {
		return copyWeights(l.shown)
	}
	return copyWeights(l.latest)
}

func (l *lagLive) Weights(context.Context) (map[string]int32, error) {
	l.reads++
	return l.now(), nil
}

func (l *lagLive) WaitWeights(_ context.Context, want map[string]int32, within time.Duration) (map[string]int32, error) {
	l.waits++
	if EqualWeights(l.now(), want) {
		return l.now(), nil
	}
	landsIn := l.syncedAt.Add(l.lag).Sub(l.w.clock.now)
	if landsIn > within || !EqualWeights(l.latest, want) {
		l.w.clock.now = l.w.clock.now.Add(within)
		return l.now(), nil
	}
	l.w.clock.now = l.w.clock.now.Add(landsIn)
	return l.now(), nil
}

// TestVerifyLiveWaitsForTheApply: when the VirtualService lags Argo CD's
// Synced by 300ms, the step goes live 300ms after Synced, not a LiveRetry
// (here 1s) later; a lag past LiveTries × LiveRetry is still drift.
func TestVerifyLiveWaitsForTheApply(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lag       time.Duration
		want      Phase
		wantInLag time.Duration // time from Synced to analysing, per step
	}{
		{"lagging apply", 300 * time.Millisecond, Promoted, 300 * time.Millisecond},
		{"no apply within the drift budget", time.Hour, Failed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			l := &lagLive{w: w, lag: tc.lag}
			w.sync, w.live = l, l
			var syncedAt time.Time
			var gaps []string
			w.onEvent = func(w *world, ev Event) {
				if ev.Type != EventPhase {
					return
				}
				switch ev.Phase {
				case VerifyingLive:
					syncedAt = ev.Time
				case Analysing, Promoted:
					gaps = append(gaps, ev.Time.Sub(syncedAt).String())
				}
			}
			res, err := w.run(Options{})
			if err != nil || res.Phase != tc.want {
				t.Fatalf("phase %s (%s), err %v; want %s", res.Phase, res.Reason, err, tc.want)
			}
			if tc.want == Failed {
				if !isErr[*DriftError](res.Cause) || l.waits != 5 {
					t.Errorf("cause %v after %d waits; want drift after LiveTries (5) waits", res.Cause, l.waits)
				}
				return
			}
			want := strings.Repeat(tc.wantInLag.String()+" ", len(w.pol.Spec.Steps))
			if got := strings.Join(gaps, " ") + " "; got != want || l.reads != 0 {
				t.Errorf("Synced → live per step: %s (plain reads %d); want %s with no plain read", got, l.reads, want)
			}
		})
	}
}
