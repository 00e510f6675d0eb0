package simulate

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func TestPoisson(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mean := range []float64{0.3, 4, 12, 150, 5000} {
		const n = 20000
		var sum, sq float64
		for range n {
			v := float64(poisson(rng, mean))
			sum += v
			sq += v * v
		}
		m := sum / n
		v := sq/n - m*m
		if math.Abs(m-mean) > 4*math.Sqrt(mean/n) || math.Abs(v-mean) > 0.1*mean {
			t.Errorf("Poisson(%v): mean %v, variance %v", mean, m, v)
		}
	}
}

func TestArmHistogram(t *testing.T) {
	a := newArm(0.1, 50*time.Millisecond)
	var total float64
	for _, p := range a.bucket {
		total += p
	}
	if math.Abs(total-1) > 1e-12 || a.bucket[5]+a.bucket[6] < 0.8 { // (25, 50] and (50, 100] ms
		t.Fatalf("bucket probabilities %v", a.bucket)
	}
	c := a.counts(rand.New(rand.NewPCG(3, 4)), 1000)
	if last := c.Buckets[len(c.Buckets)-1]; last.Count != c.Requests || !math.IsInf(last.LE, 1) || c.Errors == 0 {
		t.Errorf("counts %+v", c)
	}
}

// testPolicy is the reference schedule with edits.
func testPolicy(t *testing.T, edit func(*policy.CanaryPolicy)) *policy.CanaryPolicy {
	t.Helper()
	p, err := policy.Read("testdata/reference.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	d, err := policy.Complete(*p, policy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRules drives each rule on traffic whose outcome is not in doubt.
func TestRules(t *testing.T) {
	pol := testPolicy(t, nil)
	weights := []int32{5, 25, 50, 100}
	tr := func(canaryErr float64, rps float64) Traffic {
		return Traffic{RPS: rps, BaselineError: 0.005, CanaryError: canaryErr}
	}
	judged := engineRule{pol: pol, newJudge: func() (stepJudge, error) { return NewJudge(pol.Spec.Analysis) }}
	tests := []struct {
		name    string
		r       rule
		traffic Traffic
		check   func(Outcome) bool
	}{
		{"flagger passes a perfect canary in 3 checks", flaggerRule{weights, time.Minute, 0.99, 1}, tr(0, 20),
			func(o Outcome) bool { return o.Promoted && o.Seconds == 180 && o.CanaryErrors == 0 }},
		{"flagger threshold 1 stops a broken canary at the first check", flaggerRule{weights, time.Minute, 0.99, 1}, tr(0.9, 20),
			func(o Outcome) bool { return o.RolledBack && o.Seconds == 60 && o.Step == 1 }},
		{"flagger threshold 5 after five", flaggerRule{weights, time.Minute, 0.99, 5}, tr(0.9, 20),
			func(o Outcome) bool { return o.RolledBack && o.Seconds == 300 }},
		{"judge stops a broken canary within seconds", judged, tr(0.9, 20),
			func(o Outcome) bool { return o.RolledBack && o.Seconds <= 30 && o.Step == 1 && o.CanaryErrors > 0 }},
		{"judge holds each step 5 minutes at 20 rps", judged, tr(0.005, 20),
			func(o Outcome) bool { return (o.Promoted && o.Seconds >= 600) || o.RolledBack }},
		{"judge advances early on non-inferiority at 2,000 rps", judged, tr(0.005, 2000),
			func(o Outcome) bool { return o.Promoted && o.Seconds < 300 }},
		{"oracle stops a broken canary", engineRule{pol: pol, newJudge: func() (stepJudge, error) {
			return &sprtJudge{windowLLR: oracleLLR(tr(0.9, 20), false), bound: 3, minRequests: 100}, nil
		}}, tr(0.9, 20), func(o Outcome) bool { return o.RolledBack && o.Seconds <= 10 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.r.run(newSource(rand.New(rand.NewPCG(9, 9)), tt.traffic))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(o) {
				t.Errorf("outcome %+v", o)
			}
		})
	}
}

// Same seed, same table, whatever the number of workers; another seed, another.
func TestReproducible(t *testing.T) {
	cfg := Config{Policy: testPolicy(t, nil), RPS: 20, BaselineError: 0.005,
		Scenarios: []Scenario{{CanaryError: 0.005}, {CanaryError: 0.05}}, Runs: 30, Seed: 7}
	run := func(seed uint64, workers int) *Result {
		c := cfg
		c.Seed, c.Workers = seed, workers
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(7, 1), run(7, 3)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different tables")
	}
	if reflect.DeepEqual(a.Rows, run(8, 2).Rows) {
		t.Error("different seeds, same table")
	}
	if len(a.Rows) != 2*len(ruleNames) || a.Rows[4].Runs != 0 || a.Rows[len(ruleNames)+4].Runs != 30 {
		t.Errorf("rows %d; the oracle runs only for a worse canary", len(a.Rows))
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{RPS: 20, BaselineError: 0.005, Scenarios: []Scenario{{CanaryError: 0.01}}, Runs: 10}
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"good", func(*Config) {}, true},
		{"rps 0", func(c *Config) { c.RPS = 0 }, false},
		{"baseline error 1", func(c *Config) { c.BaselineError = 1 }, false},
		{"canary error negative", func(c *Config) { c.Scenarios[0].CanaryError = -0.1 }, false},
		{"no scenario", func(c *Config) { c.Scenarios = nil }, false},
		{"runs 0", func(c *Config) { c.Runs = 0 }, false},
		{"negative latency", func(c *Config) { c.BaselineLatency = -time.Second }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			c.Scenarios = append([]Scenario(nil), good.Scenarios...)
			tt.edit(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
	if _, err := Run(context.Background(), good); err == nil {
		t.Error("Run without a policy must fail")
	}
}

// TestOperatingCharacteristics is the property behind docs/statistics.md's
// table: on the reference schedule the judge rolls back canaries that are
// no worse than the baseline at most α + SplitAlpha + GuardAlpha of the time
// (the error-rate test alone at most α), also near the guard, and catches a
// 10× canary every time.
func TestOperatingCharacteristics(t *testing.T) {
	if testing.Short() {
		t.Skip("3 × 1,000 simulated rollouts; skipped under -short")
	}
	pol := testPolicy(t, nil)
	jp := policy.JudgePolicy(pol.Spec.Analysis)
	for _, c := range []struct {
		name       string
		base, cana float64
	}{{"equal", 0.005, 0.005}, {"equal near the guard", 0.04, 0.04}, {"10×", 0.005, 0.05}} {
		res, err := Run(context.Background(), Config{Policy: pol, RPS: 20, BaselineError: c.base,
			Scenarios: []Scenario{{CanaryError: c.cana}}, Runs: 1000, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		row := res.Rows[0]
		if row.Rule != RuleGitshift {
			t.Fatalf("first row %q", row.Rule)
		}
		errRate := float64(row.Reasons["ErrorRate"]) / float64(row.Runs)
		t.Logf("%s: rolled back %.1f%% [%.1f, %.1f], by the error-rate test %.1f%%", c.name,
			100*row.RolledBack.Value, 100*row.RolledBack.Low, 100*row.RolledBack.High, 100*errRate)
		if c.cana > c.base {
			if row.RolledBack.Value < 0.99 {
				t.Errorf("%s: caught in only %.1f%%", c.name, 100*row.RolledBack.Value)
			}
			continue
		}
		if bound := jp.Alpha + jp.SplitAlpha + jp.GuardAlpha; row.RolledBack.Value > bound || errRate > jp.Alpha {
			t.Errorf("%s: false rollbacks %.3f (error-rate %.3f), bound %v (α %v)", c.name, row.RolledBack.Value, errRate, bound, jp.Alpha)
		}
	}
}

// TestRoutedSteps: header and mirror steps run as the engine runs them. A
// broken canary is stopped in the header step having served the testers,
// and in a mirror step having served nobody; a table runs without error.
func TestRoutedSteps(t *testing.T) {
	header := policy.Step{HeaderRoute: &policy.HeaderMatch{Name: "x-canary", Exact: "1"}}
	routed := func(steps ...policy.Step) *policy.CanaryPolicy {
		return testPolicy(t, func(p *policy.CanaryPolicy) { p.Spec.Steps = steps })
	}
	full := routed(header, policy.Step{Mirror: 20}, policy.Step{Weight: 5}, policy.Step{Weight: 100})
	mirrorFirst := routed(policy.Step{Mirror: 20}, policy.Step{Weight: 5}, policy.Step{Weight: 100})
	judged := func(p *policy.CanaryPolicy) rule {
		return engineRule{pol: p, newJudge: func() (stepJudge, error) { return NewJudge(p.Spec.Analysis) }, headerShare: 0.1}
	}
	for _, tt := range []struct {
		name  string
		r     rule
		err   float64
		check func(Outcome) bool
	}{
		{"a healthy canary is promoted through header and mirror steps", judged(full), 0.005,
			func(o Outcome) bool { return o.Promoted && o.Step == 4 }},
		{"a broken canary is stopped in the header step, seen by testers only", judged(full), 0.9,
			func(o Outcome) bool { return o.RolledBack && o.Step == 1 && o.CanaryErrors > 0 }},
		{"a broken canary is stopped in the mirror step, seen by nobody", judged(mirrorFirst), 0.9,
			func(o Outcome) bool { return o.RolledBack && o.Step == 1 && o.CanaryErrors == 0 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.r.run(newSource(rand.New(rand.NewPCG(9, 9)), Traffic{RPS: 200, BaselineError: 0.005, CanaryError: tt.err}))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(o) {
				t.Errorf("outcome %+v", o)
			}
		})
	}
	res, err := Run(context.Background(), Config{Policy: full, RPS: 50, BaselineError: 0.005,
		Scenarios: []Scenario{{CanaryError: 0.05}}, Runs: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`1: header x-canary exact "1"`, "2: mirror 20%"}; !reflect.DeepEqual(res.Settings.Routed, want) {
		t.Errorf("routed steps %q, want %q", res.Settings.Routed, want)
	}
	if err := (Config{Policy: full, RPS: 1, Scenarios: []Scenario{{}}, Runs: 1, HeaderShare: 1}).Validate(); err == nil {
		t.Error("a header share of 1 is accepted")
	}
}

// TestHoldCatchesMore: holding a step while the evidence leans toward a
// worse canary catches a 2× canary (1% vs 0.5%, reference schedule, 20 rps) more
// often than the same judge without holding, on the same seed, with
// intervals apart; it keeps false rollbacks of an equal canary within α and
// costs the healthy rollout at most a few looks at the median.
func TestHoldCatchesMore(t *testing.T) {
	if testing.Short() {
		t.Skip("4 × 1,000 simulated rollouts; skipped under -short")
	}
	run := func(hold float64, canary float64) Row {
		pol := testPolicy(t, func(p *policy.CanaryPolicy) { p.Spec.Analysis.HoldBayesFactor = &hold })
		res, err := Run(context.Background(), Config{Policy: pol, RPS: 20, BaselineError: 0.005,
			Scenarios: []Scenario{{CanaryError: canary}}, Runs: 1000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows[0]
	}
	held, free := run(policy.DefaultHoldBayesFactor, 0.01), run(0, 0.01)
	t.Logf("2× canary caught: %.1f%% holding, %.1f%% not", 100*held.RolledBack.Value, 100*free.RolledBack.Value)
	if held.RolledBack.Low <= free.RolledBack.High {
		t.Errorf("holding caught %+v, not holding %+v: intervals overlap", held.RolledBack, free.RolledBack)
	}
	heldOK, freeOK := run(policy.DefaultHoldBayesFactor, 0.005), run(0, 0.005)
	t.Logf("equal canary: false rollbacks %.1f%% / %.1f%%, 100%% reached p50 %vs / %vs",
		100*heldOK.RolledBack.Value, 100*freeOK.RolledBack.Value, *heldOK.FullP50, *freeOK.FullP50)
	if heldOK.RolledBack.Value > 0.05+0.01+0.01 {
		t.Errorf("false rollbacks %+v while holding", heldOK.RolledBack)
	}
	if *heldOK.FullP50 > *freeOK.FullP50+3*5 {
		t.Errorf("healthy rollout p50 %vs holding, %vs not", *heldOK.FullP50, *freeOK.FullP50)
	}
}
