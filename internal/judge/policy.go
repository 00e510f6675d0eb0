package judge

import (
	"errors"
	"fmt"
	"math"

	"github.com/gitshift/gitshift/internal/stats"
)

// Policy configures the canary analysis. Use DefaultPolicy and override.
// Step durations, minimum canary requests per step and the no-data timeout
// are the caller's (the rollout engine applies its failure policy to them);
// the judge only says what the evidence says.
type Policy struct {
	// Alpha bounds the probability of rolling back a canary that is no worse
	// than the baseline, over the whole rollout however often it is checked
	// (Ville's inequality). It is shared (Bonferroni) between the error-rate
	// test and, when Latency is on, the latency test: each gets Alpha/2.
	Alpha float64
	// PriorK is the concentration k of the Beta(k·w, k·(1−w)) mixture of the
	// error-rate and latency tests (stats.DefaultPriorK = 100).
	PriorK float64
	// SplitAlpha bounds false "split mismatch" stops of the sequential
	// sample-ratio test. It is a separate budget: a mismatch is a routing
	// fault, not a verdict on the canary.
	SplitAlpha float64
	// SplitPriorK is the concentration of the sample-ratio test's prior.
	SplitPriorK float64
	// MaxErrorRate is the absolute guard: the canary fails, even without a
	// baseline to compare with, once a sequential test shows its error rate
	// above MaxErrorRate at GuardAlpha. A point estimate over the threshold
	// is not enough: looked at every few seconds, a canary at 4% against a
	// 5% guard would cross it by chance sooner or later. 1 turns it off (no
	// rate exceeds 1).
	MaxErrorRate float64
	// GuardAlpha bounds the probability that the guard ever fails a canary
	// whose true error rate is at most MaxErrorRate (Ville's inequality,
	// over the whole rollout). A separate budget from Alpha.
	GuardAlpha float64
	// MinRequests is the minimum number of canary requests in a step before
	// promotion; the baseline needs as many (while it gets traffic) because
	// the comparative tests need both arms.
	MinRequests int64
	// ErrorRate off ignores errors altogether: the error-rate test and the
	// guard see none, and neither does the report.
	ErrorRate bool
	// Latency turns on the histogram test (needs Counts.Buckets).
	Latency bool
	// Margin is the non-inferiority margin on the error rate: once the
	// canary's error rate is shown below the baseline's plus Margin over the
	// rollout so far (at Alpha), Report.NonInferiority.Shown lets the
	// caller end a step before its minimum duration (see NextMove). 0 turns
	// the test off.
	Margin float64
	// HoldBayesFactor holds a step that could advance while the error-rate
	// or latency test's Bayes factor for a worse canary is above it: the
	// canary keeps its weight and the evidence keeps growing, until the
	// factor falls back, the test rejects, or the step's maxDuration. It
	// only ever lengthens a step, so the tests' α is unchanged. 0 turns
	// holding off.
	HoldBayesFactor float64
	// PerStepErrorRate selects the error-rate test of earlier releases (a
	// fresh Beta mixture per step on the step's totals, multiplied across
	// steps) instead of the pooled process. For comparison only: gitshift
	// simulate's "previous judge" row; policies cannot set it.
	PerStepErrorRate bool
}

// DefaultPolicy returns the documented defaults.
func DefaultPolicy() Policy {
	return Policy{
		Alpha:        0.05,
		PriorK:       stats.DefaultPriorK,
		SplitAlpha:   0.01,
		SplitPriorK:  stats.DefaultPriorK,
		MaxErrorRate: 0.05,
		GuardAlpha:   0.01,
		MinRequests:  100,
		ErrorRate:    true,
		Latency:      true,
		Margin:       0.01,

		HoldBayesFactor: 2,
	}
}

// Validate reports every invalid field.
func (p Policy) Validate() error {
	var errs []error
	if !(p.Alpha > 0 && p.Alpha < 1) {
		errs = append(errs, fmt.Errorf("alpha %v: must be in (0,1)", p.Alpha))
	}
	if !(p.PriorK > 0) {
		errs = append(errs, fmt.Errorf("priorK %v: must be > 0", p.PriorK))
	}
	if !(p.SplitAlpha > 0 && p.SplitAlpha < 1) {
		errs = append(errs, fmt.Errorf("splitAlpha %v: must be in (0,1)", p.SplitAlpha))
	}
	if !(p.SplitPriorK > 0) {
		errs = append(errs, fmt.Errorf("splitPriorK %v: must be > 0", p.SplitPriorK))
	}
	if !(p.MaxErrorRate > 0 && p.MaxErrorRate <= 1) {
		errs = append(errs, fmt.Errorf("maxErrorRate %v: must be in (0,1]", p.MaxErrorRate))
	}
	if !(p.GuardAlpha > 0 && p.GuardAlpha < 1) {
		errs = append(errs, fmt.Errorf("guardAlpha %v: must be in (0,1)", p.GuardAlpha))
	}
	if !(p.Margin >= 0 && p.Margin < 1) {
		errs = append(errs, fmt.Errorf("margin %v: must be in [0,1)", p.Margin))
	}
	if h := p.HoldBayesFactor; !(h == 0 || h >= 1 && !math.IsInf(h, 1)) {
		errs = append(errs, fmt.Errorf("holdBayesFactor %v: must be 0 (off) or ≥ 1", h))
	}
	if p.MinRequests < 1 {
		// No data, no promotion: a zero minimum would promote on nothing.
		errs = append(errs, fmt.Errorf("minRequests %d: must be ≥ 1", p.MinRequests))
	}
	return errors.Join(errs...)
}

// comparativeAlpha is the per-test share of Alpha (Bonferroni).
func (p Policy) comparativeAlpha() float64 {
	if p.Latency {
		return p.Alpha / 2
	}
	return p.Alpha
}
