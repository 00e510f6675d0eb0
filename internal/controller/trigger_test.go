package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func TestDecide(t *testing.T) {
	seen := &api.TriggerStatus{Kind: "workload", Reason: "earlier", Generation: 3, Annotation: "a1",
		Templates: map[string]string{"Deployment/ns/reviews-v3": "aaa"}}
	noWorkloads := &api.TriggerStatus{Kind: "workload", Reason: "earlier", Generation: 3, Annotation: "a1"}
	v3 := func(tmpl string, out bool) []Workload {
		return []Workload{{Key: "Deployment/ns/reviews-v3", Template: tmpl, RolledOut: out}}
	}
	tests := []struct {
		name      string
		in        TriggerInput
		start     bool
		why, msg  string
		consumed  bool // Seen is replaced by the current inputs
		wantSeenT string
	}{
		{"first sight is the baseline", TriggerInput{Kind: policy.TriggerWorkload, Generation: 1, Workloads: v3("aaa", true)}, false, "", "baseline", true, "aaa"},
		{"first sight of a policy trigger is the baseline too", TriggerInput{Kind: policy.TriggerPolicy, Generation: 1}, false, "", "baseline", true, ""},
		{"workload unchanged", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Annotation: "a1", Workloads: v3("aaa", true), Seen: seen}, false, "", "waiting for a new pod template", true, "aaa"},
		{"new template rolled out starts", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Annotation: "a1", Workloads: v3("bbb", true), Seen: seen}, true, "workload: Deployment/ns/reviews-v3 pod template bbb", "", true, "bbb"},
		{"new template still rolling out waits, not consumed", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Workloads: v3("bbb", false), Seen: seen}, false, "", "to roll out its new pod template", false, "aaa"},
		{"a new canary workload starts", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Annotation: "a1", Workloads: append(v3("aaa", true), Workload{Key: "Deployment/ns/reviews-v3b", Template: "ccc", RolledOut: true}), Seen: seen}, true, "workload: Deployment/ns/reviews-v3b pod template ccc", "", true, "aaa"},
		{"no canary workload", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Seen: seen}, false, "", "no workload behind the canary subset", true, ""},
		// Argo CD applied the policy before the Deployment existed (one
		// sync, or two Applications): the canary's first workloads are
		// the baseline, as if seen with the policy.
		{"the canary's first workloads are the baseline", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Annotation: "a1", Workloads: v3("aaa", true), Seen: noWorkloads}, false, "", "baseline", true, "aaa"},
		{"the canary's first workloads, still rolling out, too", TriggerInput{Kind: policy.TriggerWorkload, Generation: 3, Annotation: "a1", Workloads: v3("aaa", false), Seen: noWorkloads}, false, "", "baseline", true, "aaa"},
		{"policy generation changed starts", TriggerInput{Kind: policy.TriggerPolicy, Generation: 4, Annotation: "a1", Workloads: v3("bbb", true), Seen: seen}, true, "policy: generation 4 (was 3)", "", true, "bbb"},
		{"policy unchanged; a new image is only recorded", TriggerInput{Kind: policy.TriggerPolicy, Generation: 3, Annotation: "a1", Workloads: v3("bbb", true), Seen: seen}, false, "", "waiting for a change of the policy's spec", true, "bbb"},
		{"manual: new annotation starts", TriggerInput{Kind: policy.TriggerManual, Generation: 3, Annotation: "a2", Seen: seen}, true, "manual: annotation gitshift.dev/start=a2", "", true, ""},
		{"manual: same annotation waits", TriggerInput{Kind: policy.TriggerManual, Generation: 4, Annotation: "a1", Seen: seen}, false, "", "waiting for `gitshift rollout start`", true, ""},
		{"manual: annotation removed waits", TriggerInput{Kind: policy.TriggerManual, Generation: 3, Seen: seen}, false, "", "waiting", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.in)
			if d.Start != tc.start || d.Why != tc.why || !strings.Contains(d.Message, tc.msg) {
				t.Fatalf("decision %+v, want start %v why %q message ~%q", d, tc.start, tc.why, tc.msg)
			}
			if (d.Seen != nil) != tc.consumed {
				t.Fatalf("seen %+v, consumed want %v", d.Seen, tc.consumed)
			}
			if d.Seen != nil {
				if got := d.Seen.Templates["Deployment/ns/reviews-v3"]; got != tc.wantSeenT {
					t.Errorf("seen template %q want %q", got, tc.wantSeenT)
				}
				if d.Seen.Generation != tc.in.Generation || d.Seen.Annotation != tc.in.Annotation {
					t.Errorf("seen %+v does not record the inputs", d.Seen)
				}
				if tc.in.Seen != nil && d.Seen.Reason != "earlier" {
					t.Errorf("the last start's reason was lost: %+v", d.Seen)
				}
			}
		})
	}
}

func TestTemplateHash(t *testing.T) {
	a := TemplateHash(deployment("reviews:3.0", true).Spec.Template)
	if a != TemplateHash(deployment("reviews:3.0", false).Spec.Template) || a == TemplateHash(deployment("reviews:3.1", true).Spec.Template) || len(a) != 10 {
		t.Errorf("hash %s", a)
	}
}

func TestSetConditions(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ok := Readiness{OK: true}
	tests := []struct {
		phase                          string
		ready                          Readiness
		cause                          string
		progressing, promoted, rolledB metav1.ConditionStatus
		ready1                         metav1.ConditionStatus
		rbReason                       string
	}{
		{"", ok, "", "False", "False", "False", "True", "NoRollout"},
		{"Analysing", ok, "", "True", "False", "False", "True", "Analysing"},
		{"Waiting", ok, "", "True", "False", "False", "True", "Waiting"},
		{"Promoted", ok, "", "False", "True", "False", "True", "Promoted"},
		{"RolledBack", ok, "CanaryFailed", "False", "False", "True", "True", "CanaryFailed"},
		{"Failed", ok, "PushFailed", "False", "False", "False", "True", "Failed"},
		{"Idle", Readiness{Reason: "InvalidSpec", Message: "spec.steps[1].weight: weights must increase"}, "", "False", "False", "False", "False", "NoRollout"},
	}
	for _, tc := range tests {
		t.Run(tc.phase+"/"+tc.ready.Reason, func(t *testing.T) {
			st := &api.Status{Phase: tc.phase, Message: "next"}
			SetConditions(st, 7, tc.ready, tc.cause, now)
			get := func(typ string) metav1.Condition { return *meta.FindStatusCondition(st.Conditions, typ) }
			for typ, want := range map[string]metav1.ConditionStatus{api.ConditionProgressing: tc.progressing, api.ConditionPromoted: tc.promoted,
				api.ConditionRolledBack: tc.rolledB, api.ConditionReady: tc.ready1} {
				if c := get(typ); c.Status != want || c.ObservedGeneration != 7 || c.Reason == "" || c.Message == "" {
					t.Errorf("%s = %+v, want %s", typ, c, want)
				}
			}
			if c := get(api.ConditionRolledBack); c.Reason != tc.rbReason {
				t.Errorf("RolledBack reason %s, want %s", c.Reason, tc.rbReason)
			}
			// Recomputing with the same inputs changes nothing (no status churn).
			before := append([]metav1.Condition(nil), st.Conditions...)
			SetConditions(st, 7, tc.ready, tc.cause, now.Add(time.Hour))
			for i := range before {
				if !before[i].LastTransitionTime.Equal(&st.Conditions[i].LastTransitionTime) {
					t.Errorf("%s transition time moved without a change", before[i].Type)
				}
			}
		})
	}
}

// TestWorkloadsAppearAfterThePolicy: Argo CD applied the policy before the
// canary's Deployment and DestinationRule existed (the lab does so in one
// sync). Nothing watched tells the controller when the subset resolves, so
// it looks again soon rather than at the next resync; the workloads it then
// finds are the baseline, and only a later template starts a rollout.
func TestWorkloadsAppearAfterThePolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.client.Create(ctx, e.policy("reviews", "")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // first sight, then a look at the baseline
		res := e.reconcile("reviews")
		if res.RequeueAfter <= 0 || res.RequeueAfter > e.r.Options.RetryAfter {
			t.Errorf("look %d without workloads: looked at again after %s, want within %s", i+1, res.RequeueAfter, e.r.Options.RetryAfter)
		}
	}
	if st := e.status("reviews"); st.Phase != api.PhaseIdle || !strings.Contains(st.Message, "no workload") {
		t.Fatalf("without workloads: phase %s message %q", st.Phase, st.Message)
	}
	e.backend.refs = []WorkloadRef{{Kind: "Deployment", Namespace: "bookinfo", Name: "reviews-v3"}}
	d := deployment("reviews:3.0", true)
	if err := e.client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	if st := e.status("reviews"); e.backend.builds != 0 || st.Trigger == nil || len(st.Trigger.Templates) != 1 {
		t.Fatalf("the first workloads started a rollout (builds %d) or were not recorded: %+v", e.backend.builds, st.Trigger)
	}
	d.Spec.Template.Spec.Containers[0].Image = "reviews:3.1"
	if err := e.client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	e.reconcile("reviews")
	if e.backend.builds != 1 {
		t.Errorf("a new template after the baseline started %d rollouts, want 1", e.backend.builds)
	}
}
