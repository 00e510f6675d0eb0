package shift

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestShiftNoPushNeedsInPlace: --no-push on a clone would commit into a
// temporary directory and delete it; only an in-place shift keeps the commit.
func TestShiftNoPushNeedsInPlace(t *testing.T) {
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	work := srv.NewWriter(t, "repo").Dir
	for _, repo := range []string{srv.URL("repo"), work} {
		_, err := Run(context.Background(), Request{Repo: repo, App: "bookinfo", VirtualService: "reviews",
			Weights: mustW("v1=75,v3=25"), NoPush: true, GitEnv: gittest.Env})
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Field != "NoPush" || !strings.Contains(err.Error(), "committing without pushing needs an in-place working tree") {
			t.Errorf("%s: err = %v, want a usage error", repo, err)
		}
	}
	res, err := Run(context.Background(), Request{Repo: work, App: "bookinfo", VirtualService: "reviews",
		Weights: mustW("v1=75,v3=25"), NoPush: true, InPlace: true, Author: bot, GitEnv: gittest.Env})
	if err != nil || res.Pushed || res.Commit == "" {
		t.Fatalf("in place: %+v %v", res, err)
	}
	if head := gittest.Git(t, work, "rev-parse", "HEAD"); head != res.Commit || srv.Head(t, "repo") != base {
		t.Errorf("local head %s, commit %s; the remote must not move", head, res.Commit)
	}
	if _, err := Signal(context.Background(), SignalRequest{Repo: srv.URL("repo"), NoPush: true, Message: "x", GitEnv: gittest.Env}); err == nil {
		t.Errorf("signal with --no-push on a clone: no error")
	}
}

// TestShiftConcurrentIdentical: two people ask for the same weights; the
// one who loses the push race finds them already there: success, nothing
// to commit, and it says which commit set them.
func TestShiftConcurrentIdentical(t *testing.T) {
	srv := gittest.Start(t)
	files := tree(t, "../../examples/bookinfo-gitops")
	srv.Create(t, "repo", files)
	w := srv.NewWriter(t, "repo")
	const vsFile = "canary/reviews-traffic-90-10.yaml"
	same := strings.Replace(strings.Replace(files[vsFile], "weight: 90", "weight: 75", 1), "weight: 10", "weight: 25", 1)
	var theirs string
	testHookEdited = func(attempt int) {
		if attempt == 1 {
			theirs = w.Commit(t, "the same shift, by someone else", map[string]string{vsFile: same})
		}
	}
	defer func() { testHookEdited = nil }()
	res, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
		Weights: mustW("v1=75,v3=25"), GitEnv: gittest.Env, Backoff: time.Millisecond})
	if err != nil {
		t.Fatalf("err = %v, want success", err)
	}
	if !res.Unchanged || res.Commit != "" || res.AlreadyAt != theirs || srv.Head(t, "repo") != theirs {
		t.Errorf("result %+v, remote head %s, theirs %s", res, srv.Head(t, "repo"), theirs)
	}
}

// TestShiftCredentialsOffDisk: shifting through an HTTP URL with a token
// writes the token nowhere under the temporary directory while the shift
// runs (what a kill -9 would leave), and prints it nowhere.
func TestShiftCredentialsOffDisk(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	h := srv.HTTP(t, "x-token", `tok'en"s3cr@t`)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	scans := 0
	testHookEdited = func(int) {
		scans++
		err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && strings.Contains(string(b), "s3cr") {
				t.Errorf("%s holds the token", p)
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}
	defer func() { testHookEdited = nil }()
	res, err := Run(context.Background(), Request{Repo: h.Repo("repo", "x-token:tok'en%22s3cr%40t"), App: "bookinfo", VirtualService: "reviews",
		Weights: mustW("v1=75,v3=25"), Author: bot, GitEnv: gittest.Env})
	if err != nil || !res.Pushed || scans == 0 {
		t.Fatalf("shift: %+v %v (scans %d)", res, err, scans)
	}
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), "s3cr") || strings.Contains(string(b), "x-token") || !strings.Contains(string(b), `"repository":"http://***@127.0.0.1`) {
		t.Errorf("result JSON: %s", b)
	}
}
