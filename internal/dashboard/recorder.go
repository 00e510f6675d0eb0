package dashboard

import (
	"context"
	"slices"
	"sync"

	"github.com/gitshift/gitshift/internal/rollout"
)

// Recorder keeps the engine's recent events per rollout, so a process that
// runs rollouts (the controller) can show the exact push→live times and
// the judge's reports next to what Git says. Add it to the engine's sinks.
type Recorder struct {
	// PerRollout bounds the events kept per rollout (default 2000, the
	// oldest analysis events go first), Rollouts the rollouts kept
	// (default 50, the least recently updated go first).
	PerRollout, Rollouts int

	mu    sync.Mutex
	byID  map[string][]rollout.Event
	order []string // least recently updated first
}

var _ rollout.EventSink = (*Recorder)(nil)

// Emit records ev.
func (r *Recorder) Emit(_ context.Context, ev rollout.Event) {
	if ev.Rollout == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string][]rollout.Event{}
	}
	evs := append(r.byID[ev.Rollout], ev)
	if max := orDefault(r.PerRollout, 2000); len(evs) > max {
		// Drop the oldest analysis look: commits, phases and decisions
		// make the timeline and stay.
		if i := slices.IndexFunc(evs, func(e rollout.Event) bool { return e.Type == rollout.EventAnalysis }); i >= 0 {
			evs = slices.Delete(evs, i, i+1)
		} else {
			evs = evs[1:]
		}
	}
	r.byID[ev.Rollout] = evs
	if i := slices.Index(r.order, ev.Rollout); i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
	}
	r.order = append(r.order, ev.Rollout)
	for len(r.order) > orDefault(r.Rollouts, 50) {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
}

// Events returns a copy of rollout id's events, oldest first.
func (r *Recorder) Events(id string) []rollout.Event {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.byID[id])
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
