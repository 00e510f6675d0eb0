package judge

// Verdict is the judge's decision after an observation.
type Verdict int

const (
	// Continue: keep observing; no test rejected, promotion criteria not met.
	Continue Verdict = iota
	// Promote: minimum duration and requests reached, no test rejected. The
	// caller may advance; observing further is still valid.
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
	// ReasonNoData: no canary traffic for Policy.NoDataTimeout.
	ReasonNoData
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
	case ReasonNoData:
		return "NoData"
	}
	return "Unknown"
}

// MarshalText makes verdicts and reasons readable in -o json|yaml.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// MarshalText makes reasons readable in -o json|yaml.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
