package adapt

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

func analysis(t *testing.T) policy.Analysis {
	t.Helper()
	p, err := policy.Complete(policy.CanaryPolicy{}, policy.Overrides{Application: "a", VirtualService: &policy.ObjectRef{Namespace: "n", Name: "vs"}, StableSubset: "v1", CanarySubset: "v3"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec.Analysis
}

// TestJudge drives the real judge as NewJudge configures it: an equal
// canary is promoted, a canary at 5% errors against 0.5% fails, at 5%
// weight; with errorRate.enabled false errors are not judged.
func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		canaryErr float64
		errorRate bool
		want      judge.Verdict
	}{
		{"equal canary", 0.005, true, judge.Promote},
		{"5% vs 0.5% errors", 0.05, true, judge.Fail},
		{"5% vs 0.5% errors, errorRate disabled", 0.05, false, judge.Promote},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := analysis(t)
			a.ErrorRate.Enabled = &tc.errorRate
			j, err := NewJudge(a)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Unix(0, 0)
			if err := j.BeginStep(t0, 5); err != nil {
				t.Fatal(err)
			}
			var d judge.Decision
			// Windows of 50 canary and 950 baseline requests whose errors
			// add up to exactly the rates over time.
			errsUpTo := func(n int64, rate float64) int64 { return int64(float64(n) * rate) }
			for i := int64(1); i <= 60 && d.Verdict != judge.Fail; i++ {
				c := stats.Counts{Requests: 50, Errors: errsUpTo(50*i, tc.canaryErr) - errsUpTo(50*(i-1), tc.canaryErr)}
				b := stats.Counts{Requests: 950, Errors: errsUpTo(950*i, 0.005) - errsUpTo(950*(i-1), 0.005)}
				if d, err = j.Observe(t0.Add(time.Duration(i)*10*time.Second), c, b); err != nil {
					t.Fatal(err)
				}
			}
			if d.Verdict != tc.want {
				t.Fatalf("verdict %s (%s), want %s; report %+v", d.Verdict, d, tc.want, d.Report)
			}
			if d.Report.Weight != 5 || d.Report.CanaryRequests == 0 || len(d.Report.Tests) == 0 {
				t.Errorf("report %+v", d.Report)
			}
		})
	}
}

type fakeQ struct {
	v   model.Value
	err error
}

func (f fakeQ) Query(context.Context, string, time.Time) (model.Value, error) { return f.v, f.err }

func TestQuerier(t *testing.T) {
	one := model.Vector{&model.Sample{Value: 0.42}}
	two := model.Vector{&model.Sample{Value: 1}, &model.Sample{Value: 2}}
	for _, tc := range []struct {
		name    string
		q       fakeQ
		want    float64
		wantErr error
	}{
		{"scalar", fakeQ{v: &model.Scalar{Value: 3}}, 3, nil},
		{"one sample", fakeQ{v: one}, 0.42, nil},
		{"empty", fakeQ{v: model.Vector{}}, 0, rollout.ErrNoData},
		{"two series", fakeQ{v: two}, 0, errors.New("")},
		{"down", fakeQ{err: &metrics.UnavailableError{URL: "http://p", Err: errors.New("refused")}}, 0, rollout.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Querier{Q: tc.q}.Query(context.Background(), "x", time.Now())
			switch {
			case tc.wantErr == nil && (err != nil || got != tc.want):
				t.Errorf("got %v %v", got, err)
			case tc.wantErr != nil && err == nil:
				t.Errorf("want error")
			case tc.wantErr != nil && tc.wantErr.Error() != "" && !errors.Is(err, tc.wantErr):
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
		})
	}
}

func TestWebhooks(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p HookPayload
		_ = json.NewDecoder(r.Body).Decode(&p)
		got = append(got, string(p.Hook)+":"+p.Event.Rollout)
		if r.URL.Path == "/fail" {
			http.Error(w, "nope", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	h := Webhooks{URLs: map[rollout.HookPoint]string{rollout.HookBeforeStep: srv.URL + "/ok", rollout.HookAfterStep: srv.URL + "/fail"}}
	ctx := context.Background()
	if err := h.Call(ctx, rollout.HookBeforeStep, rollout.Event{Rollout: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Call(ctx, rollout.HookAfterStep, rollout.Event{Rollout: "r1"}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("want 503 error, got %v", err)
	}
	if err := h.Call(ctx, rollout.HookOnRollback, rollout.Event{}); err != nil {
		t.Fatal("unset hook must be a no-op")
	}
	if strings.Join(got, ",") != "beforeStep:r1,afterStep:r1" {
		t.Errorf("calls %v", got)
	}
	// A webhook URL's credentials never reach an error (and so the events
	// and logs that quote it): refused, failing, or malformed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	for _, u := range []string{"http://u:s3crP@" + down + "/hook?token=s3crQ", srv.URL + "/fail?sig=s3crS", "http://s3crT@" + down + "/h", "http://u:s3cr%zz@h/"} {
		err := Webhooks{URLs: map[rollout.HookPoint]string{rollout.HookBeforeStep: u}}.Call(ctx, rollout.HookBeforeStep, rollout.Event{})
		if err == nil || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("%v", err)
		}
	}
}

func TestAppEvents(t *testing.T) {
	cs := k8sfake.NewSimpleClientset()
	a := AppEvents{Core: cs, Namespace: "argocd", App: "bookinfo", Host: "me"}
	ctx := context.Background()
	a.Emit(ctx, rollout.Event{Type: rollout.EventAnalysis, Rollout: "r1"})
	a.Emit(ctx, rollout.Event{Type: rollout.EventDecision, Decision: rollout.DecisionRollback, Rollout: "r1", Step: 2, Steps: 4, Reason: "error rate"})
	a.Emit(ctx, rollout.Event{Type: rollout.EventDone, Phase: rollout.Promoted, Rollout: "r1"})
	evs, err := cs.CoreV1().Events("argocd").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Items) != 2 {
		t.Fatalf("%d events, want 2 (analysis looks are not events)", len(evs.Items))
	}
	e := evs.Items[0]
	if e.Reason != "RolloutRollback" || e.Type != "Warning" || e.InvolvedObject.Kind != "Application" || e.InvolvedObject.Name != "bookinfo" {
		t.Errorf("event %+v", e)
	}
	if evs.Items[1].Reason != "RolloutPromoted" || evs.Items[1].Type != "Normal" {
		t.Errorf("event %+v", evs.Items[1])
	}
}
