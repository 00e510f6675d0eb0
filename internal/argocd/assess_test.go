package argocd

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const (
	headSHA = "4b7e2d0c9a1f3e5b6d8c0a2e4f6b8d0c2e4a6b8d"
)

var pushedAt = time.Date(2025, 6, 2, 10, 0, 30, 600e6, time.UTC)

func loadFixture(t *testing.T, name string) AppStatus {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	app, err := Parse(j)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return app
}

func TestAssessFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []Reason // nil: live
	}{
		{"all-good.yaml", nil},
		{"all-good-no-sync-needed.yaml", nil},
		{"all-good-multisource.yaml", nil},
		{"all-good-destination-name.yaml", nil},
		{"stale-comparedto.yaml", []Reason{ReasonComparedToStale}},
		{"stale-comparedto-multisource.yaml", []Reason{ReasonComparedToStale}},
		{"stale-comparedto-destination.yaml", []Reason{ReasonComparedToStale}},
		{"operation-running.yaml", []Reason{ReasonOutOfSync, ReasonOperationRunning}},
		{"comparison-error.yaml", []Reason{ReasonSyncUnknown, ReasonComparisonError}},
		{"older-revision.yaml", []Reason{ReasonRevisionMismatch, ReasonNotReconciledSincePush}},
		{"older-revision-multisource.yaml", []Reason{ReasonRevisionMismatch}},
		{"outofsync.yaml", []Reason{ReasonOutOfSync}},
		{"degraded.yaml", []Reason{ReasonDegraded}},
		{"progressing.yaml", []Reason{ReasonProgressing}},
		{"missing.yaml", []Reason{ReasonOutOfSync, ReasonMissing}},
		{"not-reconciled-since-push.yaml", []Reason{ReasonNotReconciledSincePush}},
		{"health-stale.yaml", []Reason{ReasonHealthStale}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := Assess(loadFixture(t, tt.file), headSHA, pushedAt)
			var got []Reason
			for _, f := range a.Findings {
				got = append(got, f.Reason)
				if f.Message == "" {
					t.Errorf("finding %s has no message", f.Reason)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reasons = %v, want %v (%s)", got, tt.want, a.Summary())
			}
			if a.Live != (tt.want == nil) {
				t.Errorf("Live = %v", a.Live)
			}
		})
	}
}

func TestAssessReconciledSameSecondAsPush(t *testing.T) {
	app := loadFixture(t, "all-good.yaml")
	rec := time.Date(2025, 6, 2, 10, 0, 30, 0, time.UTC) // truncated by the API
	app.Status.ReconciledAt = &rec
	app.Status.OperationState.FinishedAt = &rec
	if a := Assess(app, headSHA, pushedAt); !a.Live {
		t.Fatalf("a reconcile in the push's second must count: %v", a.Findings)
	}
}

func TestAssessZeroPushedAtSkipsReconcileClause(t *testing.T) {
	app := loadFixture(t, "not-reconciled-since-push.yaml")
	if a := Assess(app, headSHA, time.Time{}); !a.Live {
		t.Fatalf("want live, got %v", a.Findings)
	}
}

func TestParseKeepsSpecForRendering(t *testing.T) {
	app := loadFixture(t, "all-good-multisource.yaml")
	if got := len(app.SpecSources()); got != 2 {
		t.Fatalf("SpecSources = %d, want 2", got)
	}
	if got := app.DestinationNamespace(); got != "bookinfo" {
		t.Errorf("DestinationNamespace = %q", got)
	}
	if !app.Automated() || app.SelfHeal() {
		t.Errorf("Automated/SelfHeal = %v/%v, want true/false", app.Automated(), app.SelfHeal())
	}
	if got := app.Revisions(); !slices.Equal(got, []string{"1.4.2", headSHA}) {
		t.Errorf("Revisions = %v", got)
	}
}

func TestNormalizeDropsZeroValues(t *testing.T) {
	a := map[string]any{"path": ".", "directory": map[string]any{"recurse": true, "jsonnet": map[string]any{}}}
	b := map[string]any{"path": ".", "directory": map[string]any{"recurse": true}, "targetRevision": ""}
	if !sameJSON(a, b) {
		t.Fatal("zero-valued fields must not make sources differ")
	}
	b["directory"] = map[string]any{"recurse": false}
	if sameJSON(a, b) {
		t.Fatal("recurse true vs false must differ")
	}
}

func TestHistoryIsRead(t *testing.T) {
	app := loadFixture(t, "lab-outofsync-drift.yaml")
	h := app.Status.History
	if len(h) != 2 || h[1].ID != 1 || h[1].Revision != "ff199971b9d53dba1b68c6e75eb7fc52fc3af16d" ||
		!h[1].DeployedAt.Equal(time.Date(2026, 11, 26, 17, 15, 14, 0, time.UTC)) || h[1].DeployStartedAt == nil {
		t.Fatalf("history %+v", h)
	}
}
