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
// the step's VirtualService applied, at most ControlPlaneWait (and
// MaxBlock). It never fails the step: the API server already holds the
// weights, so an unreachable or slow istiod is a warning and the rollout
// goes on with the API server's word, as without istiod.
func (e *Engine) waitControlPlane(ctx context.Context, r *Run) (*ControlPlaneStatus, error) {
	if e.d.ControlPlane == nil {
		return nil, nil
	}
	within := e.o.ControlPlaneWait
	if e.o.MaxBlock > 0 && e.o.MaxBlock < within {
		within = e.o.MaxBlock
	}
	// Real time: the wait sleeps in real time, whatever clock the engine has.
	deadline := time.Now().Add(within)
	e.log.Info("waiting for the control plane to apply the step", "sha", short(r.StepSHA), "within", within)
	var last string
	for {
		st, err := e.d.ControlPlane.Applied(ctx)
		st.SincePush = e.d.Clock.Now().Sub(r.PushedAt)
		if err == nil && st.Applied {
			return &st, nil
		}
		if err == nil && st.Summary != last {
			e.log.Info("control plane", "sha", short(r.StepSHA), "status", st.Summary)
			last = st.Summary
		}
		if !time.Now().Add(controlPlanePoll).Before(deadline) {
			if err != nil {
				return &st, fmt.Errorf("asking the control plane: %w", err)
			}
			return &st, fmt.Errorf("the control plane did not report commit %s applied within %s: %s", short(r.StepSHA), within, st.Summary)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(controlPlanePoll):
		}
	}
}
