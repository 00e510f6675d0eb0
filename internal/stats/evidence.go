package stats

import "math"

// Evidence accumulates a test martingale across rollout steps. Within a step
// the caller reports the step's running log BF; when the weight changes the
// step is closed and a fresh BF starts. The product of the closed steps' BFs
// and the running one is itself a test martingale (each factor has
// conditional mean 1 under H0 given the past), so Ville's bound holds for the
// whole rollout, not per step.
//
// The zero value is ready to use: no evidence, BF = 1.
type Evidence struct {
	closed  float64 // Σ log BF of finished steps
	current float64 // log BF of the running step
}

// Update sets the running step's log BF (not an increment: sequential BFs are
// recomputed from the step's cumulative counts). NaN is ignored so a bad
// window never erases evidence.
func (e *Evidence) Update(logBF float64) {
	if math.IsNaN(logBF) {
		return
	}
	e.current = logBF
}

// NextStep closes the running step, multiplying its BF into the product.
func (e *Evidence) NextStep() {
	e.closed += e.current
	e.current = 0
}

// LogBF returns the log of the accumulated BF over all steps.
func (e *Evidence) LogBF() float64 { return e.closed + e.current }

// StepLogBF returns the running step's log BF.
func (e *Evidence) StepLogBF() float64 { return e.current }

// BF returns the accumulated Bayes factor (may be +Inf for huge evidence).
func (e *Evidence) BF() float64 { return math.Exp(e.LogBF()) }

// Reject reports whether the accumulated BF reached 1/α (Ville's bound).
func (e *Evidence) Reject(alpha float64) bool {
	return alpha > 0 && e.LogBF() >= LogThreshold(alpha)
}

// LogThreshold returns log(1/α), the rejection boundary for log BFs.
func LogThreshold(alpha float64) float64 { return -math.Log(alpha) }
