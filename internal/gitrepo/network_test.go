package gitrepo_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestNetworkTimeouts: a remote that accepts the connection and never
// answers fails each network step after the timeout, naming the step and
// the remote, instead of hanging.
func TestNetworkTimeouts(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	hang := gittest.Hang(t)
	const limit = 500 * time.Millisecond
	ctx := context.Background()
	hung := func(t *testing.T, scheme string) *gitrepo.Repo {
		r := cloneOf(t, srv, "repo")
		r.Timeout = limit
		gittest.Git(t, r.Dir, "remote", "set-url", "origin", scheme+"://"+hang+"/repo")
		return r
	}
	tests := []struct {
		name string
		step func(t *testing.T) error
	}{
		{"clone", func(t *testing.T) error {
			_, err := gitrepo.Clone(ctx, "git://"+hang+"/repo", filepath.Join(t.TempDir(), "c"), gitrepo.CloneOptions{Env: gittest.Env, Timeout: limit})
			return err
		}},
		{"clone", func(t *testing.T) error { // through git's HTTP helper
			_, err := gitrepo.Clone(ctx, "http://"+hang+"/repo", filepath.Join(t.TempDir(), "c"), gitrepo.CloneOptions{Env: gittest.Env, Timeout: limit})
			return err
		}},
		{"fetch", func(t *testing.T) error { _, err := hung(t, "git").Fetch(ctx, "origin", "main"); return err }},
		{"push", func(t *testing.T) error {
			r := hung(t, "git")
			gittest.Git(t, r.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "x")
			return r.Push(ctx, "origin", "main")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := tt.step(t)
			took := time.Since(start)
			var te *gitrepo.TimeoutError
			if !errors.As(err, &te) || te.Step != tt.name || te.After != limit {
				t.Fatalf("err = %v, want a TimeoutError of step %s", err, tt.name)
			}
			if !strings.Contains(err.Error(), hang) || !strings.Contains(err.Error(), "git "+tt.name+" timed out after 500ms") {
				t.Errorf("message %q names neither the remote nor the step", err)
			}
			var re *gitrepo.RemoteError
			var pu *gitrepo.PushUnknownError
			if !errors.As(err, &re) && !errors.As(err, &pu) {
				t.Errorf("err = %T, want a RemoteError (could not check) or, for a push, PushUnknownError", err)
			}
			if took > limit+6*time.Second {
				t.Errorf("took %v", took)
			}
			t.Log(err)
		})
	}
}

// TestPushInterrupted: a push cancelled mid-way (SIGTERM) says that its
// outcome is unknown, names the remote and tells how to check.
func TestPushInterrupted(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	hang := gittest.Hang(t)
	r := cloneOf(t, srv, "repo")
	gittest.Git(t, r.Dir, "remote", "set-url", "origin", "git://"+hang+"/repo")
	gittest.Git(t, r.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "x")
	head := gittest.Git(t, r.Dir, "rev-parse", "HEAD")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	err := r.Push(ctx, "origin", "main")
	var pu *gitrepo.PushUnknownError
	if !errors.As(err, &pu) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want PushUnknownError for a cancelled push", err)
	}
	for _, want := range []string{"git://" + hang + "/repo", "git ls-remote git://" + hang + "/repo refs/heads/main", head, "may or may not have landed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
}

// TestRemoteErrorNeverEmpty: a fetch cancelled before it starts still names
// the remote.
func TestRemoteErrorNeverEmpty(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	r := cloneOf(t, srv, "repo")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Fetch(ctx, "origin", "main")
	if err == nil || !strings.Contains(err.Error(), srv.URL("repo")) || strings.Contains(err.Error(), "remote  ") {
		t.Errorf("err = %v, want the remote's URL in it", err)
	}
}
