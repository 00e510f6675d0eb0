package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// waitSync (WaitingSync) refreshes the Application and waits until Argo CD
// has synced the step's commit. The timeout counts from the push, or from
// this runner's start when it resumed later (a dead runner set no refresh).
func (e *Engine) waitSync(ctx context.Context, r *Run) (Outcome, error) {
	pending, err := e.syncWithin(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		return e.failurePolicy(r, err), nil
	}
	if pending {
		return Outcome{Next: WaitingSync, After: e.o.PollAfter, Note: "waiting for Argo CD to sync " + short(r.StepSHA)}, nil
	}
	return Outcome{Next: VerifyingLive, Note: "checking the live VirtualService"}, nil
}

// syncWithin waits until Argo CD synced the step's commit, at most until
// the sync timeout. With Options.MaxBlock it waits at most that long in
// one call: pending then says the wait goes on in a later step.
func (e *Engine) syncWithin(ctx context.Context, r *Run) (pending bool, err error) {
	timeout := e.p.Spec.SyncTimeout.Duration
	from := r.PushedAt
	if from.Before(r.syncFrom) {
		from = r.syncFrom
	}
	left := from.Add(timeout).Sub(e.d.Clock.Now())
	if left <= 0 {
		return false, &SyncTimeoutError{SHA: r.StepSHA, Timeout: timeout, Err: context.DeadlineExceeded}
	}
	sliced := e.o.MaxBlock > 0 && e.o.MaxBlock < left
	if sliced {
		left = e.o.MaxBlock
	}
	sctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	if err := e.d.Sync.WaitSynced(sctx, r.StepSHA, r.PushedAt); err != nil {
		if sliced && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
			return true, nil
		}
		return false, &SyncTimeoutError{SHA: r.StepSHA, Timeout: timeout, Err: err}
	}
	return false, nil
}

// verifyLive (VerifyingLive) compares the live weights with the commit's.
// Argo CD reports Synced once applied, so a difference that outlasts a few
// retries is drift (a live edit, another controller) and stops the rollout:
// advancing on a cluster that does not run what Git says proves nothing.
func (e *Engine) verifyLive(ctx context.Context, r *Run) (Outcome, error) {
	drift, waited, err := e.checkLive(ctx, r)
	if err == nil && drift == nil {
		r.liveTries = 0
		cp, pending, cpErr := e.waitControlPlane(ctx, r)
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		if pending {
			return e.controlPlanePending(r, VerifyingLive, cp), nil
		}
		if e.step(r.Step).Weight == 100 {
			return Outcome{Next: Promoted, Decision: DecisionPromote, ControlPlane: cp, ControlPlaneErr: cpErr,
				Reason: fmt.Sprintf("%s serves 100%% (commit %s synced and live)", e.p.Spec.CanarySubset, short(r.StepSHA))}, nil
		}
		r.resetAnalysis()
		r.analysisStart = e.d.Clock.Now()
		if err := e.beginStep(r.analysisStart, r.Step); err != nil {
			return Outcome{}, fmt.Errorf("starting the judge for step %d: %w", r.Step, err)
		}
		// The first look comes one interval later: a window needs traffic.
		return Outcome{Next: Analysing, After: e.p.Spec.Analysis.Interval.Duration, Note: "analysing step " + formatStep(r.Step, e.steps()),
			ControlPlane: cp, ControlPlaneErr: cpErr}, nil
	}
	if ctx.Err() != nil {
		return Outcome{}, ctx.Err()
	}
	r.liveTries++
	if r.liveTries < e.o.LiveTries {
		return Outcome{Next: VerifyingLive, After: e.liveRetryAfter(waited, err)}, nil
	}
	r.liveTries = 0
	if err != nil {
		return Outcome{}, fmt.Errorf("reading the live VirtualService weights: %w", err)
	}
	return Outcome{Next: Failed, Decision: DecisionStop, Cause: drift, Reason: drift.Error()}, nil
}

// verifyRollback (VerifyingRollback) waits until the rollback commit is
// synced and live. If Argo CD does not apply it, gitshift has nothing left to
// try without writing the cluster itself, so it stops and says so loudly.
func (e *Engine) verifyRollback(ctx context.Context, r *Run) (Outcome, error) {
	// A control-plane wait that goes on follows a sync already seen.
	if r.liveTries == 0 && !r.cpWaiting() {
		pending, err := e.syncWithin(ctx, r)
		if err != nil {
			if ctx.Err() != nil {
				return Outcome{}, ctx.Err()
			}
			cause := fmt.Errorf("the rollback commit %s is in Git but not applied: %w", short(r.StepSHA), err)
			return Outcome{Next: Failed, Decision: DecisionStop, Cause: cause, Reason: cause.Error()}, nil
		}
		if pending {
			return Outcome{Next: VerifyingRollback, After: e.o.PollAfter, Note: "waiting for Argo CD to sync the rollback " + short(r.StepSHA)}, nil
		}
	}
	drift, waited, err := e.checkLive(ctx, r)
	if err == nil && drift == nil {
		cp, pending, cpErr := e.waitControlPlane(ctx, r)
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		if pending {
			return e.controlPlanePending(r, VerifyingRollback, cp), nil
		}
		reason := fmt.Sprintf("%s serves 100%% (rollback %s synced and live)", e.p.Spec.StableSubset, short(r.StepSHA))
		if herr := e.hook(ctx, r, HookOnRollback, r.Step); herr != nil {
			e.log.Warn("onRollback webhook", "err", herr) // best effort: the rollback itself is done
		}
		return Outcome{Next: RolledBack, Reason: reason, ControlPlane: cp, ControlPlaneErr: cpErr}, nil
	}
	if ctx.Err() != nil {
		return Outcome{}, ctx.Err()
	}
	r.liveTries++
	if r.liveTries < e.o.LiveTries {
		return Outcome{Next: VerifyingRollback, After: e.liveRetryAfter(waited, err)}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("reading the live VirtualService weights after the rollback: %w", err)
	}
	return Outcome{Next: Failed, Decision: DecisionStop, Cause: drift, Reason: drift.Error()}, nil
}

// liveRouting compares the live weights and, for a policy with header or
// mirror steps, the live header route and mirror with the commit's; nil
// when they agree. An error reading the routing counts as a difference
// (retried like one, then reported).
func (e *Engine) liveRouting(ctx context.Context, r *Run, got map[string]int32) error {
	if !EqualWeights(got, r.Expected) {
		return &DriftError{Want: r.Expected, Got: got}
	}
	if !e.routed {
		return nil
	}
	rt, err := e.d.Live.(RoutingSource).Routing(ctx)
	if err != nil {
		return fmt.Errorf("reading the live header route and mirror: %w", err)
	}
	if !sameRouting(rt, r.Routing, e.p.Spec.CanarySubset) {
		return &RoutingDriftError{Want: r.Routing, Got: rt}
	}
	return nil
}

// checkLive reads the live weights (readLive) and compares them and the
// routing with the commit's (liveRouting): drift is nil when they agree, err
// a failed read. waited is readLive's, except after a routing-only
// difference: the watch waited for the weights alone, so the routing is
// retried after LiveRetry.
func (e *Engine) checkLive(ctx context.Context, r *Run) (drift error, waited bool, err error) {
	got, waited, err := e.readLive(ctx, r.Expected)
	if err != nil {
		return nil, waited, err
	}
	drift = e.liveRouting(ctx, r, got)
	if _, weights := drift.(*DriftError); drift != nil && !weights {
		waited = false
	}
	return drift, waited, nil
}

// readLive reads the live weights. With a LiveWaiter it waits up to
// LiveRetry (at most MaxBlock) for them to equal want, watching: a lagging
// apply then costs its own latency, not a poll interval. waited says the
// retry interval has been spent already.
func (e *Engine) readLive(ctx context.Context, want map[string]int32) (got map[string]int32, waited bool, err error) {
	lw, ok := e.d.Live.(LiveWaiter)
	if !ok {
		got, err = e.d.Live.Weights(ctx)
		return got, false, err
	}
	within := e.o.LiveRetry
	if e.o.MaxBlock > 0 && e.o.MaxBlock < within {
		within = e.o.MaxBlock
	}
	got, err = lw.WaitWeights(ctx, want, within)
	return got, true, err
}

// liveRetryAfter is the delay before the next live check: none after a
// wait that used the interval already, LiveRetry after a plain read or an
// error (so an unreachable cluster is not hammered).
func (e *Engine) liveRetryAfter(waited bool, err error) time.Duration {
	if waited && err == nil {
		return 0
	}
	return e.o.LiveRetry
}
