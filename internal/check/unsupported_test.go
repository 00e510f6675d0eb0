package check

import (
	"context"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// TestUnsupportedHint: a source gitshift cannot read offline (GS1011) says
// how to get it checked: map the other repository or the chart repository
// to a local copy (--repo-map URL=DIR), or else compare with Argo CD.
func TestUnsupportedHint(t *testing.T) {
	const head = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app, namespace: argocd}\nspec:\n  project: default\n"
	const tail = "  destination: {server: https://kubernetes.default.svc, namespace: app}\n  syncPolicy: {automated: {prune: true, selfHeal: true}}\n"
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"other-repository",
			"  sources:\n  - {repoURL: https://example.com/this.git, path: a}\n  - {repoURL: https://example.com/other.git, path: b}\n",
			[]string{"--repo-map https://example.com/other.git=DIR", "local checkout"}},
		{"chart-repository",
			"  sources:\n  - {repoURL: https://example.com/this.git, path: a}\n  - {repoURL: https://charts.example.com, chart: podinfo, targetRevision: 6.0.0}\n",
			[]string{"--repo-map https://charts.example.com=DIR", "podinfo/Chart.yaml"}},
		{"plugin",
			"  source: {repoURL: https://example.com/this.git, path: a, plugin: {name: cmp}}\n",
			[]string{"argocd app manifests app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			sourcetest.WriteFiles(t, root, map[string]string{
				"argocd/app.yaml": head + tt.spec + tail,
				"a/cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
			})
			l, err := Load(context.Background(), root, Selection{RepoURL: "https://example.com/this.git"})
			if err != nil {
				t.Fatal(err)
			}
			diags, err := Run(context.Background(), l.Targets, Options{Rules: []string{CodeUnsupported}})
			if err != nil {
				t.Fatal(err)
			}
			if len(diags) != 1 {
				t.Fatalf("diagnostics %v, want one GS1011", diags)
			}
			for _, w := range tt.want {
				if !strings.Contains(diags[0].Hint, w) {
					t.Errorf("hint %q, want it to contain %q", diags[0].Hint, w)
				}
			}
		})
	}
}
