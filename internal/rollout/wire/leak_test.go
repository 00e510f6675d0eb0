package wire

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestGitTokenNeverLeaks drives the facade's Git with a token from the
// policy's Secret against an HTTP remote that demands it: a signal commit
// is pushed and history read. The token is in no commit message, no file
// of any clone or helper directory, no log line (git commands logged at
// debug) and no error (also with a wrong token). Status and Events are
// written from these errors and the engine's reasons, so they cannot
// carry it either.
func TestGitTokenNeverLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git http-backend")
	}
	const token = "ghp-LEAKCHECK-7f3a9c"
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	s := gittest.Start(t)
	s.Create(t, "bookinfo.git", map[string]string{"README": "x"})
	url := s.HTTPAuth(t, func(r *http.Request) bool { return r.Header.Get("Authorization") == want }).URL + "/bookinfo.git"

	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // every clone and helper directory lands here

	run := func(secret string) (string, error) {
		kc := fakeCluster("https://kubernetes.default.svc")
		if _, err := kc.Core.CoreV1().Secrets("bookinfo").Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "git-creds", Namespace: "bookinfo"}, Data: map[string][]byte{"token": []byte(secret)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := testPolicy(t)
		p.Metadata.Namespace = "bookinfo"
		p.Spec.Git.SecretRef = &policy.SecretRef{Name: "git-creds"}
		env, err := Open(context.Background(), Config{Policy: p, Git: Git{Repo: url, Env: gittest.Env}, Clients: Clients{Cluster: kc}, Logger: slog.Default()})
		if err != nil {
			return "", err
		}
		defer env.Close()
		res, err := env.Git.Signal(context.Background(), "rollout r1: pause (checking)", []rollout.Trailer{
			{Key: rollout.TrailerAction, Value: rollout.ActionControl}, {Key: rollout.TrailerRollout, Value: "r1"},
			{Key: rollout.TrailerVirtualService, Value: "bookinfo/reviews"}, {Key: rollout.TrailerSignal, Value: "pause"}})
		if err != nil {
			return "", err
		}
		st, err := env.State(context.Background(), "r1")
		if err != nil {
			return "", err
		}
		if !st.Found || !st.Paused {
			t.Fatalf("state after the signal %+v", st)
		}
		// Look at the clones while they exist.
		assertNoToken(t, token, tmp)
		return res.SHA, nil
	}
	sha, err := run(token)
	if err != nil {
		t.Fatalf("with the right token: %v", err)
	}
	if sha == "" || s.Head(t, "bookinfo.git") != sha {
		t.Fatalf("the signal commit %s is not the remote's head", sha)
	}
	_, werr := run("wrong-" + token[:8])
	if werr == nil {
		t.Fatal("a wrong token pushed")
	}
	msgs := gittest.Git(t, s.Path("bookinfo.git"), "log", "--format=%B%n%an%n%ae", "main")
	for what, text := range map[string]string{"commit messages": msgs, "logs": logs.String(), "error": werr.Error()} {
		if strings.Contains(text, token) || strings.Contains(text, token[:8]) {
			t.Errorf("the %s contain the token: %s", what, text)
		}
	}
	assertNoToken(t, token, tmp, s.Base)
}

func assertNoToken(t *testing.T, token string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(token)) {
				t.Errorf("%s contains the token", p)
			}
			return nil
		})
	}
}
