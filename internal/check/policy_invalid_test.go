package check

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidPolicy runs each invalid-policy-* fixture and checks every
// GS3002 finding: severity, file, line and what the message says, and that
// the run fails at the default --fail-on error.
func TestInvalidPolicy(t *testing.T) {
	type want struct {
		file string
		line int
		msg  string
	}
	tests := []struct {
		fixture string
		want    []want
		// also: another finding the fixture must keep (GS3001 of a valid
		// policy in the same file), as code and fragment.
		also string
	}{
		{"invalid-policy-yaml-syntax.yaml", []want{
			{"argocd/policy.yaml", 15, `CanaryPolicy: mapping values are not allowed in this context`},
		}, ""},
		{"invalid-policy-unknown-field.yaml", []want{
			{"argocd/policies.yaml", 32, `CanaryPolicy: spec.steps[0].minDuraton: unknown field "minDuraton"`},
		}, `GS3001 simulate --policy argocd/policies.yaml --policy-name reviews`},
		{"invalid-policy-wrong-type.yaml", []want{
			{"argocd/policy.yaml", 14, "CanaryPolicy: cannot unmarshal !!str `twenty` into int32"},
		}, ""},
		{"invalid-policy-validation.yaml", []want{
			{"rollout/reviews.yaml", 15, `CanaryPolicy "reviews": spec.steps[2].weight: weights must increase: 50 after 60`},
			{"rollout/reviews.yaml", 16, `CanaryPolicy "reviews": spec.steps[2].maxDuration: must be positive`},
		}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".yaml"), func(t *testing.T) {
			fx := readFixture(t, filepath.Join("testdata", tt.fixture))
			_, diags := checkRepo(t, fx.materialize(t))
			var got []Diagnostic
			for _, d := range diags {
				if d.Code == "GS3002" {
					got = append(got, d)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d GS3002 findings, want %d: %v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				d := got[i]
				if d.Severity != SeverityError || d.File != w.file || d.Line != w.line || d.Message != w.msg {
					t.Errorf("finding %d = %s %s:%d %q, want error %s:%d %q", i, d.Severity, d.File, d.Line, d.Message, w.file, w.line, w.msg)
				}
				if cmd := "gitshift simulate --policy " + w.file; !strings.Contains(d.Hint, cmd) {
					t.Errorf("hint %q lacks %q", d.Hint, cmd)
				}
			}
			if Judge(diags, SeverityError) != Failed {
				t.Error("check passes at --fail-on error")
			}
			if tt.also != "" {
				code, frag, _ := strings.Cut(tt.also, " ")
				found := false
				for _, d := range diags {
					found = found || d.Code == code && strings.Contains(d.Message+" "+d.Hint, frag)
				}
				if !found {
					t.Errorf("no %s with %q: %v", code, frag, diags)
				}
			}
		})
	}
}
