package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestStepTimeoutHint: the timeout names the rate a weighted step saw as a
// ready --rps value, and falls back to a placeholder where the canary's
// share is not its weight.
func TestStepTimeoutHint(t *testing.T) {
	for _, tc := range []struct {
		name     string
		step     policy.Step
		canary   int64
		analysed time.Duration
		want     string
	}{
		{"5% step, 20 rps", policy.Step{Weight: 5}, 240, 4 * time.Minute, "saw about 20 rps in all; see what each step needs at that traffic with `gitshift check --rps 20`"},
		{"25% step, 4.45 rps", policy.Step{Weight: 25}, 1001, 15 * time.Minute, "`gitshift simulate --rps 4.45`"},
		{"high rate has no exponent", policy.Step{Weight: 10}, 74070, 10 * time.Minute, "`gitshift check --rps 1235`"},
		{"mirror step: share unknown", policy.Step{Weight: 0, Mirror: 20}, 500, time.Minute, "`gitshift check --rps <service rps>`"},
		{"header step: share unknown", policy.Step{Weight: 5, HeaderRoute: &policy.HeaderMatch{}}, 500, time.Minute, "`gitshift check --rps <service rps>`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := &StepTimeoutError{Step: 1, MaxDuration: tc.analysed, Requests: tc.canary, Needed: 300,
				ServiceRPS: stepRPS(tc.step, tc.canary, tc.analysed)}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q lacks %q", err.Error(), tc.want)
			}
		})
	}
}
