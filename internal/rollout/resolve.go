package rollout

import (
	"context"
	"errors"
	"fmt"

	"github.com/gitshift/gitshift/internal/mesh"
)

// resolve (Idle) takes the lease and rebuilds the rollout from Git history,
// then picks the phase to continue in. This is what makes a killed runner
// resume without a duplicate commit: whatever was pushed is in history, and
// whatever was not pushed died with the temporary clone.
func (e *Engine) resolve(ctx context.Context, r *Run) (Outcome, error) {
	if err := e.d.Lease.Acquire(ctx); err != nil {
		var held *LeaseHeldError
		if errors.As(err, &held) {
			return Outcome{Next: Failed, Decision: DecisionStop, Cause: err, Reason: err.Error()}, nil
		}
		return Outcome{}, fmt.Errorf("acquiring the lease: %w", err)
	}
	commits, err := e.d.History.Log(ctx, e.o.HistoryDepth)
	if err != nil {
		return Outcome{}, fmt.Errorf("reading history: %w", err)
	}
	st, err := Derive(commits, e.vs, e.o.ID)
	if err != nil {
		return Outcome{}, err
	}
	r.timeline = append(r.timeline, st.Timeline...)
	// A finished rollout is resumed (to verify its end) only while nothing
	// has been committed after its last commit; otherwise `start` means a
	// new rollout. An explicit --id always resumes.
	if !st.Found || (st.Finished && e.o.ID == "" && st.HeadSHA != st.StepSHA) {
		r.ID = e.o.ID
		if r.ID == "" {
			r.ID = e.o.NewID(e.d.Clock.Now())
		}
		r.timeline = nil
		r.Step, r.Target = 0, 1
		reason := fmt.Sprintf("new rollout of %s to %s", e.vs, e.p.Spec.CanarySubset)
		if e.routed {
			o, note, stop := e.headerPreflight(ctx)
			if stop {
				return o, nil
			}
			if note != "" {
				reason += "; " + note
			}
		}
		return Outcome{Next: Shifting, Decision: DecisionStart, Reason: reason}, nil
	}
	r.ID = st.ID
	r.StepSHA, r.PushedAt, r.Expected, r.Routing = st.StepSHA, st.StepTime, st.Weights, st.Routing
	r.checkedHead = st.StepSHA
	r.syncFrom = e.d.Clock.Now()
	if st.Action == ActionRollback {
		r.Step = st.Step
		return Outcome{Next: VerifyingRollback, Reason: "resuming: rollback " + short(st.StepSHA) + " is in Git"}, nil
	}
	if st.Steps != e.steps() || st.Step < 1 || st.Step > e.steps() || !EqualWeights(st.Weights, e.stepWeights(st.Step)) ||
		e.routed && !sameRouting(st.Routing, e.stepRouting(st.Step), e.p.Spec.CanarySubset) {
		if st.Pending == SignalAbort {
			// Rolling back needs no step of the policy: obey the abort
			// the error below tells people to give.
			r.Step = min(max(st.Step, 1), e.steps())
			cause := &AbortedError{By: st.PendingBy, SHA: st.PendingSHA}
			return Outcome{Next: RollingBack, Decision: DecisionAbort, Cause: cause, Reason: cause.Error()}, nil
		}
		return Outcome{}, &HistoryError{SHA: st.StepSHA, Msg: fmt.Sprintf(
			"rollout %s is at step %d/%d with %s, which does not match the policy's steps; finish it with `gitshift rollout abort` or keep the policy unchanged during a rollout",
			st.ID, st.Step, st.Steps, FormatWeights(st.Weights))}
	}
	r.Step = st.Step
	if o, stop := e.foreignChange(ctx, r, st); stop {
		return o, nil
	}
	if st.Finished {
		return Outcome{Next: WaitingSync, Reason: "resuming: promotion " + short(st.StepSHA) + " is in Git"}, nil
	}
	// Before any step of this runner begins (a signal may pause it first).
	note := e.restoreEvidence(r)
	noted := func(o Outcome) Outcome {
		if note != "" {
			o.Reason += "; " + note
		}
		return o
	}
	if o, ok := e.obeySignals(r, st); ok {
		return noted(o), nil
	}
	return noted(Outcome{Next: WaitingSync, Reason: fmt.Sprintf("resuming rollout %s at step %d/%d (%s)", r.ID, r.Step, e.steps(), short(r.StepSHA))}), nil
}

// foreignChange stops the rollout when a commit after gitshift's last one
// changed the weights. Unrelated foreign commits are fine and kept.
func (e *Engine) foreignChange(ctx context.Context, r *Run, st State) (Outcome, bool) {
	if len(st.Foreign) == 0 || st.HeadSHA == r.checkedHead {
		return Outcome{}, false
	}
	got, err := e.d.History.Weights(ctx, "")
	if err != nil {
		e.log.Warn("reading Git weights to check foreign commits", "err", err)
		return Outcome{}, false
	}
	same := EqualWeights(got, r.Expected)
	var gotRouting mesh.CanaryRouting
	if e.routed && same {
		if gotRouting, err = e.d.History.(HistoryRouting).Routing(ctx, ""); err != nil {
			e.log.Warn("reading Git's header route and mirror to check foreign commits", "err", err)
			return Outcome{}, false
		}
		same = sameRouting(gotRouting, r.Routing, e.p.Spec.CanarySubset)
	}
	r.checkedHead = st.HeadSHA
	if same {
		return Outcome{}, false
	}
	cause := &ForeignChangeError{Commits: st.Foreign, Want: r.Expected, Got: got}
	if EqualWeights(got, r.Expected) {
		cause.What = fmt.Sprintf("the header route or mirror to %s (rollout expected %s, Git has %s)", e.p.Spec.CanarySubset, FormatRouting(r.Routing), FormatRouting(gotRouting))
	}
	return Outcome{Next: Aborted, Decision: DecisionAbort, Cause: cause, Reason: cause.Error()}, true
}

// obeySignals turns signal commits into transitions: abort → roll back,
// promote → jump to the last step, pause → Paused.
func (e *Engine) obeySignals(r *Run, st State) (Outcome, bool) {
	switch {
	case st.Pending == SignalAbort:
		cause := &AbortedError{By: st.PendingBy, SHA: st.PendingSHA}
		return Outcome{Next: RollingBack, Decision: DecisionAbort, Cause: cause, Reason: cause.Error()}, true
	case st.Pending == SignalPromote && r.Phase != Advancing:
		r.SkipToFinal = true
		return Outcome{Next: Advancing, Decision: DecisionPromote,
			Reason: fmt.Sprintf("promote requested by %s (commit %s)", st.PendingBy, short(st.PendingSHA))}, true
	case st.Paused && r.Phase != Paused:
		r.pauseCommitted = true
		reason := st.PauseReason
		if reason == "" {
			reason = "paused by a signal commit"
		}
		return Outcome{Next: Paused, Decision: DecisionPause, Reason: reason, Note: "waiting for `gitshift rollout resume|promote|abort`"}, true
	}
	return Outcome{}, false
}

// watchGit re-reads history while the rollout waits (analysis, gate,
// pause): signals and foreign weight changes take effect within one
// interval. An unreachable remote is only a warning here: the rollout holds.
func (e *Engine) watchGit(ctx context.Context, r *Run) (State, Outcome, bool) {
	commits, err := e.d.History.Log(ctx, e.o.HistoryDepth)
	if err != nil {
		e.log.Warn("reading history", "err", err)
		return State{}, Outcome{}, false
	}
	st, err := Derive(commits, e.vs, r.ID)
	if err != nil {
		return st, Outcome{Next: Failed, Decision: DecisionStop, Cause: err, Reason: err.Error()}, true
	}
	if st.StepSHA != r.StepSHA {
		err := &HistoryError{SHA: st.StepSHA, Msg: fmt.Sprintf("another weight commit for rollout %s appeared (expected %s as the latest): is a second runner active?", r.ID, short(r.StepSHA))}
		return st, Outcome{Next: Failed, Decision: DecisionStop, Cause: err, Reason: err.Error()}, true
	}
	if o, stop := e.foreignChange(ctx, r, st); stop {
		return st, o, true
	}
	o, ok := e.obeySignals(r, st)
	return st, o, ok
}
