package argocd

import (
	"testing"

	"github.com/gitshift/gitshift/internal/source"
)

func TestSpecAccessors(t *testing.T) {
	tests := []struct {
		fixture   string
		sources   int
		multi     bool
		gitRepo   string
		gitRev    string
		gitPath   string
		dest      source.Destination
		recursive bool
	}{
		{"all-good.yaml", 1, false, "git://127.0.0.1:9418/bookinfo-gitops.git", "main", ".",
			source.Destination{Server: "https://kubernetes.default.svc", Namespace: "bookinfo"}, true},
		{"all-good-destination-name.yaml", 1, false, "git://127.0.0.1:9418/bookinfo-gitops.git", "main", ".",
			source.Destination{Name: "in-cluster", Namespace: "bookinfo"}, true},
		// Chart from a chart repository, values from Git: the Git source is
		// the $values ref, never the chart repository.
		{"all-good-multisource.yaml", 2, true, "git://127.0.0.1:9418/bookinfo-gitops.git", "main", "",
			source.Destination{Server: "https://kubernetes.default.svc", Namespace: "bookinfo"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			app := loadFixture(t, tt.fixture)
			srcs, err := app.Sources()
			if err != nil || len(srcs) != tt.sources || app.MultiSource() != tt.multi {
				t.Fatalf("Sources = %d (multi %v), %v", len(srcs), app.MultiSource(), err)
			}
			g, ok, err := app.GitSource()
			if err != nil || !ok {
				t.Fatalf("GitSource: ok %v, %v", ok, err)
			}
			if g.RepoURL != tt.gitRepo || g.TargetRevision != tt.gitRev || g.Path != tt.gitPath {
				t.Errorf("GitSource = %s@%s path %q", g.RepoURL, g.TargetRevision, g.Path)
			}
			if d := app.Destination(); d != tt.dest {
				t.Errorf("Destination = %+v", d)
			}
			sa, err := app.Application()
			if err != nil || sa.Name != "bookinfo" || sa.Project != "default" || len(sa.Sources) != tt.sources || sa.SyncPolicy == nil || sa.SyncPolicy.Automated == nil {
				t.Fatalf("Application = %+v, %v", sa, err)
			}
			if got := sa.Sources[0].Directory != nil && sa.Sources[0].Directory.Recurse; got != tt.recursive {
				t.Errorf("recurse = %v", got)
			}
		})
	}
}

func TestGitSourceNone(t *testing.T) {
	app := AppStatus{Spec: AppSpec{Source: map[string]any{"repoURL": "https://charts.example.com", "chart": "reviews"}}}
	if _, ok, err := app.GitSource(); ok || err != nil {
		t.Errorf("a chart-only Application has a Git source: %v %v", ok, err)
	}
	bad := AppStatus{Spec: AppSpec{Source: map[string]any{"repoURL": 5}}}
	if _, err := bad.Sources(); err == nil {
		t.Error("a repoURL that is a number decoded")
	}
}
