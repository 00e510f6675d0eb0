package wire

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Failpoints let the end-to-end tests kill a runner (the CLI or a
// controller replica) with SIGKILL at a crash point that cannot be timed
// from outside. Unset in normal use: then no wrapper is installed at all.
//
//	GITSHIFT_FAILPOINT=before-push:2   die just before step 2's commit is pushed
//	GITSHIFT_FAILPOINT=after-push:2    die right after it was pushed, before
//	                                   the engine waits for Argo CD
//	GITSHIFT_FAILPOINT_FILE=/path      the same values, read from the file at
//	                                   each step commit; the process that fires
//	                                   removes it first, so it fires once across
//	                                   replicas (a test arms it while they run)
const (
	FailpointEnv     = "GITSHIFT_FAILPOINT"
	FailpointFileEnv = "GITSHIFT_FAILPOINT_FILE"
)

// Failpoint is where a runner kills itself.
type Failpoint struct {
	AfterPush bool // false: before the push
	Step      int
}

// ParseFailpoint reads "before-push:N" or "after-push:N".
func ParseFailpoint(s string) (Failpoint, error) {
	where, n, ok := strings.Cut(strings.TrimSpace(s), ":")
	step, err := strconv.Atoi(n)
	if !ok || err != nil || step < 1 || (where != "before-push" && where != "after-push") {
		return Failpoint{}, fmt.Errorf("failpoint %q: want before-push:N or after-push:N", s)
	}
	return Failpoint{AfterPush: where == "after-push", Step: step}, nil
}

// failpointShifter kills the process around the push of one step.
type failpointShifter struct {
	rollout.Shifter
	fixed *Failpoint // from GITSHIFT_FAILPOINT
	file  string     // GITSHIFT_FAILPOINT_FILE
	kill  func()
}

// withFailpoint wraps s when the environment asks for a failpoint. A
// malformed value is an error: a test typo must not pass as a run
// without a crash.
func withFailpoint(s rollout.Shifter) (rollout.Shifter, error) {
	f := failpointShifter{Shifter: s, file: os.Getenv(FailpointFileEnv), kill: killSelf}
	if v := os.Getenv(FailpointEnv); v != "" {
		fp, err := ParseFailpoint(v)
		if err != nil {
			return nil, errkind.Wrap(errkind.Usage, fmt.Errorf("%s: %w", FailpointEnv, err))
		}
		f.fixed = &fp
	}
	if f.fixed == nil && f.file == "" {
		return s, nil
	}
	return f, nil
}

func killSelf() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) }

func (f failpointShifter) Shift(ctx context.Context, req rollout.ShiftRequest) (rollout.ShiftResult, error) {
	step := stepOf(req.Trailers)
	fp := f.fixed
	if fp == nil {
		fp = f.armed(step)
	}
	if fp != nil && fp.Step == step && !fp.AfterPush {
		f.fire(step)
	}
	res, err := f.Shifter.Shift(ctx, req)
	if err == nil && fp != nil && fp.Step == step && fp.AfterPush {
		f.fire(step)
	}
	return res, err
}

// armed reads the failpoint file; nil when absent, unreadable or for
// another step.
func (f failpointShifter) armed(step int) *Failpoint {
	if f.file == "" {
		return nil
	}
	b, err := os.ReadFile(f.file)
	if err != nil {
		return nil
	}
	fp, err := ParseFailpoint(string(b))
	if err != nil || fp.Step != step {
		return nil
	}
	return &fp
}

// fire kills the process; a file failpoint is consumed first (rename is
// atomic: of two processes only one claims it).
func (f failpointShifter) fire(step int) {
	if f.fixed == nil {
		if err := os.Rename(f.file, f.file+".fired"); err != nil {
			return
		}
	}
	fmt.Fprintf(os.Stderr, "gitshift: failpoint at step %d: SIGKILL\n", step)
	f.kill()
}

// stepOf is the step number of a step commit's Gitshift-Step trailer
// ("2/4"); 0 when it has none.
func stepOf(trailers []rollout.Trailer) int {
	for _, t := range trailers {
		if t.Key == rollout.TrailerStep {
			n, _, _ := strings.Cut(t.Value, "/")
			if v, err := strconv.Atoi(n); err == nil {
				return v
			}
		}
	}
	return 0
}
