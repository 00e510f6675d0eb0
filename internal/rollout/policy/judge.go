package policy

import "github.com/gitshift/gitshift/internal/judge"

// JudgePolicy configures the judge from a defaulted analysis. Step
// durations, minCanaryRequests and the no-data timeout stay with the engine
// (so the failure policy applies to them); the judge's MinRequests is the
// guards' minRequests, which both arms need before promotion.
func JudgePolicy(a Analysis) judge.Policy {
	p := judge.DefaultPolicy()
	p.Alpha, p.PriorK = a.Alpha, a.PriorK
	p.MaxErrorRate, p.GuardAlpha = a.Guards.MaxErrorRate, a.Guards.Alpha
	p.MinRequests = max(1, a.Guards.MinRequests)
	p.ErrorRate = On(a.ErrorRate.Enabled)
	p.Latency = On(a.Latency.Enabled)
	if a.ErrorRate.Margin != nil {
		p.Margin = *a.ErrorRate.Margin
	}
	if a.HoldBayesFactor != nil {
		p.HoldBayesFactor = *a.HoldBayesFactor
	}
	return p
}

// Limits are the step's own bounds as judge.NextMove takes them; the
// rollout engine and gitshift simulate both step with them.
func (s Step) Limits() judge.Limits {
	return judge.Limits{MinDuration: s.MinDuration.Duration, MaxDuration: s.MaxDuration.Duration, MinCanaryRequests: s.MinCanaryRequests}
}

// NewJudge is the one constructor of a rollout's judge: the rollout engine
// (rollout/adapt) and `gitshift simulate` both use it, so the simulation
// runs the judge the rollout runs.
func NewJudge(a Analysis) (*judge.Judge, error) { return judge.New(JudgePolicy(a)) }
