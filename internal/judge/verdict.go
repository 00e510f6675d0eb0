package judge

import "fmt"

// Verdict is the judge's decision after an observation.
type Verdict int

const (
	// Continue: keep observing; no test rejected, promotion criteria not met.
	Continue Verdict = iota
	// Promote: the judge's evidence criteria are met and no test rejected.
	// The caller may advance; observing further is still valid.
	Promote
	// Fail: a test rejected or a guard tripped; see Reason. Sticky.
	Fail
)

func (v Verdict) String() string {
	switch v {
	case Continue:
		return "Continue"
	case Promote:
		return "Promote"
	case Fail:
		return "Fail"
	}
	return "Unknown"
}

// Reason says why a step failed.
type Reason int

const (
	ReasonNone Reason = iota
	// ReasonErrorRate: the canary's error rate is higher than the baseline's
	// (sequential test, BF ≥ 1/α).
	ReasonErrorRate
	// ReasonLatency: the canary's latency distribution is shifted up.
	ReasonLatency
	// ReasonSplitMismatch: the observed split contradicts the configured
	// weight (sequential sample-ratio test).
	ReasonSplitMismatch
	// ReasonAbsoluteGuard: canary error rate above Policy.MaxErrorRate.
	ReasonAbsoluteGuard
)

func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return ""
	case ReasonErrorRate:
		return "ErrorRate"
	case ReasonLatency:
		return "Latency"
	case ReasonSplitMismatch:
		return "SplitMismatch"
	case ReasonAbsoluteGuard:
		return "AbsoluteGuard"
	}
	return "Unknown"
}

// MarshalText makes verdicts readable in -o json|yaml.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// MarshalText makes reasons readable in -o json|yaml.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Decision is the judge's answer to one observation.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	Reason  Reason  `json:"reason,omitempty"`
	// Detail is one human sentence explaining the verdict.
	Detail string `json:"detail"`
	Report Report `json:"report"`
}

// String is the decision in words: the reason and its detail for a
// failure (as rollback commits and events record it), else the detail.
func (d Decision) String() string {
	if d.Verdict == Fail {
		return fmt.Sprintf("%s: %s", d.Reason, d.Detail)
	}
	return d.Detail
}
