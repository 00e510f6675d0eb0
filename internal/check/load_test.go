package check

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/testenv"
)

func TestNormalizeRepoURL(t *testing.T) {
	want := "github.com/gitshift/bookinfo-gitops"
	for _, u := range []string{
		"https://github.com/gitshift/bookinfo-gitops.git",
		"https://github.com/gitshift/bookinfo-gitops",
		"https://user:token@github.com/gitshift/bookinfo-gitops.git/",
		"git@github.com:gitshift/bookinfo-gitops.git",
		"ssh://git@github.com/gitshift/bookinfo-gitops",
		"HTTPS://GitHub.com/gitshift/Bookinfo-GitOps.git",
	} {
		if got := NormalizeRepoURL(u); got != want {
			t.Errorf("NormalizeRepoURL(%q) = %q", u, got)
		}
	}
	if got := NormalizeRepoURL("http://gitea.local:3000/lab/bookinfo.git"); got != "gitea.local:3000/lab/bookinfo" {
		t.Errorf("with port: %q", got)
	}
}

// copyExample copies the Bookinfo example (no git remote) without the
// controller's Application (argocd/bookinfo-rollout.yaml): these tests are
// about one Application's sources.
func copyExample(t *testing.T) string {
	t.Helper()
	src, dst := "../../examples/bookinfo-gitops", t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == filepath.Join("argocd", "bookinfo-rollout.yaml") {
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestLoadMapsSourcesToTheCheckout: by path without a remote, by origin,
// by the given URL; and why an Application is skipped.
func TestLoadMapsSourcesToTheCheckout(t *testing.T) {
	testenv.NeedGit(t)
	ctx := context.Background()
	dir := copyExample(t)
	load := func(sel Selection) *Loaded {
		t.Helper()
		l, err := Load(ctx, dir, sel)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := load(Selection{}); len(l.Targets) != 1 || len(l.Skipped) != 0 || l.Targets[0].App.Name != "bookinfo" {
		t.Fatalf("no remote: %d targets, skipped %+v", len(l.Targets), l.Skipped)
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("remote", "add", "origin", "git@github.com:someone/else.git")
	l := load(Selection{})
	if len(l.Targets) != 0 || len(l.Skipped) != 1 || l.Skipped[0].Cause != SkipNotThisCheckout || l.Skipped[0].App.Name != "bookinfo" {
		t.Fatalf("other origin: %d targets, skipped %+v", len(l.Targets), l.Skipped)
	}
	l = load(Selection{RepoURL: "https://example.com/other.git"})
	if len(l.Skipped) != 1 || l.Skipped[0].Cause != SkipOtherRepository {
		t.Fatalf("other URL: skipped %+v", l.Skipped)
	}
	if l := load(Selection{RepoURL: "https://github.com/gitshift/bookinfo-gitops"}); len(l.Targets) != 1 {
		t.Fatalf("given URL: %d targets", len(l.Targets))
	}
	git("remote", "set-url", "origin", "ssh://git@GitHub.com/gitshift/bookinfo-gitops.git/")
	if l := load(Selection{}); len(l.Targets) != 1 || len(l.Skipped) != 0 || l.URIPrefix != "" {
		t.Fatalf("matching origin: %d targets, %+v, prefix %q", len(l.Targets), l.Skipped, l.URIPrefix)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	file := filepath.Join(empty, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		sel  Selection
		kind errkind.Kind
		none bool
	}{
		{"missing directory", filepath.Join(empty, "nope"), Selection{}, errkind.Usage, false},
		{"a file", file, Selection{}, errkind.Usage, false},
		{"no Application", empty, Selection{}, errkind.Invalid, true},
		{"no Application of that name", copyExample(t), Selection{Name: "nope"}, errkind.Invalid, true},
		{"unreadable Application file", empty, Selection{AppFile: filepath.Join(empty, "nope.yaml")}, errkind.Invalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.dir, tt.sel)
			var none *NoApplicationError
			if errkind.Of(err) != tt.kind || errors.As(err, &none) != tt.none {
				t.Errorf("err %v: kind %s", err, errkind.Of(err))
			}
		})
	}
}
