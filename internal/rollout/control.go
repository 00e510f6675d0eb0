package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
)

// awaitGate (AwaitingGate) waits for a resume signal after a step passed
// with a manual gate. It keeps judging meanwhile: a canary that goes bad
// while a person is at lunch is still rolled back.
func (e *Engine) awaitGate(ctx context.Context, r *Run) (Outcome, error) {
	st, o, stop := e.watchGit(ctx, r)
	if stop {
		return o, nil
	}
	if st.GatePassed {
		return Outcome{Next: Advancing, Decision: DecisionAdvance, Reason: e.summary(r, e.d.Clock.Now().Sub(r.analysisStart), judge.Advance) + "; gate passed by a resume signal"}, nil
	}
	look, stop := e.look(ctx, r)
	if stop {
		return look, nil
	}
	look.Note = "waiting for `gitshift rollout resume` (or promote/abort)"
	return look, nil
}

// advance (Advancing) calls the afterStep hook and moves to the next step,
// or straight to the last one after a promote signal.
func (e *Engine) advance(ctx context.Context, r *Run) (Outcome, error) {
	if !r.SkipToFinal {
		if err := e.hook(ctx, r, HookAfterStep, r.Step); err != nil {
			return e.failurePolicy(r, err), nil
		}
	}
	r.Target = r.Step + 1
	if r.SkipToFinal || r.Target > e.steps() {
		r.Target = e.steps()
	}
	return Outcome{Next: Shifting, Note: fmt.Sprintf("committing step %s", formatStep(r.Target, e.steps()))}, nil
}

// paused (Paused) records the pause in Git if the engine paused by policy
// (a person's pause is already a commit), then waits for a signal: resume
// re-verifies the current step and analyses it afresh; promote and abort act.
func (e *Engine) paused(ctx context.Context, r *Run) (Outcome, error) {
	interval := e.p.Spec.Analysis.Interval.Duration
	if !r.pauseCommitted {
		reason := r.Reason
		if r.Cause != nil {
			reason = r.Cause.Error()
		}
		res, err := e.d.Signaler.Signal(ctx, fmt.Sprintf("rollout %s: pause (%s)", r.ID, e.p.Spec.FailurePolicy), []Trailer{
			{TrailerAction, ActionControl},
			{TrailerRollout, r.ID},
			{TrailerVirtualService, e.vs},
			{TrailerSignal, string(SignalPause)},
			{TrailerStep, formatStep(r.Step, e.steps())},
			{TrailerDecision, string(DecisionPause)},
			{TrailerReason, oneLine(reason)},
		})
		if err != nil {
			if ctx.Err() != nil {
				return Outcome{}, ctx.Err()
			}
			cause := &PushError{Action: "pause", Err: err}
			return Outcome{Next: Failed, Decision: DecisionStop, Cause: cause, Reason: cause.Error()}, nil
		}
		r.pauseCommitted = true
		entry := &TimelineEntry{Time: res.PushedAt, SHA: res.SHA, Action: ActionControl, Signal: SignalPause,
			Step: formatStep(r.Step, e.steps()), Decision: DecisionPause, Reason: oneLine(reason)}
		return Outcome{Next: Paused, After: interval, Commit: entry, Note: "waiting for `gitshift rollout resume|promote|abort`"}, nil
	}
	st, o, stop := e.watchGit(ctx, r)
	if stop {
		return o, nil
	}
	if st.Found && !st.Paused && st.Pending == "" && st.HeadSHA != "" {
		r.pauseCommitted, r.Cause = false, nil
		r.syncFrom = e.d.Clock.Now()
		return Outcome{Next: WaitingSync, Decision: DecisionResume, Reason: "resumed by a signal commit; re-verifying step " + formatStep(r.Step, e.steps())}, nil
	}
	return Outcome{Next: Paused, After: interval, Note: "waiting for `gitshift rollout resume|promote|abort`"}, nil
}

// customChecks evaluates the policy's PromQL checks. An evaluation error is
// missing evidence (hold), not a failure of the canary.
func (e *Engine) customChecks(ctx context.Context, now time.Time) (failed bool, reason string, out []CheckResult, err error) {
	for _, c := range e.p.Spec.Analysis.CustomChecks {
		v, err := e.d.Querier.Query(ctx, c.PromQL, now)
		if err != nil {
			return false, "", out, fmt.Errorf("custom check %s: %w", c.Name, err)
		}
		ok := compare(v, c.Op, c.Threshold)
		out = append(out, CheckResult{Name: c.Name, Value: v, Op: c.Op, Threshold: c.Threshold, OK: ok})
		if !ok && !failed {
			failed, reason = true, fmt.Sprintf("custom check %s: %g %s %g is false", c.Name, v, c.Op, c.Threshold)
		}
	}
	return failed, reason, out, nil
}

func compare(v float64, op string, t float64) bool {
	switch op {
	case "<":
		return v < t
	case "<=":
		return v <= t
	case ">":
		return v > t
	case ">=":
		return v >= t
	case "==":
		return v == t
	case "!=":
		return v != t
	}
	return false
}
