package controller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/lease"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

var healthy = []string{"rollout-step 1/4", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"}

func finished(st api.Status) bool {
	return st.Phase == rollout.Promoted.String() || st.Phase == rollout.RolledBack.String() || st.Phase == rollout.Failed.String()
}

func condition(st api.Status, typ string) metav1.Condition {
	if c := meta.FindStatusCondition(st.Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// TestWorkloadTriggerPromotes: the first sight of the canary's Deployment
// is the baseline; a new image starts a rollout once the Deployment rolled
// it out, the controller promotes it step by step, and the status, its
// conditions and the Events tell every step.
func TestWorkloadTriggerPromotes(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", "")
	e.backend.refs = []WorkloadRef{{Kind: "Deployment", Namespace: "bookinfo", Name: "reviews-v3"}}
	ctx := context.Background()
	if err := e.client.Create(ctx, cp); err != nil {
		t.Fatal(err)
	}
	d := deployment("reviews:3.0", true)
	if err := e.client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	st := e.status("reviews")
	if st.Phase != api.PhaseIdle || st.Trigger == nil || len(st.Trigger.Templates) != 1 || e.backend.builds != 0 {
		t.Fatalf("first sight: phase %s trigger %+v builds %d", st.Phase, st.Trigger, e.backend.builds)
	}
	e.reconcile("reviews")
	if e.backend.builds != 0 {
		t.Fatal("an unchanged workload started a rollout")
	}
	// A commit changed the image; the Deployment is still rolling out.
	d.Spec.Template.Spec.Containers[0].Image = "reviews:3.1"
	d.Generation = 2 // the API server bumps it on a spec change; the fake does not
	if err := e.client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	if st := e.status("reviews"); e.backend.builds != 0 || !strings.Contains(st.Message, "to roll out its new pod template") {
		t.Fatalf("started before the workload rolled out: %q", st.Message)
	}
	d.Status.ObservedGeneration = d.Generation
	if err := e.client.Status().Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	var phases []string
	st = e.until("reviews", 500, func(st api.Status) bool {
		if len(phases) == 0 || phases[len(phases)-1] != st.Phase {
			phases = append(phases, st.Phase)
		}
		return finished(st)
	})
	repo := e.backend.repos["bookinfo/reviews"]
	if st.Phase != "Promoted" || !slices.Equal(repo.ours(), healthy) {
		t.Fatalf("ended %s (%s) with commits %v; phases %v", st.Phase, st.Message, repo.ours(), phases)
	}
	if !slices.Contains(phases, "Analysing") {
		t.Errorf("phases seen %v", phases)
	}
	if st.Step != "4/4" || st.CanaryWeight == nil || *st.CanaryWeight != 100 || st.LiveWeights["v3"] != 100 || len(st.Commits) != 4 {
		t.Errorf("status step %s canary %v live %v commits %d", st.Step, st.CanaryWeight, st.LiveWeights, len(st.Commits))
	}
	for _, c := range st.Commits {
		if c.PushToLiveSeconds == nil {
			t.Errorf("commit %s without push→live", c.SHA)
		}
	}
	if st.Trigger.Kind != "workload" || !strings.Contains(st.Trigger.Reason, "Deployment/bookinfo/reviews-v3 pod template") || st.Trigger.Rollout != st.RolloutID {
		t.Errorf("trigger %+v", st.Trigger)
	}
	if tr := repo.commits[0].Trailers[rollout.TrailerTrigger]; !strings.HasPrefix(tr, "workload: Deployment/bookinfo/reviews-v3") {
		t.Errorf("first commit's trigger trailer %q", tr)
	}
	if c := condition(st, api.ConditionPromoted); c.Status != metav1.ConditionTrue {
		t.Errorf("Promoted %+v", c)
	}
	if c := condition(st, api.ConditionProgressing); c.Status != metav1.ConditionFalse || c.Reason != "Promoted" {
		t.Errorf("Progressing %+v", c)
	}
	if st.LastDecision == nil || st.LastDecision.Decision != "promote" {
		t.Errorf("last decision %+v", st.LastDecision)
	}
	evs := e.events()
	for _, want := range []string{"RolloutCommit", "RolloutAdvance", "RolloutPromote", "RolloutPromoted"} {
		if !hasEvent(evs, want) {
			t.Errorf("no %s Event among %v", want, evs)
		}
	}
	// Each step's commit and advance is its own Event, not one series
	// showing the first step's note.
	if merged := e.mergedEvents(); len(merged) > 0 {
		t.Errorf("Events merged into one series (kubectl shows the first note only):\n%s", strings.Join(merged, "\n"))
	}
	if e.r.Active() != 0 {
		t.Error("the finished rollout stays in memory")
	}
	// The lease was released for the next runner.
	l, err := e.backend.leases.CoordinationV1().Leases("bookinfo").Get(ctx, lease.Name("reviews"), metav1.GetOptions{})
	if err != nil || (l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "") {
		t.Errorf("lease after the rollout: %+v %v", l, err)
	}
}

// TestFaultyCanaryRolledBackWithSlowReceivers: a canary at 5% errors is
// rolled back by a commit; the status says why with the numbers, the
// RolledBack condition says CanaryFailed; receivers that hang forever or
// fail get the decisions without delaying the rollback commit.
func TestFaultyCanaryRolledBackWithSlowReceivers(t *testing.T) {
	release := make(chan struct{})
	var hung, failed atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failed.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer fail.Close()

	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual, func(cp *api.CanaryPolicy) {
		cp.Spec.Notifications = []policy.Notification{{Type: policy.NotifySlack, URL: hang.URL}, {Type: policy.NotifyTeams, URL: fail.URL}}
	})
	repo := e.backend.repos["bookinfo/reviews"]
	repo.canaryErr = 0.05
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews") // baseline
	e.update("reviews", func(cp *api.CanaryPolicy) {
		cp.Annotations = map[string]string{api.StartAnnotation: "2026-05-01T12:00"}
	})
	var decided time.Time
	st := e.until("reviews", 500, func(st api.Status) bool {
		if decided.IsZero() && st.LastDecision != nil && st.LastDecision.Decision == "rollback" {
			decided = time.Now()
		}
		return finished(st)
	})
	if st.Phase != "RolledBack" || !slices.Equal(repo.ours(), []string{"rollout-step 1/4", "rollback 1/4"}) {
		t.Fatalf("ended %s with %v", st.Phase, repo.ours())
	}
	// The rollback decision and its commit happen in the same reconcile;
	// the commit's real time must not wait for the receivers.
	rollbackWall := repo.wall[len(repo.wall)-1]
	if d := rollbackWall.Sub(repo.wall[0]); d > 5*time.Second {
		t.Errorf("the rollback commit came %s after the first: receivers delayed it", d)
	}
	if !decided.IsZero() && rollbackWall.After(decided.Add(5*time.Second)) {
		t.Errorf("rollback commit %s after the decision", rollbackWall.Sub(decided))
	}
	d := st.LastDecision
	if d == nil || d.Decision != "rollback" || !strings.Contains(d.Reason, "canary failed at step 1") || d.Evidence == nil ||
		d.Evidence.CanaryRequests == 0 || d.Evidence.CanaryErrorRate < 0.04 || len(d.Evidence.Tests) == 0 {
		t.Fatalf("last decision %+v", d)
	}
	if c := condition(st, api.ConditionRolledBack); c.Status != metav1.ConditionTrue || c.Reason != "CanaryFailed" {
		t.Errorf("RolledBack %+v", c)
	}
	if st.Trigger.Kind != "manual" || st.Trigger.Annotation != "2026-05-01T12:00" {
		t.Errorf("trigger %+v", st.Trigger)
	}
	deadline := time.Now().Add(5 * time.Second)
	for (hung.Load() == 0 || failed.Load() < 2) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if hung.Load() == 0 || failed.Load() < 2 {
		t.Errorf("receivers got hang=%d fail=%d requests; want every decision sent", hung.Load(), failed.Load())
	}
	// The same annotation value does not start again.
	e.reconcile("reviews")
	if e.backend.builds != 1 {
		t.Errorf("%d builds: the consumed annotation started again", e.backend.builds)
	}
}

// TestLeaseHeldByACLIRun: a rollout started by a CLI (its lease held and
// renewed) is not driven by the controller: the status says Waiting and who
// holds the lease, nothing fails; once the CLI is gone (the lease expires)
// the controller resumes the rollout from Git and finishes it.
func TestLeaseHeldByACLIRun(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual)
	repo := e.backend.repos["bookinfo/reviews"]
	repo.startedBy("r-cli", "1/4", map[string]int32{"v1": 95, "v3": 5})
	holder, secs, now := "alice@laptop:4242", int32(60), metav1.NewMicroTime(e.clock.Now())
	_, err := e.backend.leases.CoordinationV1().Leases("bookinfo").Create(context.Background(), &coordv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: lease.Name("reviews"), Namespace: "bookinfo"},
		Spec:       coordv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	res := e.reconcile("reviews")
	st := e.status("reviews")
	if st.Phase != api.PhaseWaiting || st.LeaseHolder != holder || !strings.Contains(st.Message, holder) || res.RequeueAfter <= 0 {
		t.Fatalf("phase %s holder %q message %q requeue %s", st.Phase, st.LeaseHolder, st.Message, res.RequeueAfter)
	}
	if c := condition(st, api.ConditionProgressing); c.Status != metav1.ConditionTrue || c.Reason != api.PhaseWaiting {
		t.Errorf("Progressing %+v", c)
	}
	if len(repo.commits) != 1 {
		t.Fatalf("the controller committed while the CLI held the lease: %v", repo.ours())
	}
	if evs := e.events(); !hasEvent(evs, "LeaseHeld") {
		t.Errorf("no LeaseHeld Event: %v", evs)
	}
	waited := e.clock.Now()
	e.until("reviews", 500, func(st api.Status) bool { return st.Phase != api.PhaseWaiting })
	if d := e.clock.Now().Sub(waited); d > 90*time.Second {
		t.Errorf("resumed %s after the lease expired, want within its 60s plus one requeue", d)
	}
	st = e.until("reviews", 500, finished)
	if st.Phase != "Promoted" || st.RolloutID != "r-cli" || !slices.Equal(repo.ours(), healthy) {
		t.Fatalf("after the CLI died: %s %s %v", st.Phase, st.RolloutID, repo.ours())
	}
}

// TestRestartResumesMidAnalysis: a new controller process (a failover)
// rebuilds the rollout from Git and finishes it with no duplicate commit.
func TestRestartResumesMidAnalysis(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerPolicy)
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	e.update("reviews", func(cp *api.CanaryPolicy) {
		cp.Spec.Steps = []policy.Step{{Weight: 10}, {Weight: 50}, {Weight: 100}}
		cp.Generation = 2
	})
	e.until("reviews", 500, func(st api.Status) bool { return st.Phase == "Analysing" && st.Step == "2/3" })
	// The leader dies: a new reconciler (same clients, no memory).
	old := e.r
	e.r = NewReconciler(old.Client, e.backend, old.Recorder, NewMetrics(), old.Options, nil)
	e.r.Now = e.clock.Now
	st := e.until("reviews", 500, finished)
	want := []string{"rollout-step 1/3", "rollout-step 2/3", "promote 3/3"}
	if repo := e.backend.repos["bookinfo/reviews"]; st.Phase != "Promoted" || !slices.Equal(repo.ours(), want) {
		t.Fatalf("after failover: %s %v", st.Phase, repo.ours())
	}
	if st.Trigger.Kind != "policy" || !strings.Contains(st.Trigger.Reason, "generation 2") {
		t.Errorf("trigger %+v", st.Trigger)
	}
	if evs := e.events(); !slices.ContainsFunc(evs, func(ev string) bool {
		return strings.Contains(ev, "RolloutResumed") && strings.Contains(ev, "resuming rollout "+st.RolloutID+" at step 2/3")
	}) {
		t.Errorf("no RolloutResumed Event saying where the rollout went on: %v", evs)
	}
}

// TestCanaryAlready100: a trigger while Git gives the canary 100% starts
// nothing (going back to 5% would be a regression) and says so.
func TestCanaryAlready100(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual)
	e.backend.repos["bookinfo/reviews"].weights = map[string]int32{"v1": 0, "v3": 100}
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	e.update("reviews", func(cp *api.CanaryPolicy) { cp.Annotations = map[string]string{api.StartAnnotation: "go"} })
	e.reconcile("reviews")
	if st := e.status("reviews"); e.backend.builds != 0 || !strings.Contains(st.Message, "nothing to roll out") || st.Trigger.Annotation != "go" {
		t.Fatalf("builds %d status %+v", e.backend.builds, st)
	}
}

// TestInvalidSpec: Ready=False with the validation message, nothing runs.
func TestInvalidSpec(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", "", func(cp *api.CanaryPolicy) { cp.Spec.Steps = []policy.Step{{Weight: 50}, {Weight: 20}} })
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	st := e.status("reviews")
	if c := condition(st, api.ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != "InvalidSpec" || !strings.Contains(c.Message, "weights must increase") {
		t.Fatalf("Ready %+v", c)
	}
	if st.ObservedGeneration != 1 || e.backend.builds != 0 {
		t.Errorf("observedGeneration %d builds %d", st.ObservedGeneration, e.backend.builds)
	}
}

// TestUnresumableRolloutIsNotRetried: a rollout in Git whose steps no longer
// match the policy fails once with the reason, and is not retried (with
// the same Events and notifications) at every resync until Git moves.
func TestUnresumableRolloutIsNotRetried(t *testing.T) {
	e := newEnv(t)
	cp := e.policy("reviews", policy.TriggerManual)
	repo := e.backend.repos["bookinfo/reviews"]
	repo.startedBy("r-old", "1/3", map[string]int32{"v1": 90, "v3": 10})
	if err := e.client.Create(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	st := e.status("reviews")
	if st.Phase != "Failed" || !strings.Contains(st.Message, "does not match the policy's steps") {
		t.Fatalf("phase %s message %q", st.Phase, st.Message)
	}
	for i := 0; i < 3; i++ {
		e.reconcile("reviews") // each a resync later
	}
	if e.backend.builds != 1 || !strings.Contains(e.status("reviews").Message, "cannot be resumed") {
		t.Fatalf("%d builds; message %q", e.backend.builds, e.status("reviews").Message)
	}
	// The policy gets its old steps back: tried again, and it goes on.
	e.update("reviews", func(cp *api.CanaryPolicy) {
		cp.Spec.Steps = []policy.Step{{Weight: 10}, {Weight: 50}, {Weight: 100}}
		cp.Generation = 2
	})
	st = e.until("reviews", 200, finished)
	if e.backend.builds != 2 || st.Phase != "Promoted" || st.RolloutID != "r-old" {
		t.Errorf("after the policy changed: %d builds, %s %s", e.backend.builds, st.Phase, st.RolloutID)
	}
}
