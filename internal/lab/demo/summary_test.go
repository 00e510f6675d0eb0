package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
)

// storyEvents builds a rollout's events: a commit per canary weight, live a
// few seconds later, one analysis each, then the decision; weight 0 is the
// rollback commit.
func storyEvents(t0 time.Time, steps []int32, last rollout.Decision, canaryErr float64) []rollout.Event {
	var evs []rollout.Event
	at := t0
	for i, w := range steps {
		step := i + 1
		if w == 0 {
			step = i
		}
		weights := map[string]int32{"v1": 100 - w, "v3": w}
		evs = append(evs, rollout.Event{Time: at, Type: rollout.EventCommit, Step: step, SHA: string(rune('a'+i)) + "0ffee0000000", Weights: weights})
		at = at.Add(4 * time.Second)
		switch {
		case w == 0:
			evs = append(evs, rollout.Event{Time: at, Type: rollout.EventPhase, Phase: rollout.RolledBack, Step: step})
		case w == 100:
			evs = append(evs, rollout.Event{Time: at, Type: rollout.EventDecision, Phase: rollout.Promoted, Step: step, Decision: rollout.DecisionPromote})
		default:
			evs = append(evs, rollout.Event{Time: at, Type: rollout.EventPhase, Phase: rollout.Analysing, Step: step})
			at = at.Add(20 * time.Second)
			evs = append(evs, rollout.Event{Time: at, Type: rollout.EventAnalysis, Step: step,
				Analysis: &rollout.Analysis{Report: judge.Report{CanaryRequests: 300, CanaryErrorRate: canaryErr, BaselineErrorRate: 0.005}}})
			d := rollout.DecisionAdvance
			if i == len(steps)-2 {
				d = last
			}
			evs = append(evs, rollout.Event{Time: at, Type: rollout.EventDecision, Phase: rollout.Advancing, Step: step, Decision: d})
		}
		at = at.Add(time.Second)
	}
	return evs
}

func storyRun(name string, want, got rollout.Phase, steps []int32, last rollout.Decision, canaryErr float64) *run {
	t0 := time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)
	evs := storyEvents(t0, steps, last, canaryErr)
	return &run{name: name, want: want, canary: "v3", id: "demo-x",
		start: &commit{sha: "5ca1ab1e00001", weights: "v1=100,v3=0", at: t0.Add(-time.Second)},
		res: &rollout.Result{ID: "demo-x", Phase: got, Steps: 4, Started: t0, Finished: evs[len(evs)-1].Time, Events: evs,
			Reason: "canary failed at step 1: error rate"}}
}

func TestPrintDemoSummary(t *testing.T) {
	healthy := storyRun("healthy v3", rollout.Promoted, rollout.Promoted, []int32{5, 25, 50, 100}, rollout.DecisionAdvance, 0)
	faulty := storyRun("faulty v3", rollout.RolledBack, rollout.RolledBack, []int32{5, 0}, rollout.DecisionRollback, 0.05)
	unlucky := storyRun("healthy v3", rollout.Promoted, rollout.RolledBack, []int32{5, 0}, rollout.DecisionRollback, 0.05)
	tests := []struct {
		name   string
		runs   []*run
		wantOK bool
		want   []string
	}{
		{name: "as expected", runs: []*run{healthy, faulty}, wantOK: true, want: []string{
			"healthy v3: Promoted, as expected, in 1m19s (rollout demo-x)",
			"5ca1ab1e00 20:59:59 start 0% – – – – – plain shift",
			"a0ffee0000 21:00:00 1/4 5% 4s 20s 300 0.00% 0.50% advance",
			"d0ffee0000 21:01:15 4/4 100% 4s – – – – promote",
			"v3 got 100% in 4 commits, each live 4s–4s after its push",
			"900 canary requests judged",
			"faulty v3: RolledBack, as expected",
			"b0ffee0000 21:00:25 rollback 0% 4s – – – – RolledBack",
			"rolled back 25s after the first commit that gave v3 traffic, at 5% (300 canary requests judged, 5.00% errors vs 0.50% on the baseline); the rollback was live 4s after its push",
			"8 commits pushed to git://lab/repo.git (main), 7m0s in all.",
			"As expected",
		}},
		{name: "healthy canary rolled back", runs: []*run{unlucky, faulty}, wantOK: false, want: []string{
			"healthy v3: RolledBack, NOT as expected (wanted Promoted)",
			"NOT as expected: see the rollouts above.",
		}},
		{name: "a rollout that never ran", runs: []*run{healthy, {name: "faulty v3", want: rollout.RolledBack}}, wantOK: false, want: []string{
			"faulty v3: did not run",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			ok := printSummary(&b, "git://lab/repo.git", 7*time.Minute, nil, tt.runs...)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			// Compare words, not the table's padding.
			got := strings.Join(strings.Fields(b.String()), " ")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
