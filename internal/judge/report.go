package judge

import (
	"math"
	"time"
)

// Decision is the judge's answer to one observation.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	Reason  Reason  `json:"reason,omitempty"`
	// Detail is one human sentence explaining the verdict.
	Detail string `json:"detail"`
	Report Report `json:"report"`
}

// Report holds what the live view shows: every number behind the verdict.
// All floats are finite so it encodes as JSON.
type Report struct {
	Now    time.Time     `json:"now"`
	Step   int           `json:"step"`
	Weight float64       `json:"weight"`
	InStep time.Duration `json:"inStep"`

	Canary   Arm `json:"canary"`
	Baseline Arm `json:"baseline"`

	// Split is the observed canary share of requests in the step with its
	// Wilson interval at 1−SplitAlpha (for humans; the decision uses Test).
	Split SplitReport `json:"split"`
	// ErrorRate and Latency compare canary with baseline.
	ErrorRate Test `json:"errorRate"`
	Latency   Test `json:"latency"`
	// Guard tests the canary's error rate against Policy.MaxErrorRate.
	Guard Test `json:"guard"`
	// LatencyShift is P(canary request slower than baseline request), ties
	// half (0.5 = no shift); only with histograms.
	LatencyShift float64 `json:"latencyShift,omitempty"`

	// PromoteReady says whether minimum duration and requests are reached.
	PromoteReady bool     `json:"promoteReady"`
	Notes        []string `json:"notes,omitempty"`
}

// Arm summarises one subset over the step.
type Arm struct {
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	ErrorRate float64 `json:"errorRate"`
	// ErrorLo and ErrorHi are the 95% Wilson interval of the error rate.
	ErrorLo float64 `json:"errorLo"`
	ErrorHi float64 `json:"errorHi"`
	// P50 and P99 are histogram_quantile-style estimates in seconds, only as
	// precise as the bucket widths; nil without histogram data.
	P50 *float64 `json:"p50,omitempty"`
	P99 *float64 `json:"p99,omitempty"`
}

// SplitReport is the observed traffic split.
type SplitReport struct {
	Observed float64 `json:"observed"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	Test     Test    `json:"test"`
}

// Test is one sequential test's state. The test rejects when LogBF (the
// product over all steps so far) reaches LogThreshold = log(1/Alpha).
type Test struct {
	Enabled      bool    `json:"enabled"`
	Alpha        float64 `json:"alpha,omitempty"`
	LogBF        float64 `json:"logBF"`
	StepLogBF    float64 `json:"stepLogBF"`
	LogThreshold float64 `json:"logThreshold,omitempty"`
	Rejected     bool    `json:"rejected"`
}

// BF returns the accumulated Bayes factor (exp of LogBF).
func (t Test) BF() float64 { return math.Exp(t.LogBF) }

// finite keeps reports JSON-encodable: NaN → 0, ±Inf → ±MaxFloat64.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

func quantile(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}
