package rollout

import (
	"context"
	"testing"
)

// TestTable checks the state machine's shape: every non-terminal phase has a
// row, terminal phases have none, and every phase is reachable from Idle.
func TestTable(t *testing.T) {
	for p := Idle; p <= Failed; p++ {
		_, ok := table[p]
		if ok == p.Terminal() {
			t.Errorf("%s: has row %v, terminal %v", p, ok, p.Terminal())
		}
	}
	seen := map[Phase]bool{Idle: true}
	queue := []Phase{Idle}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, n := range table[p].next {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for p := Idle; p <= Failed; p++ {
		if !seen[p] {
			t.Errorf("%s is unreachable", p)
		}
	}
	if len(Transitions()) != len(table) {
		t.Error("Transitions() incomplete")
	}
}

// TestIllegalTransitionStops: a step asking for a phase its row does not
// allow ends the run in Failed with a TransitionError, without acting.
func TestIllegalTransitionStops(t *testing.T) {
	orig := table[WaitingSync]
	t.Cleanup(func() { table[WaitingSync] = orig })
	table[WaitingSync] = phaseDef{
		step: func(*Engine, context.Context, *Run) (Outcome, error) { return Outcome{Next: Promoted}, nil },
		next: orig.next,
	}
	w := newWorld(t)
	res, err := w.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Phase != Failed || !isErr[*TransitionError](res.Cause) {
		t.Fatalf("ended %s %v", res.Phase, res.Cause)
	}
}
