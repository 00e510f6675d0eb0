package check

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

const msApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ms, namespace: argocd}
spec:
  project: default
  sources:
  - {repoURL: https://example.com/this.git, path: a}
  - {repoURL: https://example.com/other.git, path: b}
  - {repoURL: https://example.com/this.git, ref: values}
  destination: {server: https://kubernetes.default.svc, namespace: ms}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`

// TestMultiSource: every source of a multi-source Application renders
// and the objects combine; a source in another repository cannot be read
// offline (not checked) unless the repository is mapped to a directory,
// which is then its own root; a ref-only source renders nothing.
func TestMultiSource(t *testing.T) {
	this := t.TempDir()
	sourcetest.WriteFiles(t, this, map[string]string{
		"argocd/app.yaml": msApp, "a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-a}\n",
	})
	other := t.TempDir()
	sourcetest.WriteFiles(t, other, map[string]string{"b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-b}\n"})
	ctx := context.Background()

	t.Run("unmapped", func(t *testing.T) {
		l, err := Load(ctx, this, Selection{RepoURL: "https://example.com/this.git"})
		if err != nil {
			t.Fatal(err)
		}
		tg := l.Targets[0]
		if got := objectNames(tg); got != "from-a" {
			t.Errorf("objects %q", got)
		}
		var ue *source.UnsupportedError
		if !errors.As(tg.Sources[1].Err, &ue) || !strings.Contains(ue.Error(), "https://example.com/other.git") {
			t.Errorf("source 2: err = %v, want not checked naming the repository", tg.Sources[1].Err)
		}
		if tg.Sources[2].Skipped == "" {
			t.Errorf("ref source rendered: %+v", tg.Sources[2])
		}
		diags, err := Run(ctx, l.Targets, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if Judge(diags, SeverityError) != NotChecked {
			t.Errorf("diagnostics %v: want the run not checked (exit 2)", diags)
		}
	})
	t.Run("mapped", func(t *testing.T) {
		l, err := Load(ctx, this, Selection{RepoURL: "https://example.com/this.git",
			RepoMap: map[string]string{"git@example.com:other": other}})
		if err != nil {
			t.Fatal(err)
		}
		tg := l.Targets[0]
		if got := objectNames(tg); got != "from-a,from-b" {
			t.Errorf("objects %q, want both sources in order", got)
		}
		real, _ := filepath.EvalSymlinks(other)
		if tg.Sources[1].Root != real {
			t.Errorf("root %q, want %q", tg.Sources[1].Root, real)
		}
		diags, err := Run(ctx, l.Targets, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if Judge(diags, SeverityWarning) != Passed {
			t.Errorf("diagnostics %v", diags)
		}
	})
	t.Run("mapped-to-a-file", func(t *testing.T) {
		_, err := Load(ctx, this, Selection{RepoURL: "https://example.com/this.git",
			RepoMap: map[string]string{"https://example.com/other.git": filepath.Join(this, "argocd", "app.yaml")}})
		var rm *RepoMapError
		if !errors.As(err, &rm) {
			t.Fatalf("err = %v, want a RepoMapError", err)
		}
	})
}

func objectNames(t *Target) string {
	var names []string
	for _, o := range t.Objects() {
		names = append(names, o.GetName())
	}
	return strings.Join(names, ",")
}
