package argocd

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A busy branch moves on between a step's push and Argo CD's refresh:
// Argo CD then compares and syncs a later commit that still carries the
// step. That commit being live means the step is live.
func TestWaitForCommitInALaterRevision(t *testing.T) {
	const stepSHA = "1111111111111111111111111111111111111111" // an ancestor of headSHA
	tests := []struct {
		name     string
		contains func(rev string) bool
		wantLive bool
	}{
		{name: "Argo CD synced a descendant", contains: func(rev string) bool { return rev == headSHA }, wantLive: true},
		{name: "Argo CD synced another line", contains: func(string) bool { return false }},
		{name: "no ancestry check: the exact commit only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fakeReader(t, fixtureObject(t, "all-good.yaml")) // synced, healthy at headSHA
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			a, err := r.WaitForCommit(ctx, "argocd", "bookinfo", stepSHA, pushedAt, tt.contains, nil)
			if tt.wantLive {
				if err != nil || !a.Live {
					t.Fatalf("WaitForCommit = %s, %v; want live through %s", a.Summary(), err, short(headSHA))
				}
				if a.Want != stepSHA || len(a.Revisions) != 1 || a.Revisions[0] != headSHA {
					t.Errorf("assessment want %s revisions %v: want the step's commit, compared at %s", a.Want, a.Revisions, short(headSHA))
				}
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) || !a.Has(ReasonRevisionMismatch) {
				t.Errorf("WaitForCommit = %s, %v; want RevisionMismatch until the deadline", a.Summary(), err)
			}
		})
	}
}
