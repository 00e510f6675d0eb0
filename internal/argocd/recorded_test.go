package argocd

import (
	"slices"
	"testing"
	"time"
)

// TestAssessRecorded runs Assess on Applications recorded from the lab's
// real Argo CD 2.14.21, with the SHA and push time of the recording.
func TestAssessRecorded(t *testing.T) {
	const (
		docsCommit   = "ff199971b9d53dba1b68c6e75eb7fc52fc3af16d"
		newAppCommit = "e5a9c17be0704ee1b5da5da46380ea7599da8724"
		brokenCommit = "2e3b8b335008ca6418c25f47b9238ef23cfcd43c"
	)
	pushed := time.Date(2026, 11, 26, 17, 15, 1, 0, time.UTC)
	tests := []struct {
		file     string
		sha      string
		pushedAt time.Time
		want     []Reason
	}{
		{"lab-all-good-no-sync-needed.yaml", docsCommit, pushed, nil},
		{"lab-older-revision.yaml", docsCommit, pushed, []Reason{ReasonRevisionMismatch, ReasonNotReconciledSincePush}},
		{"lab-outofsync-drift.yaml", docsCommit, pushed, []Reason{ReasonOutOfSync}},
		{"lab-operation-running-missing.yaml", newAppCommit, time.Time{}, []Reason{ReasonOutOfSync, ReasonMissing, ReasonOperationRunning}},
		{"lab-operation-running-progressing.yaml", newAppCommit, time.Time{}, []Reason{ReasonOutOfSync, ReasonProgressing, ReasonOperationRunning}},
		{"lab-comparison-error.yaml", brokenCommit, time.Time{}, []Reason{ReasonRevisionMismatch, ReasonSyncUnknown, ReasonComparisonError}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := Assess(loadFixture(t, tt.file), tt.sha, tt.pushedAt)
			var got []Reason
			for _, f := range a.Findings {
				got = append(got, f.Reason)
			}
			if !slices.Equal(got, tt.want) || a.Live != (tt.want == nil) {
				t.Errorf("reasons = %v (live %v), want %v: %s", got, a.Live, tt.want, a.Summary())
			}
		})
	}
}
