package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
)

// A runner that dies mid-rollout (SIGKILL, a node drain, a controller
// failover) leaves its judge's evidence behind. The next runner of the same
// rollout restores it, so the rollout stays one evidence process: a fresh
// judge would start a second one and could spend α again
// (docs/statistics.md, "Restarts").

// EvidenceJudge is a Judge whose rollout-wide evidence can be saved and
// restored (internal/judge).
type EvidenceJudge interface {
	Save() judge.Saved
	Restore(judge.Saved) error
}

// EvidenceStore keeps a rollout's saved evidence where the next runner of
// the same rollout finds it: the Lease, which writes a runner's first save
// at once and later ones with its renewals. The Lease implements it; a Lease that does not means no
// evidence outlives the runner.
type EvidenceStore interface {
	SaveEvidence(ctx context.Context, rollout string, s judge.Saved) error
	// LoadEvidence returns what was saved for rollout (ok false: nothing).
	LoadEvidence(rollout string) (s judge.Saved, savedAt time.Time, ok bool, err error)
}

// saveEvidence hands the judge's state to the store after a look; a failure
// only costs a resume its evidence (the next phase's renewal reports a lost
// lease).
func (e *Engine) saveEvidence(ctx context.Context, r *Run) {
	ej, jok := e.d.Judge.(EvidenceJudge)
	st, sok := e.d.Lease.(EvidenceStore)
	if !jok || !sok || r.ID == "" {
		return
	}
	if err := st.SaveEvidence(ctx, r.ID, ej.Save()); err != nil {
		e.log.Warn("saving the judge's evidence for a resumed runner", "err", err)
	}
}

// restoreEvidence continues the judge from what an earlier runner of r
// saved, before the step it resumes in begins. It returns what to tell
// people: nothing when there is no store, else what was restored or why
// not (then the judge starts afresh, as before evidence was saved).
func (e *Engine) restoreEvidence(r *Run) string {
	ej, jok := e.d.Judge.(EvidenceJudge)
	st, sok := e.d.Lease.(EvidenceStore)
	if !jok || !sok {
		return ""
	}
	saved, at, ok, err := st.LoadEvidence(r.ID)
	if err == nil && ok {
		err = ej.Restore(saved)
	}
	switch {
	case err != nil:
		e.log.Warn("the judge's saved evidence cannot be restored; it starts afresh", "rollout", r.ID, "err", err)
		return fmt.Sprintf("saved evidence not restored (%v): the judge starts afresh", err)
	case !ok:
		return "no saved evidence: the judge starts afresh"
	}
	return fmt.Sprintf("evidence restored from %s (%d canary and %d baseline requests judged so far)",
		at.UTC().Format(time.RFC3339), saved.Canary.Requests, saved.Baseline.Requests)
}
