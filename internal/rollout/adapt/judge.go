package adapt

import (
	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// The statistical judge is the engine's Judge as it is.
var _ rollout.Judge = (*judge.Judge)(nil)

// NewJudge configures the judge from the policy's analysis: policy.NewJudge
// itself, which `gitshift simulate` uses too.
var NewJudge = policy.NewJudge
