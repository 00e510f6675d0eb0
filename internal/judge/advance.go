package judge

import (
	"math"
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

// leaningSlack keeps a test at exactly even evidence (no errors yet: the
// mixture's weights sum to 1 up to rounding) from counting as leaning.
const leaningSlack = 1e-9

// leaning returns the test whose evidence for a worse canary most exceeds the
// policy's HoldBayesFactor, nil when none does or holding is off.
func (p Policy) leaning(tests []TestResult) *Leaning {
	if p.HoldBayesFactor <= 0 {
		return nil
	}
	best := -1
	for i, t := range tests {
		if best < 0 || t.Statistic > tests[best].Statistic {
			best = i
		}
	}
	if best < 0 || !(tests[best].Statistic > math.Log(p.HoldBayesFactor)+leaningSlack) {
		return nil
	}
	t := tests[best]
	return &Leaning{Test: t.Name, BayesFactor: finite(math.Exp(t.Statistic)), HoldAbove: p.HoldBayesFactor, RejectAt: finite(math.Exp(t.Bound))}
}

// Move is what a step does after a look. The rollout engine and gitshift
// simulate both step with NextMove, so the simulation runs the engine's rule.
type Move int

const (
	// Stay: keep looking (the step's minimums or the judge's own minimum
	// requests are not in yet).
	Stay Move = iota
	// Advance: the minimum duration and canary requests are met.
	Advance
	// AdvanceEarly: the canary is shown no worse than the baseline within
	// the margin, which waives the step's minimums.
	AdvanceEarly
	// Hold: the step could advance, but the evidence leans toward a worse
	// canary (Report.Leaning): keep looking until it falls back, the test
	// rejects, or maxDuration.
	Hold
	// AdvanceUnresolved: maxDuration came while holding. The evidence leans
	// toward a worse canary without showing one; rolling back on it would spend
	// more than α, so the step advances and says so.
	AdvanceUnresolved
	// Timeout: maxDuration without the evidence to advance; the failure
	// policy applies.
	Timeout
)

// Advances reports whether the step ends by going on to the next one.
func (m Move) Advances() bool { return m == Advance || m == AdvanceEarly || m == AdvanceUnresolved }

func (m Move) String() string {
	switch m {
	case Stay:
		return "Stay"
	case Advance:
		return "Advance"
	case AdvanceEarly:
		return "AdvanceEarly"
	case Hold:
		return "Hold"
	case AdvanceUnresolved:
		return "AdvanceUnresolved"
	case Timeout:
		return "Timeout"
	}
	return "Move(?)"
}

// Limits are a step's own bounds from the policy.
type Limits struct {
	MinDuration, MaxDuration time.Duration
	MinCanaryRequests        int64
}

// NextMove decides a step after a look whose verdict was not Fail (a failed
// canary rolls back whatever the step's state). The step may end when the
// verdict is Promote (the judge's per-step minimum requests are in, no test
// rejected) and either its minimum duration and canary requests are met or
// the canary is shown no worse within the margin. While the evidence leans
// toward a worse canary it holds instead, up to maxDuration.
func NextMove(v Verdict, r Report, inStep time.Duration, stepCanary int64, l Limits) Move {
	met := inStep >= l.MinDuration && stepCanary >= l.MinCanaryRequests
	may := v == Promote && (met || r.NonInferiority != nil && r.NonInferiority.Shown)
	over := inStep >= l.MaxDuration
	switch {
	case !may && over:
		return Timeout
	case !may:
		return Stay
	case r.Leaning != nil && over:
		return AdvanceUnresolved
	case r.Leaning != nil:
		return Hold
	case met:
		return Advance
	}
	return AdvanceEarly
}
