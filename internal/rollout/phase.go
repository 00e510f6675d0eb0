// Package rollout runs a progressive canary through Git: every traffic step
// and every rollback is a commit, Argo CD applies it, and the canary is
// judged against the baseline before the next step.
//
// The engine is an explicit state machine: a table (table.go) maps each
// Phase to one step function and the phases it may lead to. Step functions
// return an Outcome; Engine.record is the one place that turns outcomes into
// status, events and the timeline. All state that must survive a crash lives
// in Git, in the trailers of gitshift's commits (trailers.go), and is rebuilt
// by Derive (derive.go). Dependencies are small interfaces declared here
// (deps.go) and adapted from the shift, argocd, kube, metrics and judge
// packages by the CLI.
package rollout

import "fmt"

// Phase is where a rollout is. The zero value is Idle.
type Phase int

const (
	// Idle: take the lease, rebuild state from Git history, pick where to go.
	Idle Phase = iota
	// Shifting: commit and push the current step's weights.
	Shifting
	// WaitingSync: refresh the Application and wait until Argo CD has synced
	// the step's commit.
	WaitingSync
	// VerifyingLive: the live VirtualService weights equal Git's.
	VerifyingLive
	// Analysing: look at the metrics every interval and judge the canary.
	Analysing
	// AwaitingGate: the step passed; a person must let it advance (resume).
	AwaitingGate
	// Advancing: call the afterStep hook and pick the next step.
	Advancing
	// RollingBack: commit and push stable 100 with the reason.
	RollingBack
	// VerifyingRollback: Argo CD synced the rollback and live weights match.
	VerifyingRollback
	// Paused: wait for a resume, promote or abort signal commit.
	Paused
	// Promoted (terminal): the canary serves 100%, verified live.
	Promoted
	// RolledBack (terminal): the stable subset serves 100%, verified live.
	RolledBack
	// Aborted (terminal): stopped without a commit because continuing would
	// overwrite a person's change (a foreign commit changed the weights).
	Aborted
	// Failed (terminal): stopped because gitshift could not go on safely
	// (push failures, drift, lease lost, rollback not applied); see the cause.
	Failed
)

var phaseNames = [...]string{
	Idle: "Idle", Shifting: "Shifting", WaitingSync: "WaitingSync", VerifyingLive: "VerifyingLive",
	Analysing: "Analysing", AwaitingGate: "AwaitingGate", Advancing: "Advancing", RollingBack: "RollingBack",
	VerifyingRollback: "VerifyingRollback", Paused: "Paused", Promoted: "Promoted", RolledBack: "RolledBack",
	Aborted: "Aborted", Failed: "Failed",
}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "Unknown"
}

// MarshalText writes the phase name in JSON/YAML.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Terminal reports whether the engine stops in p.
func (p Phase) Terminal() bool {
	return p == Promoted || p == RolledBack || p == Aborted || p == Failed
}

// UnmarshalText reads a phase name, so JSON event streams decode back.
func (p *Phase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if n == string(b) {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("unknown phase %q", b)
}
