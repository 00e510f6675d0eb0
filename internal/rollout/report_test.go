package rollout

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func TestWriteReport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(w *world)
		want  []string
	}{
		{"promoted", nil, []string{"# Rollout reviews-", ": Promoted", "| rollout-step | 1/4 | v1=95,v3=5 | start |", "| promote | 4/4 | v1=0,v3=100 | promote |",
			"| 1 | 5% | 0s | 1m0s | 300 |", "| advance |", "| 4 | 100% | 0s | – |"}},
		{"rolled back", func(w *world) { w.prom.canaryErr = 0.05 }, []string{": RolledBack", "| rollback | 1/4 | v1=100,v3=0 | rollback | canary failed at step 1: ErrorRate: error rate"}},
		{"aborted", func(w *world) { w.git.conflictAt = "2/4" }, []string{": Aborted", "stopped without reaching a safe end state"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			res, err := w.run(Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := WriteReport(&b, w.pol, res); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}

func TestStepSummariesResumed(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	rep := &Analysis{Report: judge.Report{CanaryRequests: 120}}
	// A runner resumed in step 2's analysis: no commit for step 2 in its
	// events. Step 3 must not inherit step 2's live time or evidence.
	events := []Event{
		{Time: at(0), Type: EventPhase, Phase: Analysing, Step: 2},
		{Time: at(5), Type: EventAnalysis, Phase: Analysing, Step: 2, Analysis: &Analysis{Report: judge.Report{CanaryRequests: 999}}},
		{Time: at(10), Type: EventDecision, Phase: Advancing, Step: 2, Decision: DecisionAdvance},
		{Time: at(11), Type: EventCommit, Phase: WaitingSync, Step: 3, SHA: "c3", Weights: map[string]int32{"v1": 50, "v3": 50}},
		{Time: at(19), Type: EventPhase, Phase: Analysing, Step: 3},
		{Time: at(30), Type: EventAnalysis, Phase: Analysing, Step: 3, Analysis: rep},
		{Time: at(49), Type: EventDecision, Phase: Advancing, Step: 3, Decision: DecisionAdvance},
		{Time: at(50), Type: EventCommit, Phase: WaitingSync, Step: 4, SHA: "c4", Weights: map[string]int32{"v1": 0, "v3": 100}},
		{Time: at(58), Type: EventDecision, Phase: Promoted, Step: 4, Decision: DecisionPromote},
	}
	got := StepSummaries(events, "v3", at(60), Promoted)
	if len(got) != 2 {
		t.Fatalf("%d steps, want 2: %+v", len(got), got)
	}
	s3, s4 := got[0], got[1]
	if s3.Step != 3 || s3.SHA != "c3" || s3.PushToLive() != 8*time.Second || s3.Analysed != 30*time.Second || s3.Last != rep || s3.Decision != "advance" {
		t.Errorf("step 3 %+v", s3)
	}
	if s4.Weight != 100 || s4.PushToLive() != 8*time.Second || s4.Analysed != 0 || s4.Last != nil || s4.Decision != "promote" {
		t.Errorf("step 4 %+v", s4)
	}
}

// TestReportRoutedSteps: header and mirror steps keep the stable weights,
// yet they are steps, not rollbacks, in the report and the summaries.
func TestReportRoutedSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		abort     bool
		kinds     []string // per summary: kind/rollback
		want, not []string
	}{
		{name: "promoted", kinds: []string{"headerRoute", "mirror", "weight", "weight", "weight"},
			want: []string{`steps header x-canary exact "1", mirror 20, 5, 25, 100`, `| 1 | header x-canary exact "1" -> v3 |`, "| 2 | mirror v3=20 |", "| 3 | 5% |",
				`v1=100,v3=0; header x-canary exact "1" -> v3`, "(clients' share, not tested)"},
			not: []string{"| rollback |"}},
		{name: "aborted in the header step", abort: true, kinds: []string{"headerRoute", "rollback"},
			want: []string{`| 1 | header x-canary exact "1" -> v3 |`, "| rollback | 0% |"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := routedWorld(t)
			if tc.abort {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventAnalysis && ev.Step == 1 && len(w.git.ours()) == 1 {
						w.git.signal(SignalAbort)
					}
				}
			}
			res, err := w.run(Options{})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, s := range StepSummaries(res.Events, "v3", res.Finished, res.Phase) {
				k := string(s.Kind)
				if s.Rollback() {
					k = "rollback"
				}
				kinds = append(kinds, k)
				if (s.Kind == policy.StepHeader || s.Kind == policy.StepMirror) && !s.Rollback() && s.Analysed == 0 {
					t.Errorf("step %d (%s) has no analysis time", s.Step, s.Kind)
				}
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Errorf("summaries %v, want %v", kinds, tc.kinds)
			}
			var b strings.Builder
			if err := WriteReport(&b, w.pol, res); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, b.String())
				}
			}
			for _, not := range tc.not {
				if strings.Contains(b.String(), not) {
					t.Errorf("report has %q:\n%s", not, b.String())
				}
			}
		})
	}
}
