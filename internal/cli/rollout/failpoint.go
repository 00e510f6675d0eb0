package rollout

import (
	"context"
	"os"
	"strings"
	"syscall"

	"github.com/gitshift/gitshift/internal/rollout"
)

// failpointEnv lets the e2e tests kill the runner with SIGKILL at a crash
// point that cannot be timed from outside: GITSHIFT_FAILPOINT=before-push:2
// dies just before step 2's push (its commit, made in a temporary clone,
// dies with the process). Unset in normal use: then this wrapper is not
// installed at all.
const failpointEnv = "GITSHIFT_FAILPOINT"

type failpointShifter struct {
	rollout.Shifter
	step string // "2/4" style prefix match on Gitshift-Step, e.g. "2/"
}

func withFailpoint(s rollout.Shifter) rollout.Shifter {
	fp, ok := strings.CutPrefix(os.Getenv(failpointEnv), "before-push:")
	if !ok || fp == "" {
		return s
	}
	return failpointShifter{Shifter: s, step: fp + "/"}
}

func (f failpointShifter) Shift(ctx context.Context, req rollout.ShiftRequest) (rollout.ShiftResult, error) {
	for _, t := range req.Trailers {
		if t.Key == rollout.TrailerStep && strings.HasPrefix(t.Value, f.step) {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
	return f.Shifter.Shift(ctx, req)
}
