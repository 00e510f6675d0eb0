package rollout

import "context"

// stepFunc runs one phase once and says where to go next.
type stepFunc func(e *Engine, ctx context.Context, r *Run) (Outcome, error)

// phaseDef is a row of the transition table.
type phaseDef struct {
	step stepFunc
	next []Phase
}

func (d phaseDef) allows(p Phase) bool {
	for _, n := range d.next {
		if n == p {
			return true
		}
	}
	return false
}

// table is the state machine: each phase, its step function and every phase
// it may lead to. Engine.Run refuses (and stops safely on) any transition not
// listed here. A step function returning an error goes to Failed. Terminal
// phases have no row.
var table = map[Phase]phaseDef{
	Idle:              {(*Engine).resolve, []Phase{Shifting, WaitingSync, Advancing, RollingBack, VerifyingRollback, Paused, Aborted, Failed}},
	Shifting:          {(*Engine).shiftStep, []Phase{Shifting, WaitingSync, RollingBack, Paused, Aborted, Failed}},
	WaitingSync:       {(*Engine).waitSync, []Phase{WaitingSync, VerifyingLive, RollingBack, Paused, Failed}},
	VerifyingLive:     {(*Engine).verifyLive, []Phase{VerifyingLive, Analysing, Promoted, Failed}},
	Analysing:         {(*Engine).analyse, []Phase{Analysing, AwaitingGate, Advancing, RollingBack, Paused, Aborted, Failed}},
	AwaitingGate:      {(*Engine).awaitGate, []Phase{AwaitingGate, Advancing, RollingBack, Paused, Aborted, Failed}},
	Advancing:         {(*Engine).advance, []Phase{Shifting, RollingBack, Paused, Failed}},
	RollingBack:       {(*Engine).rollback, []Phase{RollingBack, VerifyingRollback, Aborted, Failed}},
	VerifyingRollback: {(*Engine).verifyRollback, []Phase{VerifyingRollback, RolledBack, Failed}},
	Paused:            {(*Engine).paused, []Phase{Paused, WaitingSync, Advancing, RollingBack, Aborted, Failed}},
}

// Transitions returns the table as data (phase → allowed next phases), for
// docs and tests.
func Transitions() map[Phase][]Phase {
	out := make(map[Phase][]Phase, len(table))
	for p, d := range table {
		out[p] = append([]Phase(nil), d.next...)
	}
	return out
}
