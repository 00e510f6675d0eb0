package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeControlPlane answers pending `pending` times after each applied
// answer (a push on its way), then applied; never applied when never.
type fakeControlPlane struct {
	pending, calls, since int
	never                 bool
	err                   error
	// clock advances 50 ms per question (istiod's answer takes time).
	clock *fakeClock
}

func (f *fakeControlPlane) Applied(context.Context) (ControlPlaneStatus, error) {
	f.calls++
	if f.clock != nil {
		f.clock.now = f.clock.now.Add(50 * time.Millisecond)
	}
	if f.err != nil {
		return ControlPlaneStatus{}, f.err
	}
	if f.never || f.since < f.pending {
		f.since++
		return ControlPlaneStatus{Proxies: 2, Acked: 1, Summary: "pending: proxy a: RDS push not acknowledged"}, nil
	}
	f.since = 0
	return ControlPlaneStatus{Applied: true, ResourceVersion: "42", Proxies: 2, Acked: 2, Summary: "2/2 proxies acknowledged"}, nil
}

func TestControlPlaneWait(t *testing.T) {
	tests := []struct {
		name string
		cp   *fakeControlPlane
		// applied: a control-plane event per live commit; warned: a
		// warning per live commit containing this.
		applied bool
		warned  string
	}{
		{name: "applied after two pending answers, each step", cp: &fakeControlPlane{pending: 2}, applied: true},
		{name: "never applied: a warning per step, the rollout goes on", cp: &fakeControlPlane{never: true}, warned: "did not report commit"},
		{name: "unreachable: a warning per step, the rollout goes on",
			cp: &fakeControlPlane{err: errors.New("istiod /debug/syncz: connection refused")}, warned: "asking the control plane: istiod"},
		{name: "no control plane: the API server's word, no events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.cp != nil {
				tt.cp.clock = w.clock
				w.cp = tt.cp
			}
			res, err := w.run(Options{ControlPlaneWait: 300 * time.Millisecond})
			if err != nil || res.Phase != Promoted {
				t.Fatalf("phase %s, err %v; want promoted either way", res.Phase, err)
			}
			var commits, applied, warned int
			for _, ev := range w.events {
				switch {
				case ev.Type == EventCommit:
					commits++
				case ev.Type == EventControlPlane:
					applied++
					if ev.ControlPlane == nil || !ev.ControlPlane.Applied || ev.ControlPlane.ResourceVersion != "42" || ev.Reason != "2/2 proxies acknowledged" {
						t.Errorf("control-plane event %+v", ev)
					}
				case ev.Type == EventWarning && tt.warned != "" && strings.Contains(ev.Error, tt.warned):
					warned++
				}
			}
			wantApplied, wantWarned := 0, 0
			if tt.applied {
				wantApplied = commits
			}
			if tt.warned != "" {
				wantWarned = commits
			}
			if commits == 0 || applied != wantApplied || warned != wantWarned {
				t.Errorf("%d commits, %d control-plane events (want %d), %d warnings (want %d)", commits, applied, wantApplied, warned, wantWarned)
			}
			if tt.cp != nil && tt.applied && tt.cp.calls != 3*commits {
				t.Errorf("control plane asked %d times, want %d (it waits through pending answers)", tt.cp.calls, 3*commits)
			}
			// The step's evidence: push → applied by the control plane.
			for _, s := range StepSummaries(w.events, "v3", res.Finished, res.Phase) {
				if tt.applied && s.Applied < 150*time.Millisecond || !tt.applied && s.Applied != 0 {
					t.Errorf("step %d: applied %v after the push", s.Step, s.Applied)
				}
			}
		})
	}
}
