package judge

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The simulation runs the real Judge over simulated rollouts: steps
// 5 → 25 → 50 → 100 %, each held simTicksPerStep checks of simTick, Poisson
// arrivals at simRPS in total. Counts are drawn per tick, not per request:
// a thinned Poisson process gives independent Poisson counts for
// (arm × ok/error), which is exact for Poisson arrivals and fast.
const (
	simRPS          = 20.0
	simTick         = 10 * time.Second
	simTicksPerStep = 30 // 5 min per step
	simBaseError    = 0.005
)

var simWeights = []int32{5, 25, 50} // percent

// simPolicy is the judge configuration of the simulation (documented in
// docs/statistics.md). Every step lasts the full 5 minutes, as the engine's
// minDuration would hold it, so every rule sees the same step schedule and
// the same traffic.
func simPolicy(priorK float64) Policy {
	p := DefaultPolicy()
	p.Latency = false // the simulated traffic has no histograms
	p.PriorK = priorK
	return p
}

// outcome of one rule on one rollout.
type outcome struct {
	rolledBack bool
	reason     Reason
	seconds    float64 // from rollout start to the rollback decision
	canaryReqs int64   // canary requests until the rollback decision
}

type ruleName string

const (
	ruleJudge    ruleName = "gitshift judge, k=100 (default)"
	ruleJudgeK20 ruleName = "gitshift judge, k=20"
	ruleFlagger1 ruleName = "Flagger-style, threshold 1"
	ruleFlagger5 ruleName = "Flagger-style, threshold 5"
	// rulePointGuard is gitshift's guard before it became a sequential test:
	// fail as soon as the step's canary error rate exceeds 5% after 100
	// canary requests in the step. Kept here as the comparator.
	rulePointGuard ruleName = "point guard alone (5% after 100 req)"
)

var simRules = []ruleName{ruleJudge, ruleJudgeK20, ruleFlagger1, ruleFlagger5, rulePointGuard}

// simulateRollout runs all rules on one simulated traffic trace.
func simulateRollout(rng *rand.Rand, canaryError, baseError float64) (map[ruleName]outcome, error) {
	judges := map[ruleName]*Judge{}
	for name, k := range map[ruleName]float64{ruleJudge: 100, ruleJudgeK20: 20} {
		j, err := New(simPolicy(k))
		if err != nil {
			return nil, err
		}
		judges[name] = j
	}
	flaggers := map[ruleName]*flaggerRule{
		ruleFlagger1: {intervalTicks: 6, minSuccess: 0.99, threshold: 1},
		ruleFlagger5: {intervalTicks: 6, minSuccess: 0.99, threshold: 5},
	}
	out := make(map[ruleName]outcome, len(simRules))
	done := map[ruleName]bool{}
	mean := simRPS * simTick.Seconds()
	var canaryTotal int64
	tick := 0
	for _, weight := range simWeights {
		w := float64(weight) / 100
		var stepReqs, stepErrs int64
		for name, j := range judges {
			if !done[name] {
				if err := j.BeginStep(simTime(tick), weight); err != nil {
					return nil, err
				}
			}
		}
		for range simTicksPerStep {
			tick++
			ce, cok := poisson(rng, mean*w*canaryError), poisson(rng, mean*w*(1-canaryError))
			be, bok := poisson(rng, mean*(1-w)*baseError), poisson(rng, mean*(1-w)*(1-baseError))
			canaryTotal += ce + cok
			stepReqs, stepErrs = stepReqs+ce+cok, stepErrs+ce
			now := simTime(tick)
			fail := func(r ruleName, reason Reason) {
				done[r] = true
				out[r] = outcome{rolledBack: true, reason: reason, seconds: now.Sub(simTime(0)).Seconds(), canaryReqs: canaryTotal}
			}
			for name, j := range judges {
				if done[name] {
					continue
				}
				d, err := j.Observe(now, Counts{Requests: ce + cok, Errors: ce}, Counts{Requests: be + bok, Errors: be})
				if err != nil {
					return nil, err
				}
				if d.Verdict == Fail {
					fail(name, d.Reason)
				}
			}
			for name, f := range flaggers {
				if !done[name] && f.observe(ce+cok, ce) {
					fail(name, ReasonErrorRate)
				}
			}
			if !done[rulePointGuard] && stepReqs >= 100 && float64(stepErrs) > 0.05*float64(stepReqs) {
				fail(rulePointGuard, ReasonAbsoluteGuard)
			}
		}
		for name, j := range judges {
			if done[name] {
				continue
			}
			// The step ends: the judge must be ready to promote.
			if d, _ := j.Observe(simTime(tick), Counts{}, Counts{}); d.Verdict != Promote {
				return nil, fmt.Errorf("%s not ready at step end: %v %s", name, d.Verdict, d.Detail)
			}
		}
	}
	return out, nil
}

func simTime(tick int) time.Time { return t0.Add(time.Duration(tick) * simTick) }

// poisson draws Poisson(mean) by Knuth's product of uniforms, chunked so
// e^−mean never underflows; exact, and means here are ≤ 200.
func poisson(rng *rand.Rand, mean float64) int64 {
	var n int64
	for mean > 0 {
		chunk := min(mean, 500)
		mean -= chunk
		limit, prod := math.Exp(-chunk), rng.Float64()
		for prod > limit {
			n++
			prod *= rng.Float64()
		}
	}
	return n
}

// scenarioResult aggregates one rule over many rollouts.
type scenarioResult struct {
	runs     int
	outcomes []outcome
}

func (s scenarioResult) rate() float64 {
	n := 0
	for _, o := range s.outcomes {
		if o.rolledBack {
			n++
		}
	}
	return float64(n) / float64(s.runs)
}

// quantile over all runs, undetected counting as +Inf ("—" in the table).
func (s scenarioResult) quantile(q float64, f func(outcome) float64) float64 {
	v := make([]float64, 0, s.runs)
	for _, o := range s.outcomes {
		if o.rolledBack {
			v = append(v, f(o))
		} else {
			v = append(v, math.Inf(1))
		}
	}
	slices.Sort(v)
	return v[int(math.Ceil(q*float64(len(v))))-1]
}

func runScenario(runs int, seed uint64, canaryError, baseError float64) (map[ruleName]*scenarioResult, error) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	res := map[ruleName]*scenarioResult{}
	for _, r := range simRules {
		res[r] = &scenarioResult{runs: runs}
	}
	for range runs {
		out, err := simulateRollout(rng, canaryError, baseError)
		if err != nil {
			return nil, err
		}
		for _, r := range simRules {
			res[r].outcomes = append(res[r].outcomes, out[r])
		}
	}
	return res, nil
}

func fmtQ(v float64) string {
	if math.IsInf(v, 1) {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

func TestSimulatedOperatingCharacteristics(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation of 5 × 1,000 rollouts; skipped under -short")
	}
	const runs = 1000
	scenarios := []struct {
		name           string
		canary, base   float64
		falseRollbacks bool // canary no worse than baseline and under the guard
	}{
		{"equal (0.5% vs 0.5%)", simBaseError, simBaseError, true},
		{"2× (1% vs 0.5%)", 2 * simBaseError, simBaseError, false},
		{"10× (5% vs 0.5%)", 10 * simBaseError, simBaseError, false},
		// A noisy service just under the 5% guard: any rollback is false.
		{"equal, near the guard (4% vs 4%)", 0.04, 0.04, true},
		{"broken (50% vs 0.5%)", 0.5, simBaseError, false},
	}
	var b strings.Builder
	b.WriteString("| canary | rule | rolled back | median s | p90 s | median canary req | p90 canary req | judge reasons |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---|\n")
	for i, sc := range scenarios {
		res, err := runScenario(runs, uint64(i+1), sc.canary, sc.base)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range simRules {
			s := res[r]
			secs := func(o outcome) float64 { return o.seconds }
			reqs := func(o outcome) float64 { return float64(o.canaryReqs) }
			reasons := ""
			if r == ruleJudge || r == ruleJudgeK20 {
				reasons = reasonCounts(s.outcomes)
			}
			fmt.Fprintf(&b, "| %s | %s | %.1f%% | %s | %s | %s | %s | %s |\n", sc.name, r, 100*s.rate(),
				fmtQ(s.quantile(0.5, secs)), fmtQ(s.quantile(0.9, secs)),
				fmtQ(s.quantile(0.5, reqs)), fmtQ(s.quantile(0.9, reqs)), reasons)
		}
		if sc.falseRollbacks {
			// Ville's bound: false rollbacks ≤ α + SplitAlpha + GuardAlpha.
			pol := DefaultPolicy()
			bound := pol.Alpha + pol.SplitAlpha + pol.GuardAlpha
			for _, r := range []ruleName{ruleJudge, ruleJudgeK20} {
				if got := res[r].rate(); got > bound {
					t.Errorf("%s, %s: false-rollback rate %.3f exceeds %v", sc.name, r, got, bound)
				}
			}
		} else if sc.canary >= 10*sc.base {
			if got := res[ruleJudge].rate(); got < 0.95 {
				t.Errorf("%s: canary rolled back in only %.1f%%", sc.name, 100*got)
			}
		}
	}
	t.Logf("%d simulated rollouts per row (same traffic for every rule in a row group); steps %v%% × %s, %.0f rps, checks every %s\n\n%s",
		runs, simWeights, simTicksPerStep*simTick, simRPS, simTick, b.String())
}

func reasonCounts(outs []outcome) string {
	counts := map[Reason]int{}
	for _, o := range outs {
		if o.rolledBack {
			counts[o.reason]++
		}
	}
	var parts []string
	for _, r := range []Reason{ReasonErrorRate, ReasonAbsoluteGuard, ReasonSplitMismatch} {
		if counts[r] > 0 {
			parts = append(parts, fmt.Sprintf("%v %d", r, counts[r]))
		}
	}
	return strings.Join(parts, ", ")
}

// BenchmarkFalseRollback runs equal-canary rollouts and reports the judge's
// false-rollback rate as a metric (go test -bench FalseRollback -run ^$).
func BenchmarkFalseRollback(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 7))
	rolledBack := 0
	for b.Loop() {
		out, err := simulateRollout(rng, simBaseError, simBaseError)
		if err != nil {
			b.Fatal(err)
		}
		if out[ruleJudge].rolledBack {
			rolledBack++
		}
	}
	b.ReportMetric(float64(rolledBack)/float64(b.N), "false-rollbacks/op")
}
