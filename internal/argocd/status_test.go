package argocd

import (
	"testing"
	"time"
)

func TestLastSyncOf(t *testing.T) {
	start, end := time.Unix(100, 0), time.Unix(103, 500_000_000)
	op := func(phase, rev string, revs ...string) *OperationState {
		return &OperationState{Phase: phase, StartedAt: &start, FinishedAt: &end, SyncResult: &SyncResult{Revision: rev, Revisions: revs}}
	}
	tests := []struct {
		name string
		op   *OperationState
		ok   bool
	}{
		{"synced this revision", op(PhaseSucceeded, "abc"), true},
		{"multi-source", op(PhaseSucceeded, "", "x", "abc"), true},
		{"another revision", op(PhaseSucceeded, "def"), false},
		{"failed", op(PhaseFailed, "abc"), false},
		{"running", &OperationState{Phase: PhaseRunning, StartedAt: &start, SyncResult: &SyncResult{Revision: "abc"}}, false},
		{"no operation", nil, false},
	}
	for _, tt := range tests {
		var a AppStatus
		a.Status.OperationState = tt.op
		got, ok := a.LastSyncOf("abc")
		if ok != tt.ok || (ok && got.Apply() != 3500*time.Millisecond) {
			t.Errorf("%s: %+v, %v; want ok=%v and 3.5s", tt.name, got, ok, tt.ok)
		}
	}
}
