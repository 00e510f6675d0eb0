//go:build e2e

package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/lab/labtest"
	"github.com/gitshift/gitshift/internal/meshsim"
)

var promotedSteps = []string{"rollout-step 1/4", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"}

// The leader Lease's timing (`gitshift controller` defaults, which the lab
// keeps). A standby sees the dead leader's last renewal up to one retry
// late and tries again one retry after the lease expired; client-go jitters
// each retry up to 2.2× the retry period (wait.JitterUntil, factor 1.2).
// So the standby leads within the lease duration plus two jittered retries.
const (
	leaseDuration = 15 * time.Second
	retryPeriod   = 2 * time.Second
	retryJittered = retryPeriod * 22 / 10
	// reconcileSlack bounds the new leader's start-up (controller-runtime
	// starts its informers once it leads) and its first reconcile.
	reconcileSlack = 10 * time.Second
	rolloutTimeout = 8 * time.Minute
)

// TestControllerE2E runs issue 12's acceptance scenarios in one lab: a
// release promoted by the controller (and a CLI start refused meanwhile),
// a faulty release rolled back, and the leader killed at three points of
// one rollout.
func TestControllerE2E(t *testing.T) {
	l := startLab(t)
	began := time.Now()
	t.Run("runs with exactly the chart's RBAC", func(t *testing.T) { controllerRBAC(t, l) })
	t.Run("release promoted by commits; Argo CD health; CLI refused", func(t *testing.T) { healthyRelease(t, l) })
	t.Run("faulty release rolled back; notifications", func(t *testing.T) { faultyRelease(t, l) })
	t.Run("leader SIGKILLed at three points", func(t *testing.T) { leaderKilled(t, l) })
	t.Logf("scenarios took %s", time.Since(began).Round(time.Second))
}

func healthyRelease(t *testing.T, l *ctlLab) {
	obs := l.observe(t)
	began := time.Now()
	id := l.release(t, "healthy")

	// d. A CLI start against the controller-owned canary is refused (exit 3)
	// and names the holder.
	l.waitPolicy(t, "the rollout analysing", 3*time.Minute, func(cp *api.CanaryPolicy) bool { return cp.Status.Phase == "Analysing" })
	pol := filepath.Join(labtest.Root(), "examples", "bookinfo-gitops", "rollout", "reviews.yaml")
	r := labtest.Run(t, l.env, "rollout", "start", "--policy", pol, "--repo", l.State.Endpoints.GitURL, "--branch", "main", "--identity", "e2e-cli")
	if r.Code != 3 || !strings.Contains(r.Stderr, controllerIdentity) {
		t.Errorf("rollout start against the controller's canary: exit %d, want 3 naming %q:\n%s", r.Code, controllerIdentity, r.Stderr)
	} else {
		t.Logf("CLI refused: %s", firstLine(r.Stderr))
	}

	cp := l.waitEnd(t, id, rolloutTimeout)
	// Argo CD recomputes health after the status changed: give it a moment.
	l.waitHealth(t, "Healthy", time.Minute)
	obs.Stop()
	if cp.Status.Phase != "Promoted" {
		t.Fatalf("rollout %s ended %s: %s", id, cp.Status.Phase, cp.Status.Message)
	}
	t.Logf("promoted in %s", time.Since(began).Round(time.Second))
	if got := l.history(t, id); !slices.Equal(got, promotedSteps) {
		t.Errorf("history %v, want %v", got, promotedSteps)
	}
	// The status lists every step commit with its push→live time.
	var commits []string
	for _, c := range cp.Status.Commits {
		commits = append(commits, c.Action+" "+c.Step)
		if c.PushToLiveSeconds == nil {
			t.Errorf("commit %s has no push→live time", c.SHA)
		} else {
			t.Logf("step %s %s: push→live %.1fs", c.Step, c.Weights, *c.PushToLiveSeconds)
		}
	}
	if !slices.Equal(commits, promotedSteps) {
		t.Errorf("status commits %v, want %v", commits, promotedSteps)
	}
	if c := meta.FindStatusCondition(cp.Status.Conditions, api.ConditionPromoted); c == nil || c.Status != "True" {
		t.Errorf("Promoted condition %+v", c)
	}
	rows, health, polHealth := obs.seen()
	t.Logf("kubectl get canarypolicies (PHASE STEP CANARY DECISION) seen: %q", rows)
	t.Logf("Argo CD health of %s: %v; of the CanaryPolicy: %v", rolloutApp, health, polHealth)
	// Every step appears in what kubectl prints, then Promoted.
	for _, step := range []string{" 1/4 5 ", " 2/4 25 ", " 3/4 50 "} {
		if !slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, step) }) {
			t.Errorf("kubectl get never showed step %q: %q", step, rows)
		}
	}
	if len(rows) == 0 || rows[len(rows)-1] != "Promoted 4/4 100 promote" {
		t.Errorf("last row %q, want Promoted 4/4 100 promote", rows)
	}
	if !hasInOrder(health, "Progressing", "Healthy") || !hasInOrder(polHealth, "Progressing", "Healthy") {
		t.Errorf("Argo CD health %v (policy %v), want Progressing then Healthy", health, polHealth)
	}
	l.checkNotified(t, id)
}

func faultyRelease(t *testing.T, l *ctlLab) {
	ctx := context.Background()
	set := map[string]string{}
	for key, rate := range map[string]float64{"reviews.v3": 0.05, "reviews.v1": 0.005} {
		v, err := lab.FaultValue(key, faultProfile(rate))
		if err != nil {
			t.Fatal(err)
		}
		set[key] = v
	}
	if err := l.Cluster.UpdateFaults(ctx, ns, set, nil, false); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Cluster.UpdateFaults(context.Background(), ns, nil, nil, true) }()
	obs := l.observe(t)
	began := time.Now()
	id := l.release(t, "faulty")
	cp := l.waitEnd(t, id, rolloutTimeout)
	// Argo CD recomputes health after the status changed: give it a moment.
	l.waitHealth(t, "Degraded", time.Minute)
	obs.Stop()
	st := cp.Status
	if st.Phase != "RolledBack" {
		t.Fatalf("rollout %s ended %s: %s", id, st.Phase, st.Message)
	}
	got := l.history(t, id)
	if len(got) < 2 || !strings.HasPrefix(got[len(got)-1], "rollback ") {
		t.Errorf("history %v: want step commit(s), then a rollback", got)
	}
	c := meta.FindStatusCondition(st.Conditions, api.ConditionRolledBack)
	if c == nil || c.Status != "True" || c.Reason != "CanaryFailed" {
		t.Errorf("RolledBack condition %+v, want True/CanaryFailed", c)
	}
	d := st.LastDecision
	if d == nil || d.Decision != "rollback" || d.Evidence == nil || d.Evidence.CanaryRequests == 0 || d.Evidence.CanaryErrors == 0 ||
		d.Evidence.CanaryErrorRate <= d.Evidence.BaselineErrorRate || len(d.Evidence.Tests) == 0 {
		t.Errorf("last decision %+v: want a rollback with the numbers", d)
	} else {
		e := d.Evidence
		t.Logf("rolled back in %s at step %s: %s; canary %d/%d errors (%.2f%%), baseline %d/%d (%.2f%%), %s logBF %.2f vs %.2f",
			time.Since(began).Round(time.Second), d.Step, d.Reason, e.CanaryErrors, e.CanaryRequests, 100*e.CanaryErrorRate,
			e.BaselineErrors, e.BaselineRequests, 100*e.BaselineErrorRate, e.Tests[0].Name, e.Tests[0].LogBayesFactor, e.Tests[0].Bound)
	}
	if !strings.Contains(d.Reason, "%") {
		t.Errorf("the reason %q gives no rates", d.Reason)
	}
	_, health, polHealth := obs.seen()
	t.Logf("Argo CD health of %s: %v; of the CanaryPolicy: %v", rolloutApp, health, polHealth)
	if !hasInOrder(health, "Progressing", "Degraded") || !hasInOrder(polHealth, "Progressing", "Degraded") {
		t.Errorf("Argo CD health %v (policy %v), want Progressing then Degraded", health, polHealth)
	}
	l.checkNotified(t, id)
}

// waitHealth waits until Argo CD shows the policy's Application so.
func (l *ctlLab) waitHealth(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h, err := l.Cluster.Health(context.Background(), l.State.Endpoints.ArgoCDNS, rolloutApp)
		if err == nil && h.Health == want && h.Resources[policyKey] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("Argo CD shows %s %+v (err %v), want %s", rolloutApp, h, err, want)
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// checkNotified: the receiver got one message per decision, as Git
// records them: start, an advance from each step to the next, then the
// promotion (once live) or the rollback.
func (l *ctlLab) checkNotified(t *testing.T, id string) {
	t.Helper()
	want := decisionsFromGit(l.history(t, id))
	deadline := time.Now().Add(15 * time.Second) // the dispatcher sends asynchronously
	for {
		got := l.hooks.decisions(id)
		if len(want) >= 2 && slices.Equal(got, want) {
			t.Logf("notifications: %v", got)
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("notifications %v, want one per decision %v", got, want)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// decisionsFromGit derives the decisions from a rollout's commits ("action
// i/n"): the first commit was started, each later one was decided at the
// step before it, and a promotion is decided once its commit is live.
func decisionsFromGit(history []string) []string {
	if len(history) == 0 {
		return nil
	}
	_, first, _ := strings.Cut(history[0], " ")
	_, n, _ := strings.Cut(first, "/")
	out := []string{"start 0/" + n}
	for i := 1; i < len(history); i++ {
		action, _, _ := strings.Cut(history[i], " ")
		_, prev, _ := strings.Cut(history[i-1], " ")
		decision := "advance"
		if action == "rollback" {
			decision = "rollback"
		}
		out = append(out, decision+" "+prev)
	}
	if last := history[len(history)-1]; strings.HasPrefix(last, "promote ") {
		out = append(out, "promote "+strings.TrimPrefix(last, "promote "))
	}
	return out
}

// leaderKilled: one release, three leader deaths: SIGKILL from outside
// mid-analysis of step 1; the failpoint before step 2's push; the
// failpoint right after step 3's push (before Argo CD syncs it). Each
// time the other replica (or the restarted one) takes over within the
// lease duration plus one reconcile, and the rollout ends promoted with
// exactly one commit per step.
func leaderKilled(t *testing.T, l *ctlLab) {
	fp := lab.Layout{Dir: l.Dir}.FailpointFile()
	arm := func(v string) {
		if err := os.WriteFile(fp, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Remove(fp + ".fired")
	arm("before-push:2")
	defer os.Remove(fp)
	limit := leaseDuration + 2*retryJittered + reconcileSlack
	began := time.Now()
	id := l.release(t, "failover")

	// 1. Mid-analysis: kill the leader once step 1 has been analysed a while.
	cp := l.waitPolicy(t, "step 1 analysing", 3*time.Minute, func(cp *api.CanaryPolicy) bool {
		return cp.Status.Phase == "Analysing" && cp.Status.Step == "1/4" && len(cp.Status.Commits) > 0 &&
			time.Since(cp.Status.Commits[0].Time.Time) > 10*time.Second
	})
	name, pid := l.leader(t)
	killedAt := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := l.takeover(t, killedAt, limit)
	t.Logf("mid-analysis (step %s, %s): SIGKILL %s (pid %d); a replica led and reconciled %s later", cp.Status.Step, cp.Status.Phase, name, pid, took.Round(100*time.Millisecond))

	// 2. After commit, before push (step 2), then 3. after push, before sync (step 3).
	for _, point := range []struct{ name, next string }{
		{"after commit before push (step 2)", "after-push:3"},
		{"after push before sync (step 3)", ""},
	} {
		name, pid := l.leader(t)
		killedAt := l.waitFired(t, fp, pid, rolloutTimeout)
		if point.next != "" {
			arm(point.next)
		}
		took := l.takeover(t, killedAt, limit)
		t.Logf("%s: failpoint killed %s (pid %d); a replica led and reconciled %s later", point.name, name, pid, took.Round(100*time.Millisecond))
	}

	cp = l.waitEnd(t, id, rolloutTimeout)
	if cp.Status.Phase != "Promoted" {
		t.Fatalf("rollout %s ended %s after the failovers: %s", id, cp.Status.Phase, cp.Status.Message)
	}
	if got := l.history(t, id); !slices.Equal(got, promotedSteps) {
		t.Errorf("history %v, want %v (one commit per step, no duplicate)", got, promotedSteps)
	}
	// Each new leader continued the rollout's evidence from the Lease
	// (one evidence process across the failovers, docs/statistics.md §4).
	var resumed []string
	for _, ev := range policyEvents(t, l) {
		if ev.reason == "RolloutResumed" && strings.Contains(ev.msg, id) {
			resumed = append(resumed, ev.msg)
		}
	}
	if len(resumed) == 0 || !slices.ContainsFunc(resumed, func(m string) bool { return strings.Contains(m, "evidence restored") }) {
		t.Errorf("no new leader restored the judge's evidence; RolloutResumed Events: %q", resumed)
	}
	for _, m := range resumed {
		t.Logf("RolloutResumed: %s", m)
	}
	st, _ := lab.LoadState(l.Dir)
	for _, ep := range l.State.Endpoints.Controllers {
		if c := st.Component(ep.Name); c != nil {
			t.Logf("%s restarted %d times", c.Name, c.Restarts)
		}
	}
	t.Logf("promoted through 3 failovers in %s", time.Since(began).Round(time.Second))
	// Notifications are at least once across a crash (a decision taken
	// again after the takeover is sent again; one queued when the leader
	// died is lost with it): logged, not asserted.
	t.Logf("notifications: %v", l.hooks.decisions(id))
}

// waitFired waits until the failpoint the lab's replicas read
// (wire.FailpointFileEnv) fired: the replica renamed the file, then killed
// itself; it returns when, once that process is gone.
func (l *ctlLab) waitFired(t *testing.T, fp string, pid int, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if fi, err := os.Stat(fp + ".fired"); err == nil {
			for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			_ = os.Remove(fp + ".fired")
			// The rename is the file's last status change (its mtime is
			// when it was armed).
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				return time.Unix(st.Ctim.Unix())
			}
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failpoint %s never fired", fp)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// faultProfile is the simulator's default answer with this error rate.
func faultProfile(rate float64) meshsim.Profile {
	p := meshsim.DefaultProfile
	p.ErrorRate = rate
	return p
}
