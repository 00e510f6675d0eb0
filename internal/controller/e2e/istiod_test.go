//go:build e2e

package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestControllerIstiodE2E runs one release through the controller on a lab
// with istiod (make e2e-controller-istiod): the controller replicas get
// istiod's debug address from the lab (--istiod-debug), and each step
// commit must be reported applied by istiod, as a ControlPlaneApplied Event
// on the CanaryPolicy naming the commit, before the step is analysed.
func TestControllerIstiodE2E(t *testing.T) {
	l := startLab(t, "--istiod")
	if l.State.Endpoints.IstiodDebug == "" {
		t.Fatal("lab up --istiod gave no istiod debug address")
	}
	began := time.Now()
	id := l.release(t, "healthy, istiod")
	cp := l.waitEnd(t, id, rolloutTimeout)
	if cp.Status.Phase != "Promoted" {
		t.Fatalf("rollout %s ended %s: %s", id, cp.Status.Phase, cp.Status.Message)
	}
	t.Logf("promoted in %s", time.Since(began).Round(time.Second))

	evs := policyEvents(t, l)
	for _, c := range cp.Status.Commits {
		applied := findEvent(evs, "ControlPlaneApplied", "istiod applied "+short(c.SHA))
		committed := findEvent(evs, "RolloutCommit", "pushed "+short(c.SHA))
		switch {
		case applied == nil:
			t.Errorf("step %s (%s): no ControlPlaneApplied Event for %s; the policy's Events:\n%s", c.Step, c.Weights, short(c.SHA), dump(evs))
		case !strings.Contains(applied.msg, "proxies acknowledged") || strings.Contains(applied.msg, " 0/"):
			t.Errorf("step %s: %q does not say which proxies acknowledged", c.Step, applied.msg)
		case committed == nil || applied.at.Before(committed.at):
			t.Errorf("step %s: applied (%v) before its commit Event (%+v)", c.Step, applied.at, committed)
		default:
			t.Logf("step %s %s: %s", c.Step, c.Weights, applied.msg)
		}
	}
	if w := findEvent(evs, "RolloutWarning", ""); w != nil {
		t.Errorf("a RolloutWarning Event: %s", w.msg)
	}
}

type event struct {
	reason, msg string
	at          time.Time
}

// policyEvents lists the Events recorded on the CanaryPolicy.
func policyEvents(t *testing.T, l *ctlLab) []event {
	t.Helper()
	list, err := l.Cluster.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "events"}).Namespace(ns).
		List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + policyName})
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	for _, u := range list.Items {
		if kind, _, _ := unstructured.NestedString(u.Object, "involvedObject", "kind"); kind != "CanaryPolicy" {
			continue
		}
		reason, _, _ := unstructured.NestedString(u.Object, "reason")
		msg, _, _ := unstructured.NestedString(u.Object, "message")
		// events.k8s.io Events carry eventTime; core ones firstTimestamp.
		ts, _, _ := unstructured.NestedString(u.Object, "eventTime")
		if ts == "" {
			ts, _, _ = unstructured.NestedString(u.Object, "firstTimestamp")
		}
		at, _ := time.Parse(time.RFC3339Nano, ts)
		out = append(out, event{reason: reason, msg: msg, at: at})
	}
	return out
}

func findEvent(evs []event, reason, text string) *event {
	for i := range evs {
		if evs[i].reason == reason && strings.Contains(evs[i].msg, text) {
			return &evs[i]
		}
	}
	return nil
}

func dump(evs []event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s: %s\n", e.at.Format(time.RFC3339Nano), e.reason, e.msg)
	}
	return b.String()
}
