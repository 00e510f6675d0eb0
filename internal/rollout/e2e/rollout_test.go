//go:build e2e

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/lab/labtest"
	"github.com/gitshift/gitshift/internal/rollout"
)

// faultyV3 is the demo's faulty release: v3 fails 5% of its requests, the
// baseline v1 0.5%.
var faultyV3 = map[string]string{
	"reviews.v3": `{"errorRate":0.05,"errorCode":500,"latencyMs":{"p50":10,"p99":50}}`,
	"reviews.v1": `{"errorRate":0.005,"errorCode":500,"latencyMs":{"p50":10,"p99":50}}`,
}

var (
	promotedSteps      = []string{"rollout-step 1/4", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"}
	quickPromotedSteps = []string{"rollout-step 1/3", "rollout-step 2/3", "promote 3/3"}
)

// TestE2ERollout runs the acceptance scenarios of `gitshift rollout` in one
// lab: a healthy canary promoted step by step (followed by the dashboard in
// headless Chromium), a faulty one rolled back, and
// a runner killed with SIGKILL at three crash points that a rerun resumes
// without a duplicate commit; then header-routed and mirrored steps
// (routed_test.go).
func TestE2ERollout(t *testing.T) {
	l := startLab(t)

	t.Run("healthy canary promoted 5-25-50-100", func(t *testing.T) {
		l.reset(t)
		// The dashboard in a browser follows this rollout (issue 17).
		dash := l.watchDashboard(t, "e2e-healthy")
		began := time.Now()
		// Each step waits for istiod to apply it (issue 18's strongest live signal).
		code, evs, stderr := l.start(t, l.controlPlaneEnv(t), "--id", "e2e-healthy", "--report", l.workdir+"/healthy.md")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		l.checkControlPlane(t, evs)
		dash.check(t, l)
		id := rolloutID(evs)
		if got := l.history(t, id); !slices.Equal(got, promotedSteps) {
			t.Fatalf("history %v, want %v", got, promotedSteps)
		}
		t.Logf("promoted in %s; push→live per step: %v", time.Since(began).Round(time.Second), pushToLive(evs))
		report, _ := os.ReadFile(l.workdir + "/healthy.md")
		t.Logf("report:\n%s", report)
	})

	t.Run("faulty canary rolled back", func(t *testing.T) {
		l.reset(t)
		setFaults(t, l, faultyV3)
		defer setFaults(t, l, nil)
		code, evs, stderr := l.start(t, l.controlPlaneEnv(t), "--id", "e2e-faulty", "--report", l.workdir+"/faulty.md")
		if code != 1 {
			t.Fatalf("exit %d, want 1 (rolled back)\n%s", code, stderr)
		}
		l.checkControlPlane(t, evs)
		last := evs[len(evs)-1]
		if last.Type != rollout.EventDone || last.Phase != rollout.RolledBack {
			t.Fatalf("ended %+v", last)
		}
		got := l.history(t, rolloutID(evs))
		if len(got) < 2 || !strings.HasPrefix(got[len(got)-1], "rollback ") {
			t.Fatalf("history %v: want step commit(s) then a rollback", got)
		}
		// From the first push that gave the bad canary traffic, and from the
		// push of the step that failed, to the rollback commit.
		var firstPush, badPush, rollbackAt time.Time
		var inStep, total int64
		for _, ev := range evs {
			switch {
			case ev.Type == rollout.EventCommit && ev.Weights["v1"] != 100:
				if firstPush.IsZero() {
					firstPush = ev.Time
				}
				badPush, total, inStep = ev.Time, total+inStep, 0
			case ev.Type == rollout.EventAnalysis:
				inStep = ev.Analysis.CanaryRequests
			case ev.Type == rollout.EventCommit && ev.Weights["v1"] == 100:
				rollbackAt = ev.Time
			}
		}
		t.Logf("rolled back %s after the first canary push (%d canary requests in all), %s after the push of the failing step (%d canary requests in it); reason: %s",
			rollbackAt.Sub(firstPush).Round(100*time.Millisecond), total+inStep, rollbackAt.Sub(badPush).Round(100*time.Millisecond), inStep, last.Reason)
		report, _ := os.ReadFile(l.workdir + "/faulty.md")
		t.Logf("report:\n%s", report)
	})

	for i, crash := range []struct {
		name  string
		env   []string
		until func(ev rollout.Event, seen int) bool // kill when true
	}{
		{name: "after commit before push", env: []string{"GITSHIFT_FAILPOINT=before-push:2"}},
		{name: "after push before sync", until: func(ev rollout.Event, _ int) bool {
			return ev.Type == rollout.EventCommit && ev.Step == 2
		}},
		{name: "mid-analysis", until: func(ev rollout.Event, seen int) bool {
			return ev.Type == rollout.EventAnalysis && ev.Step == 2 && seen >= 2
		}},
	} {
		t.Run("SIGKILL "+crash.name, func(t *testing.T) {
			l.reset(t)
			// Explicit ids: a reset that changes nothing (after a rollback)
			// makes no commit, and a plain start would then resume the
			// finished rollout instead of beginning a new one.
			want := "e2e-crash-" + string(rune('a'+i))
			began := time.Now()
			id := l.startAndKill(t, crash.env, crash.until, append(l.quick, "--id", want)...)
			code, evs, stderr := l.startWith(t, nil, l.quick, "--id", want)
			if code != 0 {
				t.Fatalf("resumed run: exit %d\n%s", code, stderr)
			}
			if rolloutID(evs) != id {
				t.Fatalf("resumed %q, killed %q", rolloutID(evs), id)
			}
			if got := l.history(t, id); !slices.Equal(got, quickPromotedSteps) {
				t.Fatalf("history %v, want %v (one commit per step, no duplicate)", got, quickPromotedSteps)
			}
			// Every killed runner had looked at step 1: its first save went
			// onto the lease at its next renewal, so the resumed runner
			// continues the same evidence process.
			resumed := resumeReason(evs)
			if !strings.Contains(resumed, "evidence restored") {
				t.Errorf("the resumed runner did not continue the killed runner's evidence: %q", resumed)
			}
			t.Logf("killed and resumed to promotion in %s; %s", time.Since(began).Round(time.Second), resumed)
		})
	}

	l.hold(t)
	l.routed(t)
}

// startAndKill starts a runner and SIGKILLs it when until says so (or lets
// a failpoint kill it). It returns the rollout id.
func (l *labEnv) startAndKill(t *testing.T, env []string, until func(rollout.Event, int) bool, extra ...string) string {
	t.Helper()
	args := append([]string{"rollout", "start", "-o", "json", "--identity", "e2e-runner"}, extra...)
	cmd := labtest.Command(t, append(append([]string{}, l.env...), env...), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	id, seen, killed := "", 0, false
	var last []string // the runner's last events, for a runner that ended on its own
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev rollout.Event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		last = append(last[max(0, len(last)-7):], fmt.Sprintf("%s %s step %d: %s", ev.Type, ev.Phase, ev.Step, ev.Reason))
		if id == "" {
			id = ev.Rollout
		}
		if ev.Type == rollout.EventAnalysis && ev.Step == 2 {
			seen++
		}
		if until != nil && until(ev, seen) {
			_ = cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	// A failpoint SIGKILLs the runner itself; any other end before the
	// kill means the scenario did not happen: say how the runner ended.
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	selfKilled := until == nil && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	if !killed && !selfKilled {
		t.Fatalf("the runner ended (%s) before it could be killed; its last events:\n%s\nstderr:\n%s",
			cmd.ProcessState, strings.Join(last, "\n"), tail(stderr.String(), 40))
	}
	if id == "" {
		t.Fatal("no rollout id seen before the kill")
	}
	return id
}

// resumeReason is why a resumed run continued where it did (its first
// phase event leaving Idle).
func resumeReason(evs []rollout.Event) string {
	for _, ev := range evs {
		if ev.Type == rollout.EventPhase && ev.From != nil && *ev.From == rollout.Idle {
			return ev.Reason
		}
	}
	return ""
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// setFaults writes the simulator's fault ConfigMap in bookinfo (nil: none).
func setFaults(t *testing.T, l *labEnv, data map[string]string) {
	t.Helper()
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "mesh-faults", Namespace: "bookinfo"}, Data: data}
	if data == nil {
		cm.Data = map[string]string{}
	}
	if err := l.c.ApplyTyped(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
}
