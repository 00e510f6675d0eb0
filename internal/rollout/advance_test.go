package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
)

// TestEarlyAdvance: a step whose canary is shown no worse than the baseline
// within the margin advances as soon as the judge promotes, before the
// step's minDuration (1 min here); without that proof it waits.
func TestEarlyAdvance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ni    *judge.NonInferiority
		early bool
	}{
		{"shown", &judge.NonInferiority{Margin: 0.01, Upper: 0.004, Shown: true}, true},
		{"not shown", &judge.NonInferiority{Margin: 0.01, Upper: 0.02}, false},
		{"off", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.judge.ni = tc.ni
			steps := promotedSteps(t, w)
			took := steps[1].Time.Sub(steps[0].Time)
			if early := took < time.Minute; early != tc.early {
				t.Errorf("step 1 took %s, want early %v", took, tc.early)
			}
			if got := strings.Contains(steps[1].Reason, "no worse than baseline"); got != tc.early {
				t.Errorf("reason %q", steps[1].Reason)
			}
			// While the minimums hold the step, the live view says what would end it sooner.
			sooner := false
			for _, ev := range w.events {
				sooner = sooner || strings.Contains(ev.Next, "within +1 points")
			}
			if want := tc.ni != nil; sooner != want {
				t.Errorf("a note offers the sooner way: %v, want %v", sooner, want)
			}
		})
	}
}

// TestHoldWhileLeaning: a step that met its minimums (1 min, 100 canary
// requests) does not advance while a test leans toward a worse canary; it advances
// once the evidence falls back, or at maxDuration (10 min) with a reason that
// says the evidence was inconclusive.
func TestHoldWhileLeaning(t *testing.T) {
	lean := &judge.Leaning{Test: "error-rate", BayesFactor: 4.2, HoldAbove: 2, RejectAt: 20}
	for _, tc := range []struct {
		name       string
		leanLooks  int // looks of step 1 that lean; -1: all
		wantTook   time.Duration
		unresolved bool
	}{
		{"not leaning", 0, time.Minute, false},
		{"leaning for 3 minutes", 18, 3*time.Minute + 10*time.Second, false},
		{"leaning to the end", -1, 10 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.judge.lean, w.judge.leanLooks = lean, tc.leanLooks
			steps := promotedSteps(t, w)
			// Step 1 begins once its commit is live; allow the sync's few looks.
			if took := steps[1].Time.Sub(steps[0].Time); took < tc.wantTook || took > tc.wantTook+30*time.Second {
				t.Errorf("step 1 took %s, want %s", took, tc.wantTook)
			}
			if got := strings.Contains(steps[1].Reason, "held until maxDuration 10m0s: error-rate evidence leans toward a worse canary (BF 4.2"); got != tc.unresolved {
				t.Errorf("reason %q, want the unresolved hold said: %v", steps[1].Reason, tc.unresolved)
			}
			holding, warned := 0, 0
			for _, ev := range w.events {
				if ev.Type == EventWarning && strings.Contains(ev.Reason, "step 1/4 advanced at maxDuration with its evidence leaning toward a worse canary") {
					warned++
				}
				if strings.HasPrefix(ev.Next, "holding: error-rate evidence leans toward a worse canary") {
					holding++
				}
			}
			if want := map[bool]int{true: 1}[tc.unresolved]; warned != want {
				t.Errorf("%d warnings of an unresolved advance, want %d", warned, want)
			}
			if (holding > 0) != (tc.leanLooks != 0) {
				t.Errorf("%d looks said they were holding", holding)
			}
		})
	}
}

// promotedSteps runs the world's rollout, which must be promoted, and
// returns its step and promote commits (at least two).
func promotedSteps(t *testing.T, w *world) []TimelineEntry {
	t.Helper()
	res, err := w.run(Options{})
	if err != nil || res.Phase != Promoted {
		t.Fatalf("%v %v", res, err)
	}
	var steps []TimelineEntry
	for _, e := range res.Timeline {
		if e.Action == ActionStep || e.Action == ActionPromote {
			steps = append(steps, e)
		}
	}
	if len(steps) < 2 {
		t.Fatalf("timeline %+v", res.Timeline)
	}
	return steps
}
