package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// NewJudge is the judge constructor the simulation uses: the rollout's own
// (rollout/adapt.NewJudge is the same function).
var NewJudge = policy.NewJudge

// Config is one simulation: a policy, the traffic, the canary scenarios.
type Config struct {
	// Policy is defaulted and validated (policy.Complete).
	Policy *policy.CanaryPolicy
	// RPS is the service's total request rate.
	RPS           float64
	BaselineError float64
	// BaselineLatency is the baseline's median latency. Histograms are
	// simulated when the policy's latency test is on or a scenario's canary
	// latency differs.
	BaselineLatency time.Duration
	Scenarios       []Scenario
	// HeaderShare is the share of requests that carry a header step's
	// header (the testers'); 0 means DefaultHeaderShare.
	HeaderShare float64
	Runs        int
	Seed        uint64
	// Workers run rollouts in parallel; 0 means GOMAXPROCS. Results do not
	// depend on it: every rollout has its own random stream.
	Workers int
}

// Scenario is one canary: its error rate and median latency (0: the
// baseline's).
type Scenario struct {
	CanaryError   float64
	CanaryLatency time.Duration
}

// Rule names, in table order.
const (
	RuleGitshift  = "gitshift judge"
	RulePrevious  = "gitshift judge, previous (per-step)"
	RuleFlagger1  = "Flagger-style, threshold 1"
	RuleFlagger5  = "Flagger-style, threshold 5"
	RuleOracle    = "oracle SPRT (knows both rates)"
	RuleEffect    = "SPRT knowing the effect, not the baseline"
	flaggerEvery  = time.Minute
	flaggerMinSR  = 0.99
	maxRuns       = 1_000_000
	streamsPerRun = 8
)

var ruleNames = []string{RuleGitshift, RulePrevious, RuleFlagger1, RuleFlagger5, RuleOracle, RuleEffect}

// Validate reports every invalid field but the policy, which is validated
// when it is read (policy.Complete).
func (c Config) Validate() error {
	var errs []error
	if !(c.RPS > 0) {
		errs = append(errs, fmt.Errorf("rps %v: must be positive", c.RPS))
	}
	rate := func(name string, v float64) {
		if !(v >= 0 && v < 1) {
			errs = append(errs, fmt.Errorf("%s %v: must be in [0, 1)", name, v))
		}
	}
	rate("baseline error rate", c.BaselineError)
	if !(c.HeaderShare >= 0 && c.HeaderShare < 1) {
		errs = append(errs, fmt.Errorf("header share %v: must be in [0, 1)", c.HeaderShare))
	}
	if c.BaselineLatency < 0 {
		errs = append(errs, fmt.Errorf("baseline latency %s: must not be negative", c.BaselineLatency))
	}
	if len(c.Scenarios) == 0 {
		errs = append(errs, errors.New("no canary scenario"))
	}
	for _, s := range c.Scenarios {
		rate("canary error rate", s.CanaryError)
		if s.CanaryLatency < 0 {
			errs = append(errs, fmt.Errorf("canary latency %s: must not be negative", s.CanaryLatency))
		}
	}
	if c.Runs < 1 || c.Runs > maxRuns {
		errs = append(errs, fmt.Errorf("runs %d: must be in 1..%d", c.Runs, maxRuns))
	}
	return errors.Join(errs...)
}

// Run simulates cfg.Runs rollouts of every scenario under every rule and
// returns the table. The same seed gives the same table.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	if cfg.Policy == nil {
		return nil, errors.New("simulation: no policy")
	}
	histograms := policy.On(cfg.Policy.Spec.Analysis.Latency.Enabled)
	for _, s := range cfg.Scenarios {
		histograms = histograms || (s.CanaryLatency > 0 && s.CanaryLatency != cfg.BaselineLatency)
	}
	if histograms && cfg.BaselineLatency == 0 {
		cfg.BaselineLatency = DefaultBaselineLatency
	}
	outs := make([][][]Outcome, len(cfg.Scenarios)) // [scenario][rule][run]
	for i := range outs {
		outs[i] = make([][]Outcome, len(ruleNames))
		for r := range outs[i] {
			outs[i][r] = make([]Outcome, cfg.Runs)
		}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct{ scenario, run int }
	jobs := make(chan job)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				if err := cfg.runOne(jb.scenario, jb.run, histograms, outs); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for s := range cfg.Scenarios {
		for r := range cfg.Runs {
			select {
			case jobs <- job{s, r}:
			case err = <-errc:
				break feed
			case <-ctx.Done():
				err = ctx.Err()
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	if err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	return cfg.table(outs, histograms), nil
}

// DefaultHeaderShare is the share of requests carrying a header step's
// header when none is given: a few testers.
const DefaultHeaderShare = 0.05

func (c Config) headerShare() float64 {
	if c.HeaderShare > 0 {
		return c.HeaderShare
	}
	return DefaultHeaderShare
}

// DefaultBaselineLatency is the baseline's median latency when histograms are
// simulated and none was given.
const DefaultBaselineLatency = 50 * time.Millisecond

// runOne runs every rule on scenario s, run r, each on its own random stream
// derived from (seed, scenario, run, rule): reproducible in any order.
func (cfg Config) runOne(s, r int, histograms bool, outs [][][]Outcome) error {
	sc := cfg.Scenarios[s]
	t := Traffic{RPS: cfg.RPS, BaselineError: cfg.BaselineError, CanaryError: sc.CanaryError}
	if histograms {
		t.BaselineLatency, t.CanaryLatency = cfg.BaselineLatency, cmp(sc.CanaryLatency, cfg.BaselineLatency)
	}
	for k, rl := range cfg.rules(t, histograms) {
		if rl == nil {
			continue // the oracle when the canary is not worse
		}
		stream := uint64(s)<<40 | uint64(r)*streamsPerRun + uint64(k)
		src := newSource(rand.New(rand.NewPCG(cfg.Seed, stream)), t)
		o, err := rl.run(src)
		if err != nil {
			return fmt.Errorf("%s, scenario %d, run %d: %w", ruleNames[k], s+1, r+1, err)
		}
		outs[s][k][r] = o
	}
	return nil
}

func cmp(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// rules returns the rules in ruleNames order; nil for the anchors when the
// canary is not worse than the baseline (no alternative to detect), and for
// the effect SPRT when only latency is worse or a rate is 0.
func (cfg Config) rules(t Traffic, histograms bool) []rule {
	p := cfg.Policy
	a := p.Spec.Analysis
	previous := func() (stepJudge, error) {
		jp := policy.JudgePolicy(a)
		jp.PerStepErrorRate, jp.Margin, jp.HoldBayesFactor = true, 0, 0
		return judge.New(jp)
	}
	var weights []int32 // Flagger's rows run the weighted steps only
	for _, st := range p.Spec.Steps {
		if st.Kind() == policy.StepWeight {
			weights = append(weights, st.Weight)
		}
	}
	h := cfg.headerShare()
	rs := []rule{
		engineRule{pol: p, newJudge: func() (stepJudge, error) { return NewJudge(a) }, headerShare: h},
		engineRule{pol: p, newJudge: previous, headerShare: h},
		flaggerRule{weights: weights, interval: flaggerEvery, minSuccess: flaggerMinSR, threshold: 1},
		flaggerRule{weights: weights, interval: flaggerEvery, minSuccess: flaggerMinSR, threshold: 5},
		nil, nil,
	}
	minReq := max(1, a.Guards.MinRequests)
	if worse(t) {
		llr := oracleLLR(t, histograms)
		rs[4] = engineRule{pol: p, newJudge: func() (stepJudge, error) {
			return &sprtJudge{windowLLR: llr, bound: stats.LogThreshold(a.Alpha), minRequests: minReq}, nil
		}, headerShare: h}
	}
	if p0, p1 := t.BaselineError, t.CanaryError; p1 > p0 && p0 > 0 {
		beta := math.Log(p1/(1-p1)) - math.Log(p0/(1-p0))
		rs[5] = engineRule{pol: p, newJudge: func() (stepJudge, error) {
			return &sprtJudge{windowLLR: effectLLR(beta), bound: stats.LogThreshold(a.Alpha), minRequests: minReq}, nil
		}, headerShare: h}
	}
	return rs
}

// worse: the canary has more errors or a higher median latency.
func worse(t Traffic) bool {
	return t.CanaryError > t.BaselineError || t.CanaryLatency > t.BaselineLatency
}
