package check

import "testing"

func TestJudge(t *testing.T) {
	d := func(code string, sev Severity) Diagnostic { return Diagnostic{Code: code, Severity: sev} }
	tests := []struct {
		name   string
		diags  []Diagnostic
		failOn Severity
		want   Outcome
	}{
		{"nothing", nil, SeverityError, Passed},
		{"warning-below-threshold", []Diagnostic{d("GS1001", SeverityWarning)}, SeverityError, Passed},
		{"error", []Diagnostic{d("GS1010", SeverityError)}, SeverityError, Failed},
		{"not-checked-whatever-the-threshold", []Diagnostic{d(CodeUnsupported, SeverityWarning)}, SeverityError, NotChecked},
		{"not-checked-is-not-a-failure-at-warning", []Diagnostic{d(CodeUnsupported, SeverityWarning)}, SeverityWarning, NotChecked},
		{"failure-wins", []Diagnostic{d(CodeUnsupported, SeverityWarning), d("GS2001", SeverityError)}, SeverityError, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judge(tt.diags, tt.failOn); got != tt.want {
				t.Errorf("Judge = %v, want %v", got, tt.want)
			}
		})
	}
}

// A remote Kustomize resource is GS1011 (not checked), not GS1010 (Argo
// CD fails): gitshift did not try it.
func TestRemoteResourceIsNotChecked(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"argocd/app.yaml":        appInDir,
		"app/kustomization.yaml": "resources:\n- https://example.com/org/repo//base?ref=v1\n",
	})
	_, diags := checkRepo(t, root)
	var got []string
	for _, d := range diags {
		got = append(got, short(d))
	}
	if len(got) != 1 || got[0] != "GS1011 warning app/kustomization.yaml:0" {
		t.Errorf("diagnostics = %q, want GS1011 on app/kustomization.yaml", got)
	}
	if Judge(diags, SeverityError) != NotChecked {
		t.Errorf("Judge = %v, want NotChecked", Judge(diags, SeverityError))
	}
}
