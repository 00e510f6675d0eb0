package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
)

// shiftStep (Shifting) commits the current step's weights. Before it commits
// it reads history again: if the step's commit is already there (the push
// went through but the runner died before it knew), it adopts that commit
// instead of making a duplicate.
func (e *Engine) shiftStep(ctx context.Context, r *Run) (Outcome, error) {
	final := r.Target == e.steps()
	st, ok, err := e.alreadyPushed(ctx, r, func(st State) bool {
		return st.Action != ActionRollback && st.Step == r.Target
	})
	if err != nil {
		return Outcome{}, err
	}
	if ok {
		r.Step, r.StepSHA, r.Expected, r.Routing = r.Target, st.StepSHA, st.Weights, st.Routing
		r.PushedAt, r.syncFrom = st.StepTime, e.d.Clock.Now()
		return Outcome{Next: WaitingSync, Reason: fmt.Sprintf("step %d/%d is already in Git as %s", r.Target, e.steps(), short(st.StepSHA))}, nil
	}
	if o, stop := e.foreignChange(ctx, r, st); stop {
		return o, nil
	}
	if err := e.hook(ctx, r, HookBeforeStep, r.Target); err != nil {
		return e.failurePolicy(r, err), nil
	}
	action := ActionStep
	if final {
		action = ActionPromote
	}
	decision, reason := r.Decision, r.Reason
	if decision == "" || r.Target == 1 {
		decision = DecisionStart
	}
	if final && decision != DecisionStart {
		decision = DecisionPromote
	}
	w := e.stepWeights(r.Target)
	msg := fmt.Sprintf("rollout %s: step %d/%d, %s", r.ID, r.Target, e.steps(), e.describeStep(r.Target))
	if final {
		msg = fmt.Sprintf("rollout %s: promote %s to 100%%", r.ID, e.p.Spec.CanarySubset)
	}
	return e.push(ctx, r, r.Target, action, w, e.stepRouting(r.Target), msg, decision, reason, WaitingSync)
}

// rollback (RollingBack) commits stable 100 with the reason, with the same
// push safety as a step. The rollback commit is idempotent like a step.
func (e *Engine) rollback(ctx context.Context, r *Run) (Outcome, error) {
	st, ok, err := e.alreadyPushed(ctx, r, func(st State) bool { return st.Action == ActionRollback })
	if err != nil {
		return Outcome{}, err
	}
	if ok {
		r.StepSHA, r.Expected, r.Routing, r.PushedAt, r.syncFrom = st.StepSHA, st.Weights, st.Routing, st.StepTime, e.d.Clock.Now()
		return Outcome{Next: VerifyingRollback, Reason: "rollback is already in Git as " + short(st.StepSHA)}, nil
	}
	if o, stop := e.foreignChange(ctx, r, st); stop {
		return o, nil
	}
	decision := r.Decision
	if decision != DecisionAbort {
		decision = DecisionRollback
	}
	reason := r.Reason
	if r.Cause != nil {
		reason = r.Cause.Error()
	}
	msg := fmt.Sprintf("rollout %s: roll back to %s 100%%", r.ID, e.p.Spec.StableSubset)
	return e.push(ctx, r, r.Step, ActionRollback, e.stableWeights(), mesh.CanaryRouting{}, msg, decision, reason, VerifyingRollback)
}

// alreadyPushed reports whether history holds this rollout's latest weight
// commit matching want (and newer than what the run knows).
func (e *Engine) alreadyPushed(ctx context.Context, r *Run, want func(State) bool) (State, bool, error) {
	if r.ID == "" {
		return State{}, false, nil
	}
	commits, err := e.d.History.Log(ctx, e.o.HistoryDepth)
	if err != nil {
		return State{}, false, fmt.Errorf("reading history before committing: %w", err)
	}
	st, err := Derive(commits, e.vs, r.ID)
	if err != nil || !st.Found || st.StepSHA == r.StepSHA {
		return st, false, err
	}
	return st, want(st), nil
}

// push commits weights (and, for a policy with header or mirror steps, the
// routing: what the step does not set is removed) through the Shifter and
// classifies its failures: a conflict on the weights aborts (a person's
// change wins), exhausted pushes stop with the remote unchanged.
func (e *Engine) push(ctx context.Context, r *Run, step int, action string, w map[string]int32, routing mesh.CanaryRouting, msg string, decision Decision, reason string, next Phase) (Outcome, error) {
	trailers := []Trailer{
		{TrailerAction, action},
		{TrailerRollout, r.ID},
		{TrailerVirtualService, e.vs},
		{TrailerStep, formatStep(step, e.steps())},
		{TrailerWeights, FormatWeights(w)},
		{TrailerDecision, string(decision)},
	}
	req := ShiftRequest{Weights: w, Expect: r.Expected, Message: msg}
	if e.routed {
		trailers = append(trailers, routingTrailers(routing)...)
		req.Routing = &routing
		if r.Expected != nil {
			had := r.Routing
			req.ExpectRouting = &had
		}
	}
	if reason != "" {
		trailers = append(trailers, Trailer{TrailerReason, oneLine(reason)})
	}
	if e.o.Trigger != "" && decision == DecisionStart && action != ActionRollback {
		trailers = append(trailers, Trailer{TrailerTrigger, oneLine(e.o.Trigger)})
	}
	req.Trailers = trailers
	res, err := e.d.Shifter.Shift(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		if errors.Is(err, ErrConflict) {
			cause := &ForeignChangeError{Want: r.Expected, Err: err}
			return Outcome{Next: Aborted, Decision: DecisionAbort, Cause: cause, Reason: cause.Error()}, nil
		}
		if o, retry := e.retryPush(r, action, err); retry {
			return o, nil
		}
		cause := &PushError{Action: action, Err: err}
		if !r.pushFailedSince.IsZero() {
			cause.For = e.d.Clock.Now().Sub(r.pushFailedSince)
		}
		return Outcome{Next: Failed, Decision: DecisionStop, Cause: cause, Reason: cause.Error()}, nil
	}
	r.pushFailedSince, r.pushRetries = time.Time{}, 0
	e.refreshAtPush(ctx, res.SHA)
	r.Step, r.StepSHA, r.PushedAt, r.Expected, r.Routing, r.checkedHead = step, res.SHA, res.PushedAt, w, routing, res.SHA
	r.liveTries = 0
	entry := &TimelineEntry{Time: res.PushedAt, SHA: res.SHA, Action: action, Step: formatStep(step, e.steps()),
		Weights: w, Header: routing.Header, Mirror: routing.Mirror, Decision: decision, Reason: oneLine(reason)}
	return Outcome{Next: next, Commit: entry, Note: "waiting for Argo CD to sync " + short(res.SHA)}, nil
}

// pushRetryFor is how long a step or rollback commit is retried when the
// branch kept moving past shift's own attempts (others pushing: many
// rollouts on one branch) or the remote could not be reached. Each retry
// runs the phase again from the remote's head, and the phase first looks
// for its commit in Git, so a push that landed unseen is not repeated.
const pushRetryFor = 2 * time.Minute

// retryPush says whether a failed push is worth another try, and when:
// after 5 s, doubling to 30 s, until pushRetryFor has passed since the
// first failure.
func (e *Engine) retryPush(r *Run, action string, err error) (Outcome, bool) {
	if !errors.Is(err, ErrPushExhausted) && !errors.Is(err, ErrUnavailable) {
		return Outcome{}, false
	}
	now := e.d.Clock.Now()
	if r.pushFailedSince.IsZero() {
		r.pushFailedSince, r.pushRetries = now, 0
	}
	if now.Sub(r.pushFailedSince) >= pushRetryFor {
		return Outcome{}, false
	}
	wait := 30 * time.Second
	if r.pushRetries < 3 {
		wait = 5 * time.Second << r.pushRetries
	}
	r.pushRetries++
	e.log.Warn("push failed; retrying", "action", action, "in", wait, "err", err)
	return Outcome{Next: r.Phase, After: wait,
		Note: fmt.Sprintf("pushing the %s commit failed (%v); retrying in %s", action, err, wait)}, true
}

// hook calls a webhook; nil Hooks or no URL means nothing to call.
func (e *Engine) hook(ctx context.Context, r *Run, point HookPoint, step int) error {
	if e.d.Hooks == nil {
		return nil
	}
	ev := Event{Time: e.d.Clock.Now(), Rollout: r.ID, Phase: r.Phase, Step: step, Steps: e.steps(), Weights: r.Expected, SHA: r.StepSHA, Decision: r.Decision, Reason: r.Reason}
	if err := e.d.Hooks.Call(ctx, point, ev); err != nil {
		return &HookError{Point: point, Err: err}
	}
	return nil
}

// refreshAtPush asks Argo CD to read Git as soon as the commit is pushed
// (SyncRefresher), rather than when the next step starts waiting.
func (e *Engine) refreshAtPush(ctx context.Context, sha string) {
	rf, ok := e.d.Sync.(SyncRefresher)
	if !ok {
		return
	}
	if err := rf.Refresh(ctx, sha); err != nil {
		e.log.Warn("refreshing the Application after the push; the sync wait tries again", "sha", short(sha), "err", err)
	}
}
