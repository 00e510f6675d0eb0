package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// signal commits a person's control signal for the newest rollout, as
// `gitshift rollout pause|resume|abort` does.
func signal(repo *fakeRepo, s rollout.Signal) {
	id := ""
	for i := len(repo.commits) - 1; i >= 0 && id == ""; i-- {
		id = repo.commits[i].Trailers[rollout.TrailerRollout]
	}
	repo.add("signal", []rollout.Trailer{{Key: rollout.TrailerAction, Value: rollout.ActionControl}, {Key: rollout.TrailerRollout, Value: id},
		{Key: rollout.TrailerVirtualService, Value: "bookinfo/reviews"}, {Key: rollout.TrailerSignal, Value: string(s)}}, nil)
}

// TestSignalsAgainstAControllerRollout: pause, resume and abort signal
// commits (the CLI's) steer a rollout the controller drives.
func TestSignalsAgainstAControllerRollout(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual, func(cp *api.CanaryPolicy) { cp.Spec.StepDefaults.MinDuration = policy.D(5 * 60e9) })
	repo := e.backend.repos["bookinfo/reviews"]
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	e.update("reviews", func(cp *api.CanaryPolicy) { cp.Annotations = map[string]string{api.StartAnnotation: "1"} })
	e.until("reviews", 100, func(st api.Status) bool { return st.Phase == "Analysing" })
	signal(repo, rollout.SignalPause)
	st := e.until("reviews", 100, func(st api.Status) bool { return st.Phase == "Paused" })
	if st.LastDecision == nil || st.LastDecision.Decision != "pause" {
		t.Fatalf("paused with %+v", st.LastDecision)
	}
	signal(repo, rollout.SignalResume)
	e.until("reviews", 100, func(st api.Status) bool { return st.Phase == "Analysing" })
	signal(repo, rollout.SignalAbort)
	st = e.until("reviews", 100, finished)
	if st.Phase != "RolledBack" || !strings.Contains(st.LastDecision.Reason, "aborted by") {
		t.Fatalf("after abort: %s %+v", st.Phase, st.LastDecision)
	}
	if c := condition(st, api.ConditionRolledBack); c.Reason != "Aborted" {
		t.Errorf("RolledBack reason %s", c.Reason)
	}
	got := repo.ours()
	if got[len(got)-1] != "rollback 1/4" {
		t.Errorf("commits %v", got)
	}
}

// TestMetrics: a rolled-back rollout shows in the decisions counter (by
// typed reason), the push→live histogram, the judge's evidence gauge and
// the phase gauge.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual)
	e.backend.repos["bookinfo/reviews"].canaryErr = 0.05
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	e.update("reviews", func(cp *api.CanaryPolicy) { cp.Annotations = map[string]string{api.StartAnnotation: "1"} })
	e.until("reviews", 100, finished)
	m := e.r.Metrics
	if v := testutil.ToFloat64(m.Decisions.WithLabelValues("rollback", "CanaryFailed")); v != 1 {
		t.Errorf("rollback decisions %v", v)
	}
	if v := testutil.ToFloat64(m.Started.WithLabelValues("manual")); v != 1 {
		t.Errorf("started %v", v)
	}
	if n := testutil.CollectAndCount(m.LogBF); n == 0 {
		t.Error("no judge evidence series")
	}
	reg := prometheus.NewRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP gitshift_rollouts CanaryPolicies by phase (Idle, Waiting, or the rollout engine's phase).
# TYPE gitshift_rollouts gauge
gitshift_rollouts{phase="RolledBack"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "gitshift_rollouts"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.PushToLive); n != 1 {
		t.Errorf("push→live histogram series %d", n)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "gitshift_push_to_live_seconds" && mf.Metric[0].Histogram.GetSampleCount() != 2 {
			t.Errorf("push→live samples %d, want 2 (the step and the rollback)", mf.Metric[0].Histogram.GetSampleCount())
		}
	}
}
