//go:build e2e

package e2e_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
)

// holdPolicyYAML: one 50% step whose minimums (20 s, 150 canary requests)
// come long before its maxDuration (45 s). The error-rate test's α is
// 1e-30 so that a 10× worse canary leans toward a worse canary within seconds but
// cannot be rolled back within the step (its bound is 69 nats; the step
// gathers about 15), and the guard is off: the step must be held to its
// maxDuration, then advance saying why.
const holdPolicyYAML = `apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: reviews, namespace: bookinfo}
spec:
  target:
    application: bookinfo
    virtualService: {name: reviews}
  stableSubset: v1
  canarySubset: v3
  stepDefaults: {minDuration: 20s, minCanaryRequests: 150, maxDuration: 45s}
  steps: [{weight: 50}, {weight: 100}]
  analysis:
    interval: 5s
    alpha: 1e-30
    holdBayesFactor: 2
    noDataTimeout: 90s
    errorRate: {margin: 0}
    latency: {enabled: false}
    guards: {maxErrorRate: 1, minRequests: 50}
  syncTimeout: 3m
`

// hold: a canary whose evidence leans toward a worse canary, on real Prometheus
// counters, is held at its weight after its minimums until maxDuration,
// the live view says so at every held look, and the advance says why.
func (l *labEnv) hold(t *testing.T) {
	flags := l.policyFlags(t, "hold.yaml", holdPolicyYAML)
	t.Run("leaning canary held until maxDuration", func(t *testing.T) {
		l.reset(t)
		setFaults(t, l, faultyV3)
		defer setFaults(t, l, nil)
		code, evs, stderr := l.startWith(t, nil, flags, "--id", "e2e-hold")
		if code != 0 {
			t.Fatalf("exit %d, want 0 (held, then advanced at maxDuration)\n%s", code, stderr)
		}
		if got, want := l.history(t, rolloutID(evs)), []string{"rollout-step 1/2", "promote 2/2"}; !slices.Equal(got, want) {
			t.Fatalf("history %v, want %v", got, want)
		}
		var held, warned int
		var firstHeld time.Duration
		var advance *rollout.Event
		for i, ev := range evs {
			switch {
			case ev.Type == rollout.EventAnalysis && strings.HasPrefix(ev.Next, "holding: error-rate evidence leans toward a worse canary"):
				l := ev.Analysis.Report.Leaning
				if l == nil || !(l.BayesFactor > 2) || l.Test != "error-rate" {
					t.Errorf("a held look's report has leaning %+v", l)
				}
				if held++; held == 1 {
					firstHeld = ev.InStep
				}
			case ev.Type == rollout.EventAnalysis && ev.InStep >= 20*time.Second && ev.Step == 1 && ev.Analysis.Report.Leaning == nil:
				t.Errorf("a look after the minimums did not lean: %+v", ev.Analysis.Report.Tests)
			case ev.Type == rollout.EventWarning && strings.Contains(ev.Reason, "step 1/2 advanced at maxDuration with its evidence leaning toward a worse canary"):
				warned++
			case ev.Type == rollout.EventDecision && ev.Decision == rollout.DecisionAdvance && advance == nil:
				advance = &evs[i]
			}
		}
		if held < 3 || firstHeld < 20*time.Second {
			t.Errorf("%d held looks, the first %s into the step; want several, after the 20 s minimum", held, firstHeld)
		}
		if warned != 1 {
			t.Errorf("%d warnings that the step advanced on leaning evidence, want 1", warned)
		}
		if advance == nil {
			t.Fatal("no advance decision")
		}
		if advance.InStep < 45*time.Second || !strings.Contains(advance.Reason, "held until maxDuration 45s: error-rate evidence leans toward a worse canary") {
			t.Errorf("advanced %s into the step: %q", advance.InStep, advance.Reason)
		}
		t.Logf("%d looks held from %s; advanced at %s: %s", held, firstHeld, advance.InStep.Round(time.Second), advance.Reason)
	})
}
