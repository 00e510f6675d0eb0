package gitrepo_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestCredentialsStayOffDisk: a clone from a URL with credentials fetches
// and pushes with them, yet no file of the clone holds them at any point
// (a kill -9 leaves the clone as it is), nor does any error.
func TestCredentialsStayOffDisk(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	// A quote and an '@' in the password: legal, and easy to mishandle.
	const user, password = "alice", `s3cr"e't@x`
	h := srv.HTTP(t, user, password)
	remote := h.Repo("repo", user+":s3cr%22e't%40x")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "c")
	// The user's git config stores credentials: gitshift's must not land there.
	store := filepath.Join(t.TempDir(), "git-credentials")
	global := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(global, []byte("[credential]\n\thelper = store --file "+store+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(append([]string(nil), gittest.Env...), "GIT_CONFIG_GLOBAL="+global)

	assertClean := func(when string) {
		t.Helper()
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, secret := range []string{"s3cr", "alice"} {
				if strings.Contains(string(b), secret) {
					rel, _ := filepath.Rel(dir, p)
					t.Errorf("%s: %s holds %q:\n%s", when, rel, secret, b)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	r, err := gitrepo.Clone(ctx, remote, dir, gitrepo.CloneOptions{Branch: "main", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	assertClean("after clone")
	if got := gittest.Git(t, dir, "config", "remote.origin.url"); got != h.Repo("repo", "") {
		t.Errorf("origin is %q, want the URL without credentials", got)
	}
	if _, err := r.Fetch(ctx, "origin", "main"); err != nil {
		t.Fatal(err)
	}
	assertClean("after fetch")
	res, err := r.CommitAndPush(ctx, gitrepo.PushOptions{Branch: "main", Commit: gitrepo.CommitOptions{Author: me}},
		setWeight(r, "v1=75,v3=25", func(int) { assertClean("while editing") }))
	if err != nil || !res.Pushed {
		t.Fatalf("push: %+v %v", res, err)
	}
	assertClean("after push")
	if srv.Head(t, "repo") != res.Commit {
		t.Errorf("the push did not land")
	}
	if b, err := os.ReadFile(store); err == nil && strings.Contains(string(b), "s3cr") {
		t.Errorf("the user's credential store got the password: %s", b)
	}

	// Wrong credentials: the error names the remote without them.
	bad := h.Repo("repo", user+":wr0ng%22pw")
	_, err = gitrepo.Clone(ctx, bad, filepath.Join(t.TempDir(), "bad"), gitrepo.CloneOptions{Env: gittest.Env})
	if err == nil || strings.Contains(err.Error(), "wr0ng") || strings.Contains(err.Error(), "alice") {
		t.Errorf("clone with a wrong password: %v", err)
	}
}

// TestTokenAsUserName: a token given as the URL's user name (no password)
// authenticates too, and stays off disk.
func TestTokenAsUserName(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	h := srv.HTTP(t, "ghp_s3cr3tT0ken", "")
	dir := filepath.Join(t.TempDir(), "c")
	if _, err := gitrepo.Clone(context.Background(), h.Repo("repo", "ghp_s3cr3tT0ken"), dir, gitrepo.CloneOptions{Env: gittest.Env}); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config")); strings.Contains(string(cfg), "s3cr3t") {
		t.Errorf(".git/config holds the token:\n%s", cfg)
	}
}
