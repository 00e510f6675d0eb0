package judge

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func hist(fast, slow int64) []Bucket {
	return []Bucket{{LE: 0.1, Count: fast}, {LE: 0.5, Count: fast + slow}, {LE: math.Inf(1), Count: fast + slow}}
}

func TestJudgeSingleWindow(t *testing.T) {
	noLatency := DefaultPolicy()
	noLatency.Latency = false
	noLatency.MinDuration = time.Minute
	withLatency := noLatency
	withLatency.Latency = true
	tests := []struct {
		name       string
		pol        Policy
		weight     float64
		at         time.Duration
		canary     Counts
		baseline   Counts
		want       Verdict
		wantReason Reason
	}{
		// reference/stats.md §2 worked examples (observed share 10%).
		{"20 of 100 errors on canary: continue then promote", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 20}, Counts{Requests: 9000, Errors: 80}, Promote, ReasonNone},
		{"25 of 100 errors on canary: reject", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 25}, Counts{Requests: 9000, Errors: 75}, Fail, ReasonErrorRate},
		{"canary better: never rejects", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 0}, Counts{Requests: 9000, Errors: 300}, Promote, ReasonNone},
		{"min duration not reached", noLatency, 0.1, 30 * time.Second,
			Counts{Requests: 1000, Errors: 1}, Counts{Requests: 9000, Errors: 9}, Continue, ReasonNone},
		{"too few canary requests", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 50}, Counts{Requests: 450}, Continue, ReasonNone},
		{"split 50/50 at weight 10%", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 5000}, Counts{Requests: 5000}, Fail, ReasonSplitMismatch},
		{"guard: 15% errors on both arms", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 200, Errors: 30}, Counts{Requests: 1800, Errors: 270}, Fail, ReasonAbsoluteGuard},
		{"guard: 6% over 200 requests is no evidence above 5%", noLatency, 0.1, 2 * time.Minute,
			Counts{Requests: 200, Errors: 12}, Counts{Requests: 1800, Errors: 108}, Promote, ReasonNone},
		{"guard: every request fails, 20 requests suffice", noLatency, 0.1, 10 * time.Second,
			Counts{Requests: 20, Errors: 20}, Counts{Requests: 180, Errors: 0}, Fail, ReasonAbsoluteGuard},
		{"weight 100%: guard only, promotes", noLatency, 1, 2 * time.Minute,
			Counts{Requests: 500, Errors: 2}, Counts{}, Promote, ReasonNone},
		{"no canary traffic", noLatency, 0.1, 3 * time.Minute,
			Counts{}, Counts{Requests: 20}, Fail, ReasonNoData},
		{"latency shifted up", withLatency, 0.5, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(100, 300)}, Counts{Requests: 400, Buckets: hist(300, 100)}, Fail, ReasonLatency},
		{"latency shifted down: not a failure", withLatency, 0.5, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(300, 100)}, Counts{Requests: 400, Buckets: hist(100, 300)}, Promote, ReasonNone},
		{"latency equal", withLatency, 0.5, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(200, 200)}, Counts{Requests: 400, Buckets: hist(200, 200)}, Promote, ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(tt.pol)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.StartStep(t0, tt.weight); err != nil {
				t.Fatal(err)
			}
			d, err := j.Observe(t0.Add(tt.at), tt.canary, tt.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tt.want || d.Reason != tt.wantReason {
				t.Errorf("got %v/%v (%s), want %v/%v", d.Verdict, d.Reason, d.Detail, tt.want, tt.wantReason)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Errorf("report not JSON-encodable: %v", err)
			}
		})
	}
}

// Weak evidence in two steps multiplies: neither step alone reaches 1/α.
func TestJudgeEvidenceAcrossSteps(t *testing.T) {
	pol := DefaultPolicy()
	pol.Latency = false
	pol.MinDuration = 0
	j, _ := New(pol)
	_ = j.StartStep(t0, 0.1)
	d, _ := j.Observe(t0.Add(time.Minute), Counts{Requests: 1000, Errors: 18}, Counts{Requests: 9000, Errors: 82})
	if d.Verdict != Promote {
		t.Fatalf("step 1: %v %s", d.Verdict, d.Detail)
	}
	step1 := d.Report.ErrorRate.StepLogBF
	if step1 <= 0 || step1 >= d.Report.ErrorRate.LogThreshold {
		t.Fatalf("step 1 log BF %v should be weak evidence", step1)
	}
	_ = j.StartStep(t0.Add(time.Minute), 0.25)
	d, _ = j.Observe(t0.Add(2*time.Minute), Counts{Requests: 1000, Errors: 40}, Counts{Requests: 3000, Errors: 80})
	if d.Report.ErrorRate.StepLogBF >= d.Report.ErrorRate.LogThreshold {
		t.Fatalf("step 2 alone log BF %v should be below threshold", d.Report.ErrorRate.StepLogBF)
	}
	if d.Verdict != Fail || d.Reason != ReasonErrorRate {
		t.Errorf("product of steps should reject: %v %v (%s)", d.Verdict, d.Reason, d.Detail)
	}
	if got := d.Report.ErrorRate.LogBF; math.Abs(got-step1-d.Report.ErrorRate.StepLogBF) > 1e-9 {
		t.Errorf("log BF %v is not the sum of steps", got)
	}
	// Fail is sticky.
	again, _ := j.Observe(t0.Add(3*time.Minute), Counts{Requests: 10}, Counts{Requests: 30})
	if again.Verdict != Fail || !errors.Is(j.StartStep(t0, 0.5), ErrFailed) {
		t.Error("a failed judge must stay failed")
	}
}

func TestJudgeInputErrors(t *testing.T) {
	pol := DefaultPolicy()
	j, _ := New(pol)
	if _, err := j.Observe(t0, Counts{}, Counts{}); !errors.Is(err, ErrNoStep) {
		t.Errorf("before StartStep: %v", err)
	}
	tests := []struct {
		name     string
		canary   Counts
		baseline Counts
		wantErr  bool
	}{
		{"negative", Counts{Requests: -1}, Counts{}, true},
		{"unsorted buckets", Counts{Requests: 1, Buckets: []Bucket{{LE: 1, Count: 1}, {LE: 0.5, Count: 1}}}, Counts{}, true},
		{"errors above requests are clamped", Counts{Requests: 1, Errors: 2}, Counts{Requests: 10}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _ := New(pol)
			_ = j.StartStep(t0, 0.1)
			d, err := j.Observe(t0, tt.canary, tt.baseline)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && (d.Report.Canary.Errors != 1 || len(d.Report.Notes) == 0) {
				t.Errorf("clamp not applied or not noted: %+v", d.Report)
			}
		})
	}
	_ = j.StartStep(t0, 0.5)
	_, _ = j.Observe(t0, Counts{Requests: 1, Buckets: hist(1, 0)}, Counts{})
	if _, err := j.Observe(t0, Counts{Requests: 1, Buckets: []Bucket{{LE: math.Inf(1), Count: 1}}}, Counts{}); err == nil {
		t.Error("a changed bucket layout must be an error")
	}
	for _, bad := range []Policy{{}, {Alpha: 0.05, PriorK: 100, MinRequests: 0}, {Alpha: 2, PriorK: 100, MinRequests: 1}} {
		if _, err := New(bad); err == nil {
			t.Errorf("policy %+v should be invalid", bad)
		}
	}
	if err := j.StartStep(t0, 0); err == nil {
		t.Error("weight 0 must be rejected")
	}
}

func TestDelta(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur Counts
		want      Counts
	}{
		{"increase", Counts{Requests: 10, Errors: 1}, Counts{Requests: 25, Errors: 3}, Counts{Requests: 15, Errors: 2}},
		{"reset", Counts{Requests: 100, Errors: 5}, Counts{Requests: 7, Errors: 1}, Counts{Requests: 7, Errors: 1}},
		{"buckets", Counts{Requests: 2, Buckets: hist(1, 1)}, Counts{Requests: 5, Buckets: hist(3, 2)},
			Counts{Requests: 3, Buckets: hist(2, 1)}},
		{"bucket reset", Counts{Requests: 2, Buckets: hist(2, 0)}, Counts{Requests: 3, Buckets: hist(1, 2)},
			Counts{Requests: 3, Buckets: hist(1, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Delta(tt.prev, tt.cur)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if got.Requests != tt.want.Requests || got.Errors != tt.want.Errors || len(got.Buckets) != len(tt.want.Buckets) {
				t.Fatalf("got %s, want %s", g, w)
			}
			for i := range got.Buckets {
				if got.Buckets[i] != tt.want.Buckets[i] {
					t.Fatalf("got %s, want %s", g, w)
				}
			}
		})
	}
}
