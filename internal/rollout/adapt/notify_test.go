package adapt

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func decisionEvent(d rollout.Decision) rollout.Event {
	return rollout.Event{Type: rollout.EventDecision, Time: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Rollout: "reviews-20260501-120000",
		Phase: rollout.RollingBack, Step: 2, Steps: 4, Weights: map[string]int32{"v1": 75, "v3": 25},
		SHA: "0123456789abcdef0123456789abcdef01234567", Decision: d, Reason: "canary failed at step 2: error-rate"}
}

func evidence() *rollout.Analysis {
	return &rollout.Analysis{Report: judge.Report{CanaryRequests: 1200, CanaryErrors: 60, BaselineRequests: 3600, BaselineErrors: 18,
		CanaryErrorRate: 0.05, BaselineErrorRate: 0.005, ObservedSplit: 0.25,
		Tests: []judge.TestResult{{Name: "error-rate", Statistic: 4.2, Bound: 3.0, Rejected: true}}}}
}

// TestNotificationFormats decodes each receiver's body and checks that the
// fields its receiver renders carry the rollout, step, weights, commit,
// reason and evidence.
func TestNotificationFormats(t *testing.T) {
	msg := NewMessage("bookinfo/reviews", decisionEvent(rollout.DecisionRollback))
	msg.Evidence = evidence()
	want := []string{"reviews-20260501-120000", "2/4", "v1=75,v3=25", "0123456789", "error-rate", "1200 req", "5.00%", "log BF 4.20/3.00"}
	tests := []struct {
		typ  policy.NotificationType
		text func(t *testing.T, m map[string]any) string
	}{
		{policy.NotifySlack, func(t *testing.T, m map[string]any) string {
			blocks, _ := m["blocks"].([]any)
			if _, ok := m["text"].(string); !ok || len(blocks) < 2 {
				t.Fatalf("slack body lacks text or blocks: %v", m)
			}
			b, _ := json.Marshal(blocks)
			return string(b)
		}},
		{policy.NotifyTeams, func(t *testing.T, m map[string]any) string {
			if m["@type"] != "MessageCard" || m["@context"] != "https://schema.org/extensions" || m["themeColor"] != "D13438" {
				t.Fatalf("teams card header %v", m)
			}
			b, _ := json.Marshal(m["sections"])
			return string(b)
		}},
		{policy.NotifyWebhook, func(t *testing.T, m map[string]any) string {
			ev, _ := m["evidence"].(map[string]any)
			if m["kind"] != "gitshift.decision" || m["decision"] != "rollback" || m["sha"] != msg.SHA || ev["canaryRequests"] != float64(1200) {
				t.Fatalf("webhook body %v", m)
			}
			return strings.Join([]string{m["rollout"].(string), "2/4", "v1=75,v3=25", "0123456789", m["reason"].(string), "1200 req", "5.00%", "log BF 4.20/3.00"}, " ")
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			b, err := msg.Format(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			got := tc.text(t, m)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s body lacks %q: %s", tc.typ, w, got)
				}
			}
		})
	}
	if _, err := msg.Format("pager"); err == nil {
		t.Error("unknown type formatted")
	}
}

// TestNotificationsNeverBlock: receivers that hang forever or fail cost
// the emitting engine nothing: Emit returns at once even when the queue is
// full, hanging requests time out, failures are counted.
func TestNotificationsNeverBlock(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	var failed atomic.Int64
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failed.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer fail.Close()
	d := NewDispatcher(DispatcherOptions{Timeout: 200 * time.Millisecond, Queue: 8, Workers: 2})
	n := &Notifications{Policy: "bookinfo/reviews", Out: d, Receivers: []Receiver{
		{Type: policy.NotifySlack, URL: hang.URL}, {Type: policy.NotifyWebhook, URL: fail.URL}}}
	start := time.Now()
	for i := 0; i < 200; i++ {
		n.Emit(context.Background(), decisionEvent(rollout.DecisionRollback))
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("200 Emits took %s with hanging receivers", took)
	}
	if d.Dropped.Load() == 0 {
		t.Error("a full queue dropped nothing")
	}
	deadline := time.Now().Add(10 * time.Second)
	for d.Failed.Load()+d.Dropped.Load() < 400 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := d.Failed.Load() + d.Dropped.Load(); got != 400 || failed.Load() == 0 || d.Sent.Load() != 0 {
		t.Errorf("failed %d + dropped %d (want 400 in all), failing receiver saw %d, sent %d", d.Failed.Load(), d.Dropped.Load(), failed.Load(), d.Sent.Load())
	}
	d.Close(time.Second)
}

// TestNotificationsFilterAndEvidence: On filters by decision; a decision
// carries the evidence of the analysis before it.
func TestNotificationsFilterAndEvidence(t *testing.T) {
	got := make(chan Message, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m Message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Error(err)
		}
		got <- m
	}))
	defer srv.Close()
	d := NewDispatcher(DispatcherOptions{})
	n := &Notifications{Out: d, Receivers: []Receiver{{Type: policy.NotifyWebhook, URL: srv.URL, On: []string{"rollback"}}}}
	n.Emit(context.Background(), decisionEvent(rollout.DecisionAdvance))
	n.Emit(context.Background(), rollout.Event{Type: rollout.EventAnalysis, Analysis: evidence()})
	n.Emit(context.Background(), decisionEvent(rollout.DecisionRollback))
	d.Close(5 * time.Second)
	close(got)
	var ms []Message
	for m := range got {
		ms = append(ms, m)
	}
	if len(ms) != 1 || ms[0].Decision != rollout.DecisionRollback || ms[0].Evidence == nil || ms[0].Evidence.CanaryRequests != 1200 {
		t.Fatalf("received %+v", ms)
	}
}
