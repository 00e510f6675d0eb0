package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

func realJudge(t *testing.T, w *world) *judge.Judge {
	t.Helper()
	j, err := policy.NewJudge(w.pol.Spec.Analysis)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// errorRateStat is the error-rate test's log E in a look's report.
func errorRateStat(t *testing.T, r judge.Report) float64 {
	t.Helper()
	for _, tr := range r.Tests {
		if tr.Name == "error-rate" {
			return tr.Statistic
		}
	}
	t.Fatalf("no error-rate test in %+v", r.Tests)
	return 0
}

// A runner killed mid-analysis leaves its judge's evidence on the lease;
// the runner that resumes the rollout continues that process: its first
// look's error-rate evidence is the saved process times the new window,
// not a fresh process's.
func TestResumeRestoresTheEvidence(t *testing.T) {
	for _, tc := range []struct {
		name    string
		loadErr error
		want    string // in the resume's reason
	}{
		{name: "restored", want: "evidence restored"},
		{name: "unreadable: starts afresh", loadErr: errors.New("lease annotation gitshift.dev/evidence: broken"), want: "saved evidence not restored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.prom.canaryErr = 0.02 // 4× the baseline: evidence grows each look
			w.real = realJudge(t, w)
			looks := 0
			w.onEvent = func(w *world, ev Event) {
				if ev.Type == EventAnalysis {
					if looks++; looks == 3 {
						w.crash()
					}
				}
			}
			if _, err := w.run(Options{}); !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			if len(w.lease.evidence) != 1 {
				t.Fatalf("saved evidence %v, want the one rollout's", w.lease.evidence)
			}
			id := w.git.commits[len(w.git.commits)-1].Trailers[TrailerRollout]
			saved, ok := w.lease.evidence[id]
			if !ok {
				t.Fatalf("no evidence saved for rollout %q", id)
			}
			if saved.ErrorRate.LogE() <= 0 {
				t.Fatalf("three looks at a 4× canary saved log E %v", saved.ErrorRate.LogE())
			}

			w.lease.loadErr = tc.loadErr
			w.real = realJudge(t, w) // a new process: nothing in memory
			w.onEvent = nil
			start := len(w.events)
			res, err := w.run(Options{})
			if err != nil {
				t.Fatal(err)
			}
			var resumed string
			var first *Analysis
			for _, ev := range w.events[start:] {
				if ev.Type == EventPhase && ev.From != nil && *ev.From == Idle && resumed == "" {
					resumed = ev.Reason
				}
				if ev.Type == EventAnalysis && first == nil {
					first = ev.Analysis
				}
			}
			if !strings.Contains(resumed, tc.want) {
				t.Fatalf("resume reason %q, want %q", resumed, tc.want)
			}
			if first == nil {
				t.Fatalf("the resumed run made no look (ended %s: %s)", res.Phase, res.Reason)
			}
			// What the first look's evidence must be: the saved process
			// (or none) times the window the look saw.
			want := func(from *judge.Saved) float64 {
				j := realJudge(t, w)
				if from != nil {
					if err := j.Restore(*from); err != nil {
						t.Fatal(err)
					}
				}
				_ = j.BeginStep(w.clock.now, first.Weight)
				d, _ := j.Observe(w.clock.now, stats.Counts{Requests: first.CanaryRequests, Errors: first.CanaryErrors},
					stats.Counts{Requests: first.BaselineRequests, Errors: first.BaselineErrors})
				return errorRateStat(t, d.Report)
			}
			got, continued, fresh := errorRateStat(t, first.Report), want(&saved), want(nil)
			if continued == fresh {
				t.Fatalf("the scenario cannot tell a restored judge from a fresh one (%v)", fresh)
			}
			wantStat := continued
			if tc.loadErr != nil {
				wantStat = fresh
			}
			if got != wantStat {
				t.Fatalf("rollout %s: first resumed look's error-rate log E %v, want %v (restored %v, fresh %v)", id, got, wantStat, continued, fresh)
			}
			t.Logf("%s; first look: log E %.3f (a fresh judge: %.3f); ended %s", resumed, got, fresh, res.Phase)
		})
	}
}
