package rollout

import (
	"context"
	"fmt"
	"time"
)

// ControlPlane reports whether the mesh's control plane (istiod) applied
// the live VirtualService: it holds the resourceVersion the API server has
// and every proxy connected to it acknowledged the push. Optional
// (Deps.ControlPlane): without it "live" is the API server's copy.
type ControlPlane interface {
	Applied(ctx context.Context) (ControlPlaneStatus, error)
}

// ControlPlaneStatus is one answer of the control plane, and, once
// applied, how long after the step's push that was.
type ControlPlaneStatus struct {
	Applied         bool   `json:"applied"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	Proxies         int    `json:"proxies"`
	Acked           int    `json:"acked"`
	// Summary is the control plane's own line (what is pending, or who
	// acknowledged which push).
	Summary string `json:"summary"`
	// SincePush is commit push → applied by the control plane (or → the
	// wait's end when not applied).
	SincePush time.Duration `json:"sincePushNanos,omitempty"`
}

// DefaultControlPlaneWait bounds the wait for the control plane after the
// API server holds a step: istiod pushes at most PILOT_DEBOUNCE_MAX (10 s
// by default) after a change, and its proxies ACK within a second.
const DefaultControlPlaneWait = 30 * time.Second

// controlPlanePoll is how often the control plane is asked while waiting.
const controlPlanePoll = 100 * time.Millisecond

// waitControlPlane waits, when a control plane is known, until it reports
// the step's VirtualService applied, at most ControlPlaneWait counted from
// when the API server first held the step (Run.cpFrom). With
// Options.MaxBlock one call waits at most that long: pending then says the
// wait goes on in a later Step (the controller requeues instead of parking
// a worker for 30 s). It never fails the step: the API server already
// holds the weights, so an unreachable or slow istiod is a warning and the
// rollout goes on with the API server's word, as without istiod.
func (e *Engine) waitControlPlane(ctx context.Context, r *Run) (st *ControlPlaneStatus, pending bool, err error) {
	if e.d.ControlPlane == nil {
		return nil, false, nil
	}
	now := e.d.Clock.Now()
	if !r.cpWaiting() {
		r.cpSHA, r.cpFrom = r.StepSHA, now
	}
	// Past the bound the control plane is still asked once: an answer
	// that arrived between two slices counts.
	left := max(r.cpFrom.Add(e.o.ControlPlaneWait).Sub(now), 0)
	within := left
	sliced := e.o.MaxBlock > 0 && e.o.MaxBlock < left
	if sliced {
		within = e.o.MaxBlock
	}
	// Real time: the wait sleeps in real time, whatever clock the engine has.
	deadline := time.Now().Add(within)
	if r.cpFrom.Equal(now) {
		e.log.Info("waiting for the control plane to apply the step", "sha", short(r.StepSHA), "within", e.o.ControlPlaneWait)
	}
	for {
		// A hung istiod must not hold the slice past its end (1 s floor:
		// the last question past the bound still gets an answer).
		qctx, cancel := context.WithTimeout(ctx, max(time.Until(deadline), time.Second))
		got, err := e.d.ControlPlane.Applied(qctx)
		cancel()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		got.SincePush = e.d.Clock.Now().Sub(r.PushedAt)
		if err == nil && got.Applied {
			r.cpDone()
			return &got, false, nil
		}
		if err == nil && got.Summary != r.cpLast {
			e.log.Info("control plane", "sha", short(r.StepSHA), "status", got.Summary)
			r.cpLast = got.Summary
		}
		if !time.Now().Add(controlPlanePoll).Before(deadline) {
			if sliced {
				return &got, true, nil
			}
			r.cpDone()
			if err != nil {
				return &got, false, fmt.Errorf("asking the control plane: %w", err)
			}
			return &got, false, fmt.Errorf("the control plane did not report commit %s applied within %s: %s", short(r.StepSHA), e.o.ControlPlaneWait, got.Summary)
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(controlPlanePoll):
		}
	}
}

// controlPlanePending is the outcome of a Step whose control-plane wait
// goes on in the next one: same phase, asked again after one poll (the
// slice already waited MaxBlock).
func (e *Engine) controlPlanePending(r *Run, phase Phase, st *ControlPlaneStatus) Outcome {
	note := "waiting for the control plane to apply " + short(r.StepSHA)
	if st != nil && st.Summary != "" {
		note += ": " + st.Summary
	}
	return Outcome{Next: phase, After: controlPlanePoll, Note: note}
}

// cpWaiting: a control-plane wait for the step's commit is under way (its
// API-server check passed in an earlier Step).
func (r *Run) cpWaiting() bool { return r.cpSHA == r.StepSHA && !r.cpFrom.IsZero() }

// cpDone ends the step's control-plane wait (applied, or given up on).
func (r *Run) cpDone() { r.cpSHA, r.cpFrom, r.cpLast = "", time.Time{}, "" }
