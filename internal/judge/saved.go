package judge

import (
	"errors"
	"fmt"

	"github.com/gitshift/gitshift/internal/stats"
)

// Saved is the part of a judge's state that outlives a runner: the
// rollout's evidence processes and totals. A runner that resumes a rollout
// restores it (Restore) so the rollout stays one evidence process and the
// false-rollback bound α holds across restarts; a fresh judge would start a
// second process and could spend α again (docs/statistics.md, "Restarts").
//
// It is taken after a look and restored before the next step begins: the
// running step's per-step BFs are closed as they stood (a supermartingale
// stopped at a look is a valid factor), its counts are not kept, and the
// windows between the last save and the restart are not counted by anyone.
type Saved struct {
	Version int `json:"v"`
	// Steps is how many steps the judge had begun.
	Steps int `json:"steps"`
	// Canary and Baseline are the rollout's totals (requests and errors),
	// which the non-inferiority bounds use.
	Canary   stats.Counts `json:"canary"`
	Baseline stats.Counts `json:"baseline"`
	// ErrorRate is the pooled error-rate process; ErrorRateStep the
	// per-step one of Policy.PerStepErrorRate.
	ErrorRate     stats.PooledEvidence `json:"errorRate"`
	ErrorRateStep stats.Evidence       `json:"errorRateStep"`
	Latency       stats.Evidence       `json:"latency"`
	Split         stats.Evidence       `json:"split"`
	Guard         stats.Evidence       `json:"guard"`
	// SplitOff is why the split test is off for the rollout (SplitUntestable).
	SplitOff string `json:"splitOff,omitempty"`
}

// SavedVersion is the format Save writes and Restore reads.
const SavedVersion = 1

// ErrRestore is returned by Restore for state it cannot continue from.
var ErrRestore = errors.New("judge: cannot restore the saved evidence")

// Save returns a copy of the judge's rollout-wide state (see Saved).
func (j *Judge) Save() Saved {
	return Saved{Version: SavedVersion, Steps: j.step,
		Canary: j.rollCanary, Baseline: j.rollBaseline, // requests and errors only
		ErrorRate: j.errEv.Clone(), ErrorRateStep: j.errStepEv, Latency: j.latEv, Split: j.splitEv, Guard: j.guardEv,
		SplitOff: j.splitOff}
}

// Restore continues from s in a judge that has not begun a step. The next
// BeginStep or BeginShare starts the step the rollout resumes in; Observe
// before it returns ErrNoStep.
func (j *Judge) Restore(s Saved) error {
	switch {
	case j.step != 0 || j.failed != nil:
		return fmt.Errorf("%w: the judge has begun already", ErrRestore)
	case s.Version != SavedVersion:
		return fmt.Errorf("%w: format %d, this gitshift reads %d", ErrRestore, s.Version, SavedVersion)
	case s.Steps < 0:
		return fmt.Errorf("%w: %d steps", ErrRestore, s.Steps)
	}
	for _, c := range []stats.Counts{s.Canary, s.Baseline} {
		if c.Requests < 0 || c.Errors < 0 || c.Errors > c.Requests {
			return fmt.Errorf("%w: totals %d errors of %d requests", ErrRestore, c.Errors, c.Requests)
		}
	}
	j.step, j.restored = s.Steps, true
	j.rollCanary, j.rollBaseline = s.Canary, s.Baseline
	j.errEv, j.errStepEv, j.latEv, j.splitEv, j.guardEv = s.ErrorRate.Clone(), s.ErrorRateStep, s.Latency, s.Split, s.Guard
	if s.SplitOff != "" { // else keep what this runner found (SplitUntestable)
		j.splitOff = s.SplitOff
	}
	return nil
}
