package simulate

import (
	"math"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// StepNeed is the traffic one step needs to reach a decision before its
// maxDuration, stepped as engineRule steps it: the judge looks every
// analysis interval, so the last look is at maxDuration rounded up to the
// interval; the step may advance at a look where the judge promotes (its
// minimum requests on both arms are in) and either its minCanaryRequests
// are in or the canary is shown non-inferior (judge.NextMove).
type StepNeed struct {
	Step    int // index in spec.steps
	Kind    policy.StepKind
	Percent int32 // the weight or mirror percentage; 0 for a header step
	// CanaryShare and BaselineShare are each arm's requests per request
	// to the service (a mirror's baseline keeps every request).
	CanaryShare, BaselineShare float64
	// LastLook is the time in the step of the last look before the
	// failure policy applies.
	LastLook time.Duration
	// MinCanary is the step's own need, max(minCanaryRequests, the judge's
	// minimum); JudgeMin is the judge's minimum per arm, which nothing
	// waives (spec.analysis.guards.minRequests).
	MinCanary, JudgeMin int64
	// RPS is the least total request rate at which the requests expected
	// by the last look meet MinCanary on the canary and JudgeMin on the
	// baseline: below it the step ends by timeout unless early
	// non-inferiority waives minCanaryRequests. At RPS itself about half
	// the rollouts get there (Poisson arrivals).
	RPS float64
	// FloorRPS is the same for JudgeMin on both arms: below it the step
	// cannot decide at all, non-inferiority or not.
	FloorRPS float64
}

// Needs returns the need of every step the judge decides (not the 100%
// step, which is the promotion) of a defaulted, valid policy; headerShare
// is the share of requests carrying a header step's header (0:
// DefaultHeaderShare).
func Needs(p *policy.CanaryPolicy, headerShare float64) []StepNeed {
	if headerShare <= 0 {
		headerShare = DefaultHeaderShare
	}
	s := p.Spec
	interval := s.Analysis.Interval.Duration
	judgeMin := policy.JudgePolicy(s.Analysis).MinRequests
	var out []StepNeed
	for i, st := range s.Steps {
		if st.Kind() == policy.StepWeight && st.Weight >= 100 {
			continue
		}
		n := StepNeed{Step: i, Kind: st.Kind(), JudgeMin: judgeMin,
			MinCanary: max(st.MinCanaryRequests, judgeMin), LastLook: lastLook(st.MaxDuration.Duration, interval)}
		switch n.Kind {
		case policy.StepHeader:
			n.CanaryShare, n.BaselineShare = headerShare, 1-headerShare
		case policy.StepMirror:
			n.Percent = st.Mirror
			n.CanaryShare, n.BaselineShare = float64(st.Mirror)/100, 1
		default:
			n.Percent = st.Weight
			n.CanaryShare, n.BaselineShare = float64(st.Weight)/100, 1-float64(st.Weight)/100
		}
		secs := n.LastLook.Seconds()
		n.FloorRPS = math.Max(float64(judgeMin)/(n.CanaryShare*secs), float64(judgeMin)/(n.BaselineShare*secs))
		n.RPS = math.Max(float64(n.MinCanary)/(n.CanaryShare*secs), n.FloorRPS)
		out = append(out, n)
	}
	return out
}

// lastLook is the first multiple of the interval at or after maxDuration:
// engineRule looks, then applies the failure policy once the step has
// lasted maxDuration.
func lastLook(maxDuration, interval time.Duration) time.Duration {
	if interval <= 0 {
		return maxDuration
	}
	k := (maxDuration + interval - 1) / interval
	return k * interval
}
