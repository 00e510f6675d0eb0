//go:build e2e

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/rollout"
)

var (
	repoRoot = filepath.Join("..", "..", "..")
	gitshift string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gitshift-rollout-e2e-")
	if err != nil {
		panic(err)
	}
	gitshift = filepath.Join(dir, "gitshift")
	build := exec.Command("go", "build", "-o", gitshift, "./cmd/gitshift")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("building gitshift: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// labEnv is a running lab with the Bookinfo Application synced.
type labEnv struct {
	dir     string
	st      *lab.State
	c       *lab.Cluster
	env     []string
	policy  string
	flags   []string
	workdir string
}

func startLab(t *testing.T) *labEnv {
	t.Helper()
	ctx := context.Background()
	l := &labEnv{dir: filepath.Join(t.TempDir(), "lab"), workdir: t.TempDir()}
	r := l.run(t, nil, "lab", "up", "--dir", l.dir, "--app", "none")
	t.Cleanup(func() { l.run(t, nil, "lab", "down", "--dir", l.dir) })
	if r.code != 0 {
		t.Fatalf("lab up: exit %d\n%s", r.code, r.stderr)
	}
	var err error
	if l.st, err = lab.LoadState(l.dir); err != nil {
		t.Fatal(err)
	}
	if l.c, err = lab.NewCluster(l.st.Endpoints.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	app, err := lab.LabApplication(filepath.Join(repoRoot, "examples", "bookinfo-gitops", "argocd", "application.yaml"),
		l.st.Endpoints.GitURL, l.st.Endpoints.APIServer)
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(app.Object, true, "spec", "source", "directory", "recurse"); err != nil {
		t.Fatal(err)
	}
	if err := l.c.Apply(ctx, app); err != nil {
		t.Fatal(err)
	}
	sha, err := lab.RemoteHead(ctx, l.st.Endpoints.GitURL, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.c.WaitApp(ctx, "argocd", app.GetName(), sha, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	l.env = []string{"KUBECONFIG=" + l.st.Endpoints.Kubeconfig, "GITSHIFT_PROMETHEUS_URL=" + l.st.Endpoints.PrometheusURL}
	l.policy = filepath.Join(l.workdir, "policy.yaml")
	if err := os.WriteFile(l.policy, []byte(policyYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	l.flags = []string{"--policy", l.policy, "--repo", l.st.Endpoints.GitURL, "--branch", "main"}
	return l
}

// policyYAML: short steps so the lab's traffic (about 45 rps to reviews)
// decides each in about a minute.
const policyYAML = `apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: reviews, namespace: bookinfo}
spec:
  target:
    application: bookinfo
    virtualService: {name: reviews}
  stableSubset: v1
  canarySubset: v3
  stepDefaults: {minDuration: 20s, minCanaryRequests: 100, maxDuration: 4m}
  # Step 1 asks for more canary requests: at 5% a bad canary should be
  # caught before it gets 25% (the sequential tests need ~15 canary errors).
  steps: [{weight: 5, minCanaryRequests: 300}, {weight: 25}, {weight: 50}, {weight: 100}]
  analysis:
    interval: 5s
    noDataTimeout: 90s
    guards: {minRequests: 50}
  syncTimeout: 3m
`

type result struct {
	stdout, stderr string
	code           int
}

func (l *labEnv) run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(gitshift, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(append(os.Environ(), l.env...), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gitshift %v: %v", args, err)
	}
	return r
}

// reset gives the stable subset 100% by a plain shift (a foreign commit for
// the rollout engine), so each scenario starts a new rollout.
func (l *labEnv) reset(t *testing.T) {
	t.Helper()
	r := l.run(t, nil, "shift", "--repo", l.st.Endpoints.GitURL, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--set", "v1=100,v3=0")
	if r.code != 0 {
		t.Fatalf("reset shift: exit %d %s", r.code, r.stderr)
	}
}

// start runs `rollout start -o json` and returns the exit code and events.
func (l *labEnv) start(t *testing.T, env []string, extra ...string) (int, []rollout.Event, string) {
	t.Helper()
	args := append(append([]string{"rollout", "start", "-o", "json", "--identity", "e2e-runner"}, l.flags...), extra...)
	r := l.run(t, env, args...)
	return r.code, decodeEvents(t, r.stdout), r.stderr
}

func decodeEvents(t *testing.T, s string) []rollout.Event {
	t.Helper()
	var evs []rollout.Event
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev rollout.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// history returns gitshift's weight commits of the rollout, oldest first,
// as "action step".
func (l *labEnv) history(t *testing.T, id string) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	repo, err := gitrepo.Clone(context.Background(), l.st.Endpoints.GitURL, dir, gitrepo.CloneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := repo.Log(context.Background(), "HEAD", 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(log) - 1; i >= 0; i-- {
		c := log[i]
		if r, _ := c.Trailer(rollout.TrailerRollout); r != id {
			continue
		}
		a, _ := c.Trailer(rollout.TrailerAction)
		s, _ := c.Trailer(rollout.TrailerStep)
		if a != rollout.ActionControl {
			out = append(out, a+" "+s)
		}
	}
	return out
}

func rolloutID(evs []rollout.Event) string {
	for _, ev := range evs {
		if ev.Rollout != "" {
			return ev.Rollout
		}
	}
	return ""
}

// pushToLive returns, per step, the time from the push to the live weights
// being verified (the phase change to Analysing, or Promoted for 100%).
func pushToLive(evs []rollout.Event) []string {
	var out []string
	var pushed time.Time
	for _, ev := range evs {
		switch {
		case ev.Type == rollout.EventCommit:
			pushed = ev.Time
		case ev.Type == rollout.EventPhase && !pushed.IsZero() && (ev.Phase == rollout.Analysing || ev.Phase == rollout.Promoted || ev.Phase == rollout.RolledBack):
			out = append(out, fmt.Sprintf("step %d: %s", ev.Step, ev.Time.Sub(pushed).Round(10*time.Millisecond)))
			pushed = time.Time{}
		}
	}
	return out
}
