//go:build e2e

package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/lab/labtest"
	"github.com/gitshift/gitshift/internal/rollout"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// labEnv is a running lab with the Bookinfo Application synced.
type labEnv struct {
	st     *lab.State
	c      *lab.Cluster
	env    []string
	policy string
	flags  []string
	// quick runs the crash scenarios: what they prove (one commit per
	// step after a kill) does not need the acceptance policy's long first
	// step, and three short rollouts save CI about seven minutes.
	quick   []string
	workdir string
}

func startLab(t *testing.T) *labEnv {
	t.Helper()
	lb := labtest.Up(t, "--app", "none")
	lb.SyncApp(t, true)
	if lb.State.Endpoints.IstiodXDS != "" {
		// make e2e-rollout: rollouts and rollbacks on istiod's routing.
		if mode := lb.RoutingMode(t); mode != "xds" {
			t.Fatalf("lab with istiod: simulator routing mode %q, want xds", mode)
		}
		t.Logf("routing from istiod's xDS at %s", lb.State.Endpoints.IstiodXDS)
	}
	l := &labEnv{st: lb.State, c: lb.Cluster, workdir: t.TempDir()}
	l.env = []string{"KUBECONFIG=" + l.st.Endpoints.Kubeconfig, "GITSHIFT_PROMETHEUS_URL=" + l.st.Endpoints.PrometheusURL}
	l.policy = filepath.Join(l.workdir, "policy.yaml")
	if err := os.WriteFile(l.policy, []byte(policyYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	l.flags = []string{"--policy", l.policy, "--repo", l.st.Endpoints.GitURL, "--branch", "main"}
	quick := filepath.Join(l.workdir, "quick.yaml")
	if err := os.WriteFile(quick, []byte(quickPolicyYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	l.quick = []string{"--policy", quick, "--repo", l.st.Endpoints.GitURL, "--branch", "main"}
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

// quickPolicyYAML has three short steps; step 2 is where the crash
// scenarios kill the runner, so it asks for enough canary requests (about
// 20 s at 20%) that the kill lands mid-analysis although the judge may
// advance a step before minDuration.
const quickPolicyYAML = `apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: reviews, namespace: bookinfo}
spec:
  target:
    application: bookinfo
    virtualService: {name: reviews}
  stableSubset: v1
  canarySubset: v3
  stepDefaults: {minDuration: 10s, minCanaryRequests: 60, maxDuration: 3m}
  steps: [{weight: 10}, {weight: 20, minCanaryRequests: 200}, {weight: 100}]
  analysis:
    interval: 5s
    noDataTimeout: 90s
    guards: {minRequests: 40}
  syncTimeout: 3m
`

func (l *labEnv) run(t *testing.T, env []string, args ...string) labtest.Result {
	t.Helper()
	return labtest.Run(t, append(append([]string{}, l.env...), env...), args...)
}

// reset gives the stable subset 100% by a plain shift (a foreign commit for
// the rollout engine), so each scenario starts a new rollout.
func (l *labEnv) reset(t *testing.T) {
	t.Helper()
	r := l.run(t, nil, "shift", "--repo", l.st.Endpoints.GitURL, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--set", "v1=100,v3=0")
	if r.Code != 0 {
		t.Fatalf("reset shift: exit %d %s", r.Code, r.Stderr)
	}
}

// start runs `rollout start -o json` and returns the exit code and events.
func (l *labEnv) start(t *testing.T, env []string, extra ...string) (int, []rollout.Event, string) {
	t.Helper()
	return l.startWith(t, env, l.flags, extra...)
}

// startWith is start with other policy and repository flags (l.quick).
func (l *labEnv) startWith(t *testing.T, env, flags []string, extra ...string) (int, []rollout.Event, string) {
	t.Helper()
	args := append(append([]string{"rollout", "start", "-o", "json", "--identity", "e2e-runner"}, flags...), extra...)
	r := l.run(t, env, args...)
	return r.Code, decodeEvents(t, r.Stdout), r.Stderr
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
	return labtest.RolloutHistory(t, l.st.Endpoints.GitURL, id)
}

// commits returns the rollout's commits in Git, oldest first.
func (l *labEnv) commits(t *testing.T, id string) []gitrepo.Commit {
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
	var out []gitrepo.Commit
	for i := len(log) - 1; i >= 0; i-- {
		if r, _ := log[i].Trailer(rollout.TrailerRollout); r == id {
			out = append(out, log[i])
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
