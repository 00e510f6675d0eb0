package simulate

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// needsPolicy parses a policy whose spec is the given YAML (indented by
// two), with the target filled in.
func needsPolicy(t *testing.T, spec string) *policy.CanaryPolicy {
	t.Helper()
	doc := "apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n" +
		"  target: {application: app, virtualService: {name: vs}}\n  stableSubset: v1\n  canarySubset: v2\n" + spec
	ps, err := policy.Parse("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Complete(ps[0], policy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// needsCases: the step that needs the most traffic, the rate it needs
// (worked out by hand from the policy) and the judge's floor.
var needsCases = []struct {
	name       string
	spec       string
	step       int
	rps, floor float64
}{
	{"default schedule: 200 canary requests at 5% in 15m",
		"  steps: [{weight: 5}, {weight: 25}, {weight: 50}, {weight: 100}]\n", 0, 200 / (0.05 * 900), 100 / (0.05 * 900)},
	{"the last look rounds maxDuration up to the interval (1m at 7s: 63s)",
		"  stepDefaults: {minDuration: 30s, maxDuration: 1m, minCanaryRequests: 20000}\n  steps: [{weight: 10}, {weight: 100}]\n" +
			"  analysis: {interval: 7s, errorRate: {margin: 0}}\n", 0, 20000 / (0.1 * 63), 100 / (0.1 * 63)},
	{"the baseline's minimum binds at 90%",
		"  stepDefaults: {maxDuration: 2m, minCanaryRequests: 50}\n  steps: [{weight: 90}, {weight: 100}]\n", 0, 100 / (0.1 * 120), 100 / (0.1 * 120)},
	{"a mirror step: copies of 10% of the requests",
		"  stepDefaults: {maxDuration: 5m, minCanaryRequests: 300}\n  steps: [{mirror: 10}, {weight: 50}, {weight: 100}]\n" +
			"  analysis: {errorRate: {margin: 0}}\n", 0, 300 / (0.1 * 300), 100 / (0.1 * 300)},
	{"a header step: the default 5% of requests carry the header",
		"  stepDefaults: {maxDuration: 3m, minCanaryRequests: 100}\n  steps: [{headerRoute: {name: x-canary, exact: \"1\"}}, {weight: 20}, {weight: 100}]\n" +
			"  analysis: {errorRate: {margin: 0}}\n", 0, 100 / (0.05 * 180), 100 / (0.05 * 180)},
	{"a later step with a short maxDuration binds",
		"  stepDefaults: {minDuration: 30s}\n  steps: [{weight: 10}, {weight: 20, maxDuration: 1m}, {weight: 100}]\n" +
			"  analysis: {errorRate: {margin: 0}}\n", 1, 200 / (0.2 * 60), 100 / (0.2 * 60)},
}

func TestNeeds(t *testing.T) {
	for _, tt := range needsCases {
		t.Run(tt.name, func(t *testing.T) {
			ns := Needs(needsPolicy(t, tt.spec), 0)
			best := 0
			for i, n := range ns {
				if n.RPS > ns[best].RPS {
					best = i
				}
			}
			n := ns[best]
			if n.Step != tt.step || !near(n.RPS, tt.rps) || !near(n.FloorRPS, tt.floor) {
				t.Errorf("binding step %d needs %.4g rps (floor %.4g), want step %d %.4g (floor %.4g)", n.Step, n.RPS, n.FloorRPS, tt.step, tt.rps, tt.floor)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, b) }

// TestNeedsMatchSimulation runs the simulation's own stepping (engineRule
// with the rollout's judge, a healthy canary) just below and just above
// each computed rate: below, the step ends by timeout; above, it decides.
// "Just" is 3.5 Poisson standard deviations of the count the step needs,
// so a wrong interval rounding (5% at 20,000 requests) fails the test.
func TestNeedsMatchSimulation(t *testing.T) {
	for _, tt := range needsCases {
		t.Run(tt.name, func(t *testing.T) {
			pol := needsPolicy(t, tt.spec)
			n := Needs(pol, 0)[tt.step]
			for _, other := range Needs(pol, 0)[:tt.step] {
				if other.RPS > 0.6*n.RPS {
					t.Fatalf("test setup: step %d needs %.3g rps, too close to step %d's %.3g", other.Step, other.RPS, n.Step, n.RPS)
				}
			}
			need := n.MinCanary
			if float64(n.JudgeMin)/n.BaselineShare > float64(n.MinCanary)/n.CanaryShare {
				need = n.JudgeMin // the baseline's count binds
			}
			spread := 3.5 / math.Sqrt(float64(need))
			assertSteps(t, pol, tt.step, n.RPS*(1-spread), false)
			assertSteps(t, pol, tt.step, n.RPS*(1+spread), true)
		})
	}
}

// TestFloorMatchesSimulation: with a wide non-inferiority margin a step
// advances as soon as the judge's minimum requests are in, so FloorRPS, not
// minCanaryRequests, is what it needs; with the margin off the same rate
// times out.
func TestFloorMatchesSimulation(t *testing.T) {
	const steps = "  stepDefaults: {maxDuration: 5m, minCanaryRequests: 5000}\n  steps: [{weight: 5}, {weight: 100}]\n" +
		"  analysis: {guards: {minRequests: 50}, errorRate: {margin: %s}}\n"
	wide := needsPolicy(t, strings.Replace(steps, "%s", "0.5", 1))
	n := Needs(wide, 0)[0]
	if !near(n.FloorRPS, 50/(0.05*300)) || !near(n.RPS, 5000/(0.05*300)) {
		t.Fatalf("floor %.4g, rps %.4g", n.FloorRPS, n.RPS)
	}
	spread := 3.5 / math.Sqrt(50)
	assertSteps(t, wide, 0, n.FloorRPS*(1-spread), false)
	assertSteps(t, wide, 0, n.FloorRPS*(1+spread), true)
	assertSteps(t, needsPolicy(t, strings.Replace(steps, "%s", "0", 1)), 0, n.FloorRPS*(1+spread), false)
}

// assertSteps runs a few simulated rollouts of a healthy canary at rps and
// checks that step (0-based) decides: at most one run times out there; or
// that it cannot: at most one run gets past it. The judge's rare false
// rollbacks (at its alphas) are neither, and may not be more than 15%.
func assertSteps(t *testing.T, pol *policy.CanaryPolicy, step int, rps float64, decides bool) {
	t.Helper()
	const runs = 30
	r := engineRule{pol: pol, newJudge: func() (stepJudge, error) { return NewJudge(pol.Spec.Analysis) }, headerShare: DefaultHeaderShare}
	tr := Traffic{RPS: rps, BaselineError: 0.005, CanaryError: 0.005}
	past, timeouts := 0, 0
	for i := range runs {
		o, err := r.run(newSource(rand.New(rand.NewPCG(7, uint64(i))), tr))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case o.Promoted || o.Step > step+1:
			past++
		case o.Step == step+1 && o.Reason == "Timeout":
			timeouts++
		}
	}
	ok := past >= runs*85/100 && timeouts <= 1
	if !decides {
		ok = timeouts >= runs*85/100 && past <= 1
	}
	if !ok {
		t.Errorf("at %.4g rps %d of %d runs got past step %d and %d timed out there, want the step to %s", rps, past, runs, step+1, timeouts,
			map[bool]string{true: "decide", false: "time out"}[decides])
	}
}
