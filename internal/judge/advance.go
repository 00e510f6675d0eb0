package judge

import (
	"time"

	"github.com/gitshift/gitshift/internal/stats"
)

// nonInferiority bounds canary − baseline error rate over the rollout; nil
// when the margin is off or errors are not judged.
func (j *Judge) nonInferiority() *NonInferiority {
	p := j.pol
	if p.Margin <= 0 || !p.ErrorRate {
		return nil
	}
	c, b := j.rollCanary, j.rollBaseline
	ni := &NonInferiority{Margin: p.Margin,
		CanaryUpper:   stats.RateUpperBound(c.Errors, c.Requests, p.Alpha/2),
		BaselineLower: stats.RateLowerBound(b.Errors, b.Requests, p.Alpha/2)}
	ni.Upper = ni.CanaryUpper - ni.BaselineLower
	ni.Shown = ni.Upper < p.Margin
	return ni
}

// Advance reports whether a step may end: the verdict is Promote (the
// judge's per-step minimum requests are in, no test rejected) and either the
// step's minimum duration and canary requests are met, or the canary is
// shown no worse than the baseline within the margin, which waives them.
// The rollout engine and gitshift simulate both decide with it.
func Advance(v Verdict, r Report, inStep time.Duration, stepCanary int64, minDuration time.Duration, minCanaryRequests int64) bool {
	if v != Promote {
		return false
	}
	if inStep >= minDuration && stepCanary >= minCanaryRequests {
		return true
	}
	return r.NonInferiority != nil && r.NonInferiority.Shown
}
