package rollout

import "testing"

// assertNoDuplicateSteps: every weight commit of a rollout is unique.
func assertNoDuplicateSteps(t *testing.T, w *world) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range w.git.commits {
		a := c.Trailers[TrailerAction]
		if a == "" || a == ActionControl {
			continue
		}
		k := c.Trailers[TrailerRollout] + " " + a + " " + c.Trailers[TrailerStep]
		if seen[k] {
			t.Errorf("duplicate commit %s", k)
		}
		seen[k] = true
	}
}

// assertEventsConsistent: phase events chain, each allowed by the table,
// and the run ends with exactly one done event.
func assertEventsConsistent(t *testing.T, w *world, res *Result) {
	t.Helper()
	prev, done := Idle, 0
	for _, ev := range w.events {
		switch ev.Type {
		case EventPhase:
			if *ev.From != prev {
				t.Errorf("phase event from %s, previous phase %s", *ev.From, prev)
			}
			if !table[prev].allows(ev.Phase) {
				t.Errorf("recorded transition %s → %s not in table", prev, ev.Phase)
			}
			prev = ev.Phase
		case EventDone:
			done++
		}
	}
	if prev != res.Phase || done != 1 {
		t.Errorf("last phase event %s, result %s, %d done events", prev, res.Phase, done)
	}
}

func TestPhaseText(t *testing.T) {
	for p := Idle; p <= Failed; p++ {
		b, _ := p.MarshalText()
		var q Phase
		if err := q.UnmarshalText(b); err != nil || q != p {
			t.Errorf("%s: %v %s", p, err, q)
		}
	}
}
