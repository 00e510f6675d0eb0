package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

func TestGitCLICheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git daemon")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	srv := gittest.Start(t)
	srv.Create(t, "bookinfo.git", map[string]string{"vs.yaml": "kind: VirtualService\n"})
	w := srv.NewWriter(t, "bookinfo.git")
	head := w.Commit(t, "weights 80/20", map[string]string{"vs.yaml": "kind: VirtualService # 80/20\n"})
	ctx := context.Background()
	g := &GitCLI{Env: gittest.Env}
	defer g.Close()

	for _, rev := range []string{"main", "HEAD", head} {
		co, err := g.Checkout(ctx, srv.URL("bookinfo.git"), rev)
		if err != nil {
			t.Fatalf("%s: %v", rev, err)
		}
		if co.SHA != head || co.Time.IsZero() || co.Local {
			t.Errorf("%s: checkout = %+v, want SHA %s", rev, co, head)
		}
		if b, _ := os.ReadFile(filepath.Join(co.Dir, "vs.yaml")); string(b) != "kind: VirtualService # 80/20\n" {
			t.Errorf("%s: files are not the head commit's: %q", rev, b)
		}
	}
	co, err := g.Checkout(ctx, w.Dir, "main")
	if err != nil || co.SHA != head || !co.Local || co.Dir != w.Dir {
		t.Errorf("local checkout = %+v, %v", co, err)
	}
	plain := t.TempDir()
	if co, err := g.Checkout(ctx, plain, "main"); err != nil || co.SHA != "" || co.Dir != plain {
		t.Errorf("plain directory = %+v, %v", co, err)
	}
	if _, err := g.Checkout(ctx, srv.URL("missing.git"), "main"); !isRemoteError(err) {
		t.Errorf("missing repo: err = %v, want a remote error", err)
	}
	dirs := g.dirs
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s not removed", d)
		}
	}
}
