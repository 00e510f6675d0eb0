//go:build e2e

package e2e_test

import (
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
)

// Helpers for "applied by the control plane" (issue 18) in rollout
// scenarios (the healthy and the faulty one use them):
//
//	code, evs, stderr := l.start(t, l.controlPlaneEnv(t))
//	l.checkControlPlane(t, evs)

// controlPlaneEnv makes `gitshift rollout` wait, per step, until istiod
// applied the step and its proxies acknowledged it (--istiod-debug via
// $GITSHIFT_ISTIOD_DEBUG_URL). A lab without istiod gives none.
func (l *labEnv) controlPlaneEnv(t *testing.T) []string {
	t.Helper()
	if l.st.Endpoints.IstiodDebug == "" {
		return nil
	}
	return []string{"GITSHIFT_ISTIOD_DEBUG_URL=" + l.st.Endpoints.IstiodDebug}
}

// checkControlPlane asserts that every commit that went live (a phase
// event after it: Analysing, Promoted or RolledBack) was applied by istiod
// before the rollout moved on: a control-plane event for its SHA, applied,
// with every connected proxy acknowledging, after the push. It logs push
// → applied by the control plane per commit. Without istiod in the lab
// there is nothing to check.
func (l *labEnv) checkControlPlane(t *testing.T, evs []rollout.Event) []time.Duration {
	t.Helper()
	if l.st.Endpoints.IstiodDebug == "" {
		t.Log("lab without istiod: no control-plane evidence to check")
		return nil
	}
	applied := map[string]*rollout.ControlPlaneStatus{}
	for _, ev := range evs {
		switch ev.Type {
		case rollout.EventControlPlane:
			applied[ev.SHA] = ev.ControlPlane
		case rollout.EventWarning:
			t.Logf("warning: %s", ev.Reason)
		}
	}
	var out []time.Duration
	live := map[string]bool{}
	for _, ev := range evs {
		if ev.Type == rollout.EventPhase && (ev.Phase == rollout.Analysing || ev.Phase == rollout.Promoted || ev.Phase == rollout.RolledBack) && ev.SHA != "" {
			live[ev.SHA] = true
		}
	}
	for _, ev := range evs {
		if ev.Type != rollout.EventCommit || !live[ev.SHA] {
			continue
		}
		cp := applied[ev.SHA]
		switch {
		case cp == nil:
			t.Errorf("commit %.10s (step %d) went live without istiod reporting it applied", ev.SHA, ev.Step)
		case !cp.Applied || cp.Proxies == 0 || cp.Acked != cp.Proxies || cp.SincePush <= 0:
			t.Errorf("commit %.10s (step %d): control plane %+v", ev.SHA, ev.Step, *cp)
		default:
			t.Logf("commit %.10s (step %d): push -> applied by istiod %v (resourceVersion %s, %d/%d proxies)",
				ev.SHA, ev.Step, cp.SincePush.Round(time.Millisecond), cp.ResourceVersion, cp.Acked, cp.Proxies)
			out = append(out, cp.SincePush)
		}
	}
	return out
}
