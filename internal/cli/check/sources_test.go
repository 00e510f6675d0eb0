package check

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// multiApp is a multi-source Application: a directory source here, one in
// another repository, both written for the directory given to check.
const multiApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ms, namespace: argocd}
spec:
  project: default
  sources:
  - {repoURL: https://example.com/this.git, path: here}
  - {repoURL: https://example.com/other.git, path: there}
  destination: {server: https://kubernetes.default.svc, namespace: ms}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	sourcetest.WriteFiles(t, dir, files)
	return dir
}

// TestRepoMap: a source in another repository is not checked (exit 2,
// naming it) until --repo-map maps the repository to a directory; a bad
// --repo-map is a usage error.
func TestRepoMap(t *testing.T) {
	cm := func(name string) string { return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\n" }
	this := writeTree(t, map[string]string{"argocd/app.yaml": multiApp, "here/cm.yaml": cm("from-here")})
	other := writeTree(t, map[string]string{"there/cm.yaml": cm("from-there")})
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{name: "unmapped", args: []string{"render", "--repo-url", "https://example.com/this.git", this},
			wantCode: command.ExitUnavailable, wantOut: []string{"https://example.com/other.git", "mapped to a local checkout"}},
		{name: "mapped", args: []string{"render", "--repo-url", "https://example.com/this.git", "--repo-map", "git@example.com:other.git=" + other, this},
			wantCode: command.ExitOK, wantOut: []string{"name: from-here", "name: from-there"}},
		{name: "malformed", args: []string{"check", "--repo-map", "no-equals-sign", this},
			wantCode: command.ExitUsage, wantOut: []string{"--repo-map", "URL=DIR"}},
		{name: "not-a-directory", args: []string{"check", "--repo-map", "https://example.com/other.git=" + filepath.Join(this, "argocd", "app.yaml"), this},
			wantCode: command.ExitUsage, wantOut: []string{"--repo-map", "not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runGitshift(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}

// TestCheckJsonnetSource: a Jsonnet file is rendered now (it was "cannot be
// rendered"), and an evaluation error is exit 1 naming the file.
func TestCheckJsonnetSource(t *testing.T) {
	app := strings.ReplaceAll(multiApp, "  - {repoURL: https://example.com/other.git, path: there}\n", "")
	good := writeTree(t, map[string]string{"argocd/app.yaml": app,
		"here/a.jsonnet": `{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "from-jsonnet"}}`})
	code, out, errOut := runGitshift(t, "render", good)
	if code != command.ExitOK || !strings.Contains(out, "name: from-jsonnet") || !strings.Contains(out, "source: here/a.jsonnet") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	bad := writeTree(t, map[string]string{"argocd/app.yaml": app, "here/a.jsonnet": `error "no"`})
	code, out, errOut = runGitshift(t, "check", bad)
	if code != command.ExitFailed || !strings.Contains(out, "here/a.jsonnet") || !strings.Contains(out, "GS1010") {
		t.Fatalf("exit %d, want %d naming the file\n%s%s", code, command.ExitFailed, out, errOut)
	}
}

// TestCheckTextNamesUnrenderedSources: check's text names a source it could
// not render by what it is, a chart of a Helm repository or a path.
func TestCheckTextNamesUnrenderedSources(t *testing.T) {
	app := strings.ReplaceAll(multiApp, "path: there}", "path: there}\n  - {repoURL: https://charts.example.com, chart: nginx, targetRevision: 1.2.3}")
	dir := writeTree(t, map[string]string{"argocd/app.yaml": app,
		"here/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
	code, out, errOut := runGitshift(t, "check", dir)
	if code != command.ExitUnavailable {
		t.Fatalf("exit %d, want %d\n%s%s", code, command.ExitUnavailable, out, errOut)
	}
	for _, w := range []string{
		`source path "there" (https://example.com/other.git): not rendered`,
		`source chart "nginx" (https://charts.example.com): not rendered`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
