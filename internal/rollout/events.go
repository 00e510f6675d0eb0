package rollout

import (
	"context"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// EventType classifies events for sinks (the terminal view redraws on
// Analysis, Kubernetes Events are made for Decision and Commit, ...).
type EventType string

const (
	EventPhase    EventType = "phase"    // the engine entered a phase
	EventCommit   EventType = "commit"   // a commit was pushed
	EventAnalysis EventType = "analysis" // one look at the metrics
	EventDecision EventType = "decision" // advance, rollback, pause, ...
	EventWarning  EventType = "warning"  // something to know that does not stop the rollout
	// EventControlPlane: the control plane (istiod) applied the step's
	// VirtualService; Event.ControlPlane says when and who acknowledged.
	EventControlPlane EventType = "control-plane"
	EventDone         EventType = "done" // the engine stopped in a terminal phase
)

// Event is one record of what the engine did; sinks render it (one JSON
// object per line for -o json).
type Event struct {
	Time    time.Time        `json:"time"`
	Rollout string           `json:"rollout"`
	Type    EventType        `json:"type"`
	Phase   Phase            `json:"phase"`
	From    *Phase           `json:"from,omitempty"`
	Step    int              `json:"step,omitempty"`
	Steps   int              `json:"steps"`
	Weights map[string]int32 `json:"weights,omitempty"`
	// StepKind is what Step changes (weight, headerRoute, mirror): a header
	// or mirror step has the stable weights, so its weights alone look
	// like a rollback.
	StepKind policy.StepKind `json:"stepKind,omitempty"`
	// Action (commit events) is the commit's Gitshift-Action: rollout-step,
	// promote or rollback; Routing the header route and mirror it set.
	Action   string              `json:"action,omitempty"`
	Routing  *mesh.CanaryRouting `json:"routing,omitempty"`
	SHA      string              `json:"sha,omitempty"`
	Decision Decision            `json:"decision,omitempty"`
	Reason   string              `json:"reason,omitempty"`
	// InStep is the time since the step's analysis started.
	InStep   time.Duration `json:"inStepNanos,omitempty"`
	Analysis *Analysis     `json:"analysis,omitempty"`
	// ControlPlane (control-plane events): istiod's answer for the step.
	ControlPlane *ControlPlaneStatus `json:"controlPlane,omitempty"`
	// Next says what the engine will do next, for the live view.
	Next string `json:"next,omitempty"`
	// Error is the typed cause, rendered, for failures.
	Error string `json:"error,omitempty"`
}

// Sinks fans an event out to several sinks.
type Sinks []EventSink

// Emit sends ev to every sink.
func (s Sinks) Emit(ctx context.Context, ev Event) {
	for _, k := range s {
		if k != nil {
			k.Emit(ctx, ev)
		}
	}
}

// SinkFunc adapts a function to EventSink.
type SinkFunc func(ctx context.Context, ev Event)

// Emit calls f.
func (f SinkFunc) Emit(ctx context.Context, ev Event) { f(ctx, ev) }
