package judge

import (
	"fmt"
	"math"
	"time"

	"github.com/gitshift/gitshift/internal/stats"
)

// Report is every number behind a verdict, as the live view, the rollout's
// events (`-o json`) and its closing report show them. The JSON field names
// are read by users' scripts: keep them (rollout's TestEventJSONPinned). All
// floats are finite so it encodes as JSON.
type Report struct {
	CanaryRequests   int64 `json:"canaryRequests"`
	CanaryErrors     int64 `json:"canaryErrors"`
	BaselineRequests int64 `json:"baselineRequests"`
	BaselineErrors   int64 `json:"baselineErrors"`
	// Weight is the canary's configured weight in percent.
	Weight int32 `json:"weight"`
	// ObservedSplit is the canary's share of the step's requests, with its
	// Wilson interval at 1−Policy.SplitAlpha (the decision uses the test).
	ObservedSplit     float64 `json:"observedSplit"`
	SplitLow          float64 `json:"splitLow"`
	SplitHigh         float64 `json:"splitHigh"`
	CanaryErrorRate   float64 `json:"canaryErrorRate"`
	BaselineErrorRate float64 `json:"baselineErrorRate"`
	// Latency quantiles in seconds, histogram_quantile-style (only as precise
	// as the bucket widths); 0 without histogram data.
	CanaryP50   float64 `json:"canaryP50Seconds,omitempty"`
	CanaryP99   float64 `json:"canaryP99Seconds,omitempty"`
	BaselineP50 float64 `json:"baselineP50Seconds,omitempty"`
	BaselineP99 float64 `json:"baselineP99Seconds,omitempty"`
	// Tests are the sequential tests that ran, in a fixed order: split,
	// error-rate, latency, guard.
	Tests []TestResult `json:"tests,omitempty"`
	// NonInferiority is the evidence for advancing early (nil when the
	// policy's margin is 0 or errors are not judged).
	NonInferiority *NonInferiority `json:"nonInferiority,omitempty"`
	// Leaning is set when a test's evidence for a worse canary exceeds the
	// policy's HoldBayesFactor without reaching its rejection bound: the
	// step does not advance while it lasts (NextMove).
	Leaning *Leaning `json:"leaning,omitempty"`
	// InStep is the time since the step began.
	InStep time.Duration `json:"inStep"`
	// Notes explain anything unusual in the inputs (clamped windows,
	// fallbacks, an invalid histogram).
	Notes []string `json:"notes,omitempty"`
}

// NonInferiority bounds how much worse the canary's error rate is than the
// baseline's, over the rollout so far: Upper = CanaryUpper − BaselineLower,
// each bound anytime-valid at Policy.Alpha/2 (stats.RateUpperBound,
// stats.RateLowerBound). Shown when Upper < Margin.
type NonInferiority struct {
	Margin        float64 `json:"margin"`
	Upper         float64 `json:"upper"`
	CanaryUpper   float64 `json:"canaryUpper"`
	BaselineLower float64 `json:"baselineLower"`
	Shown         bool    `json:"shown"`
}

// Leaning is the test whose evidence leans furthest toward a worse canary: its
// Bayes factor is above HoldAbove and below RejectAt.
type Leaning struct {
	Test        string  `json:"test"`
	BayesFactor float64 `json:"bayesFactor"`
	HoldAbove   float64 `json:"holdAbove"`
	RejectAt    float64 `json:"rejectAt"`
}

func (l Leaning) String() string {
	return fmt.Sprintf("%s evidence leans toward a worse canary (BF %.3g, holds above %.3g, rejects at %.3g)", l.Test, l.BayesFactor, l.HoldAbove, l.RejectAt)
}

// TestResult is one sequential test: its statistic, the log of the Bayes
// factor accumulated over all steps so far, against the bound log(1/α) at
// which it rejects.
type TestResult struct {
	Name      string  `json:"name"`
	Statistic float64 `json:"statistic"`
	Bound     float64 `json:"bound"`
	Rejected  bool    `json:"rejected"`
}

// BF returns the accumulated Bayes factor (exp of Statistic).
func (t TestResult) BF() float64 { return math.Exp(t.Statistic) }

func test(name string, e *stats.Evidence, alpha float64) TestResult {
	return TestResult{Name: name, Statistic: finite(e.LogBF()), Bound: stats.LogThreshold(alpha), Rejected: e.Reject(alpha)}
}

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

// quantiles returns the histogram's p50 and p99, 0 without data.
func quantiles(b []stats.Bucket) (p50, p99 float64) {
	q := func(p float64) float64 {
		if v := stats.HistogramQuantile(p, b); !math.IsNaN(v) {
			return v
		}
		return 0
	}
	return q(0.5), q(0.99)
}
