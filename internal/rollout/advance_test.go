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
