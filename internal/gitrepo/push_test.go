package gitrepo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

var me = &gitrepo.Signature{Name: "Shift Bot", Email: "shift@example.com"}

func cloneOf(t *testing.T, srv *gittest.Server, name string) *gitrepo.Repo {
	t.Helper()
	r, err := gitrepo.Clone(context.Background(), srv.URL(name), filepath.Join(t.TempDir(), "c"),
		gitrepo.CloneOptions{Branch: "main", Depth: 1, Env: gittest.Env})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setWeight is a Mutation over a one-line "weight=N" file: the guard is the
// value read at the base, like the shift's old weights.
func setWeight(r *gitrepo.Repo, want string, hook func(attempt int)) gitrepo.Mutation {
	return func(ctx context.Context, attempt int) (*gitrepo.Change, error) {
		b, err := r.ReadFile("weights.txt")
		if err != nil {
			return nil, err
		}
		old := strings.TrimSpace(string(b))
		if hook != nil {
			hook(attempt)
		}
		ch := &gitrepo.Change{Guard: old, Message: "shift weights", Trailers: []gitrepo.Trailer{
			{Key: gitrepo.TrailerAction, Value: "shift"}, {Key: gitrepo.TrailerWeights, Value: want},
		}}
		if old == want {
			return ch, nil
		}
		ch.Paths = []string{"weights.txt"}
		return ch, os.WriteFile(filepath.Join(r.Dir, "weights.txt"), []byte(want+"\n"), 0o644)
	}
}

func TestCommitAndPushSimple(t *testing.T) {
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	r := cloneOf(t, srv, "repo")
	res, err := r.CommitAndPush(context.Background(), gitrepo.PushOptions{Branch: "main", Commit: gitrepo.CommitOptions{Author: me}},
		setWeight(r, "v1=75,v3=25", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Attempts != 1 || res.Base != base || srv.Head(t, "repo") != res.Commit {
		t.Fatalf("result %+v, remote head %s", res, srv.Head(t, "repo"))
	}
	log, err := r.Log(context.Background(), "HEAD", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].SHA != res.Commit || log[0].Author != "Shift Bot <shift@example.com>" {
		t.Fatalf("log %+v", log)
	}
	if v, _ := log[0].Trailer("gitshift-weights"); v != "v1=75,v3=25" {
		t.Errorf("weights trailer %q", v)
	}
	// A second run with the same weights is a no-op: no commit, no push.
	res, err = r.CommitAndPush(context.Background(), gitrepo.PushOptions{Branch: "main"}, setWeight(r, "v1=75,v3=25", nil))
	if err != nil || res.Pushed || res.Commit != "" {
		t.Fatalf("no-op: %+v %v", res, err)
	}
}

// TestCommitAndPushRace: a foreign writer pushes 10 unrelated commits while
// the shift runs. Every foreign commit and every head ever seen must be an
// ancestor of the final head, and the shift's weights must land.
func TestCommitAndPushRace(t *testing.T) {
	srv := gittest.Start(t)
	first := srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n", "README": "x\n"})
	r := cloneOf(t, srv, "repo")
	w := srv.NewWriter(t, "repo")

	var (
		mu      sync.Mutex
		foreign []string
		heads   = map[string]bool{first: true}
	)
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 10; i++ {
			sha := w.Commit(t, fmt.Sprintf("foreign %d", i), map[string]string{fmt.Sprintf("notes/%d.txt", i): "n\n"})
			mu.Lock()
			foreign = append(foreign, sha)
			heads[sha] = true
			mu.Unlock()
			if i == 0 {
				close(started)
			}
		}
	}()
	<-started
	start := time.Now()
	res, err := r.CommitAndPush(context.Background(), gitrepo.PushOptions{
		Branch: "main", Commit: gitrepo.CommitOptions{Author: me}, MaxAttempts: 30, Backoff: 20 * time.Millisecond,
	}, setWeight(r, "v1=75,v3=25", func(int) { time.Sleep(30 * time.Millisecond) }))
	took := time.Since(start)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("race: %d attempts, %v", res.Attempts, took.Round(time.Millisecond))
	final := srv.Head(t, "repo")
	heads[res.Commit] = true
	for h := range heads {
		bare := &gitrepo.Repo{Dir: srv.Path("repo"), Env: gittest.Env}
		if ok, err := bare.IsAncestor(context.Background(), h, final); err != nil || !ok {
			t.Errorf("%s is not an ancestor of the final head %s: history was rewritten or a commit lost", h, final)
		}
	}
	if len(foreign) != 10 {
		t.Fatalf("foreign commits %d", len(foreign))
	}
	if got := gittest.Git(t, srv.Path("repo"), "show", final+":weights.txt"); got != "v1=75,v3=25" {
		t.Errorf("final weights %q", got)
	}
}

// TestCommitAndPushConflict: a foreign commit changes the same weights while
// the shift runs; the shift must stop with ConflictError and push nothing.
func TestCommitAndPushConflict(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	r := cloneOf(t, srv, "repo")
	w := srv.NewWriter(t, "repo")
	var theirs string
	res, err := r.CommitAndPush(context.Background(), gitrepo.PushOptions{Branch: "main", Backoff: time.Millisecond},
		setWeight(r, "v1=75,v3=25", func(attempt int) {
			if attempt == 1 {
				theirs = w.Commit(t, "someone else shifts", map[string]string{"weights.txt": "v1=50,v3=50\n"})
			}
		}))
	var ce *gitrepo.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want ConflictError", err)
	}
	if ce.Was != "v1=90,v3=10" || ce.Now != "v1=50,v3=50" || res.Attempts != 2 {
		t.Errorf("conflict %+v attempts %d", ce, res.Attempts)
	}
	if head := srv.Head(t, "repo"); head != theirs {
		t.Errorf("remote head %s, want the foreign commit %s", head, theirs)
	}
	t.Log(err)
}

// TestCommitAndPushSameChange: a concurrent writer pushes exactly the
// change asked for; the loser finds the remote already as asked: success,
// nothing committed, and it says which head had it.
func TestCommitAndPushSameChange(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"weights.txt": "v1=90,v3=10\n"})
	r := cloneOf(t, srv, "repo")
	w := srv.NewWriter(t, "repo")
	var theirs string
	res, err := r.CommitAndPush(context.Background(), gitrepo.PushOptions{Branch: "main", Backoff: time.Millisecond},
		setWeight(r, "v1=75,v3=25", func(attempt int) {
			if attempt == 1 {
				theirs = w.Commit(t, "the same shift", map[string]string{"weights.txt": "v1=75,v3=25\n"})
			}
		}))
	if err != nil {
		t.Fatalf("err = %v, want success: the remote already has the weights", err)
	}
	if res.Pushed || res.Commit != "" || res.AlreadyAt != theirs || srv.Head(t, "repo") != theirs {
		t.Errorf("result %+v, remote head %s, theirs %s", res, srv.Head(t, "repo"), theirs)
	}
}
