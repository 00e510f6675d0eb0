package adapt

import (
	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// The statistical judge is the engine's Judge as it is.
var _ rollout.Judge = (*judge.Judge)(nil)

// NewJudge configures the judge from the policy's analysis. Step durations,
// minCanaryRequests and the no-data timeout stay with the engine (so the
// failure policy applies to them); the judge's MinRequests is the guards'
// minRequests, which both arms need before promotion.
func NewJudge(a policy.Analysis) (*judge.Judge, error) {
	p := judge.DefaultPolicy()
	p.Alpha, p.PriorK = a.Alpha, a.PriorK
	p.MaxErrorRate, p.GuardAlpha = a.Guards.MaxErrorRate, a.Guards.Alpha
	p.MinRequests = max(1, a.Guards.MinRequests)
	p.ErrorRate = policy.On(a.ErrorRate.Enabled)
	p.Latency = policy.On(a.Latency.Enabled)
	return judge.New(p)
}
