package gitrepo_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/testenv"
)

// TestUnreachableRedacted: an unreachable remote is a RemoteError, and the
// password in its URL appears nowhere in the error.
func TestUnreachableRedacted(t *testing.T) {
	testenv.NeedGit(t)
	for _, url := range []string{"http://alice:hunter2@127.0.0.1:1/repo.git", "git://127.0.0.1:1/repo"} {
		_, err := gitrepo.Clone(context.Background(), url, filepath.Join(t.TempDir(), "c"), gitrepo.CloneOptions{Env: gittest.Env})
		var re *gitrepo.RemoteError
		if !errors.As(err, &re) {
			t.Fatalf("%s: err = %v, want RemoteError", url, err)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "alice") {
			t.Errorf("credentials leaked: %v", err)
		}
	}
}

func TestLogTrailersAndSign(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "a\n"})
	r := cloneOf(t, srv, "repo")
	sign := false
	if _, err := exec.LookPath("ssh-keygen"); err == nil {
		key := filepath.Join(t.TempDir(), "id")
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
		// Signing uses git's own configuration, here through GIT_CONFIG_* env.
		r.Env = append(r.Env, "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=gpg.format", "GIT_CONFIG_VALUE_0=ssh",
			"GIT_CONFIG_KEY_1=user.signingkey", "GIT_CONFIG_VALUE_1="+key+".pub")
		sign = true
	}
	gittest.WriteFiles(t, r.Dir, map[string]string{"weights.txt": "b\n"})
	sha, err := r.Commit(context.Background(), []string{"weights.txt"}, gitrepo.CommitOptions{
		Message: "shift reviews\n\nmore text", Sign: sign, Author: me,
		Trailers: []gitrepo.Trailer{{Key: gitrepo.TrailerAction, Value: "shift"}, {Key: gitrepo.TrailerVirtualService, Value: "bookinfo/reviews"},
			{Key: gitrepo.TrailerWeights, Value: "v1=75,v3=25"}, {Key: "Gitshift-Rollout", Value: "r-1"}, {Key: "Gitshift-Step", Value: "2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	log, err := r.Log(context.Background(), sha, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := log[0]
	if c.Subject != "shift reviews" || len(c.Trailers) != 5 {
		t.Fatalf("commit %+v", c)
	}
	if v, ok := c.Trailer("Gitshift-VirtualService"); !ok || v != "bookinfo/reviews" {
		t.Errorf("trailer %q %v", v, ok)
	}
	if sign {
		raw := gittest.Git(t, r.Dir, "cat-file", "commit", sha)
		if !strings.Contains(raw, "-----BEGIN SSH SIGNATURE-----") {
			t.Errorf("commit is not signed:\n%s", raw)
		}
	}
}

// TestCloneRelativePath: `--repo .` names the caller's directory, not the
// directory git happens to run in.
func TestCloneRelativePath(t *testing.T) {
	src := t.TempDir()
	for _, args := range [][]string{
		{"init", "--quiet", "-b", "main"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "first"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = src, append(os.Environ(), gittest.Env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	t.Chdir(src)
	r, err := gitrepo.Clone(context.Background(), ".", filepath.Join(t.TempDir(), "c"), gitrepo.CloneOptions{Env: gittest.Env})
	if err != nil {
		t.Fatal(err)
	}
	log, err := r.Log(context.Background(), "HEAD", 1)
	if err != nil || len(log) != 1 || log[0].Subject != "first" {
		t.Fatalf("clone of . has %+v, %v", log, err)
	}
}
