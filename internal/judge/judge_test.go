package judge

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/stats"
)

type Counts = stats.Counts

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func hist(fast, slow int64) []stats.Bucket {
	return []stats.Bucket{{LE: 0.1, Count: fast}, {LE: 0.5, Count: fast + slow}, {LE: math.Inf(1), Count: fast + slow}}
}

func TestJudgeSingleWindow(t *testing.T) {
	noLatency := DefaultPolicy()
	noLatency.Latency = false
	withLatency := noLatency
	withLatency.Latency = true
	noErrors := noLatency
	noErrors.ErrorRate = false
	tests := []struct {
		name       string
		pol        Policy
		weight     int32
		at         time.Duration
		canary     Counts
		baseline   Counts
		want       Verdict
		wantReason Reason
	}{
		// Observed share 10%: 18 of 100 errors on the canary is evidence
		// e^1.53 (continue), 25 of 100 e^7.6 (reject at α = 5%).
		{"18 of 100 errors on canary: continue then promote", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 18}, Counts{Requests: 9000, Errors: 82}, Promote, ReasonNone},
		{"25 of 100 errors on canary: reject", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 25}, Counts{Requests: 9000, Errors: 75}, Fail, ReasonErrorRate},
		{"canary better: never rejects", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 0}, Counts{Requests: 9000, Errors: 300}, Promote, ReasonNone},
		{"too few canary requests", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 50}, Counts{Requests: 450}, Continue, ReasonNone},
		{"split 50/50 at weight 10%", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 5000}, Counts{Requests: 5000}, Fail, ReasonSplitMismatch},
		{"guard: 15% errors on both arms", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 200, Errors: 30}, Counts{Requests: 1800, Errors: 270}, Fail, ReasonAbsoluteGuard},
		{"guard: 6% over 200 requests is no evidence above 5%", noLatency, 10, 2 * time.Minute,
			Counts{Requests: 200, Errors: 12}, Counts{Requests: 1800, Errors: 108}, Promote, ReasonNone},
		{"guard: every request fails, 20 requests suffice", noLatency, 10, 10 * time.Second,
			Counts{Requests: 20, Errors: 20}, Counts{Requests: 180, Errors: 0}, Fail, ReasonAbsoluteGuard},
		{"weight 100%: guard only, promotes", noLatency, 100, 2 * time.Minute,
			Counts{Requests: 500, Errors: 2}, Counts{}, Promote, ReasonNone},
		{"errorRate off: 25 of 100 errors on canary are not judged", noErrors, 10, 2 * time.Minute,
			Counts{Requests: 1000, Errors: 25}, Counts{Requests: 9000, Errors: 75}, Promote, ReasonNone},
		{"errorRate off: nor is the guard", noErrors, 10, 10 * time.Second,
			Counts{Requests: 20, Errors: 20}, Counts{Requests: 180, Errors: 0}, Continue, ReasonNone},
		{"latency shifted up", withLatency, 50, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(100, 300)}, Counts{Requests: 400, Buckets: hist(300, 100)}, Fail, ReasonLatency},
		{"latency shifted down: not a failure", withLatency, 50, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(300, 100)}, Counts{Requests: 400, Buckets: hist(100, 300)}, Promote, ReasonNone},
		{"latency equal", withLatency, 50, 2 * time.Minute,
			Counts{Requests: 400, Buckets: hist(200, 200)}, Counts{Requests: 400, Buckets: hist(200, 200)}, Promote, ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(tt.pol)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.BeginStep(t0, tt.weight); err != nil {
				t.Fatal(err)
			}
			d, err := j.Observe(t0.Add(tt.at), tt.canary, tt.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tt.want || d.Reason != tt.wantReason {
				t.Errorf("got %v/%v (%s), want %v/%v", d.Verdict, d.Reason, d.Detail, tt.want, tt.wantReason)
			}
			if !tt.pol.ErrorRate && (d.Report.CanaryErrors != 0 || d.Report.BaselineErrors != 0) {
				t.Errorf("errorRate off, yet the report counts errors: %+v", d.Report)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Errorf("report not JSON-encodable: %v", err)
			}
		})
	}
}

// testNamed returns the report's test called name.
func testNamed(t *testing.T, r Report, name string) TestResult {
	t.Helper()
	for _, tr := range r.Tests {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("no %s test in %+v", name, r.Tests)
	return TestResult{}
}

// Weak evidence in two steps pools into one process: neither step alone
// reaches 1/α, together they do, and the pooled mixture (one prior, shared
// effect) is stronger than the product of two fresh per-step mixtures.
func TestJudgeEvidenceAcrossSteps(t *testing.T) {
	pol := DefaultPolicy()
	pol.Latency = false
	step1c, step1b := Counts{Requests: 1000, Errors: 18}, Counts{Requests: 9000, Errors: 82}
	step2c, step2b := Counts{Requests: 1000, Errors: 36}, Counts{Requests: 3000, Errors: 64}
	alone := func(weight int32, c, b Counts) float64 {
		j, _ := New(pol)
		_ = j.BeginStep(t0, weight)
		d, _ := j.Observe(t0.Add(time.Minute), c, b)
		st := testNamed(t, d.Report, "error-rate")
		if d.Verdict == Fail || st.Statistic <= 0 || st.Statistic >= st.Bound {
			t.Fatalf("step at %d%% alone: %v, log E %v should be weak evidence", weight, d.Verdict, st.Statistic)
		}
		return st.Statistic
	}
	sum := alone(10, step1c, step1b) + alone(25, step2c, step2b)

	j, _ := New(pol)
	_ = j.BeginStep(t0, 10)
	d, _ := j.Observe(t0.Add(time.Minute), step1c, step1b)
	if d.Verdict != Promote {
		t.Fatalf("step 1: %v %s", d.Verdict, d.Detail)
	}
	_ = j.BeginStep(t0.Add(time.Minute), 25)
	d, _ = j.Observe(t0.Add(2*time.Minute), step2c, step2b)
	if d.Verdict != Fail || d.Reason != ReasonErrorRate {
		t.Errorf("pooled evidence should reject: %v %v (%s)", d.Verdict, d.Reason, d.Detail)
	}
	if got := testNamed(t, d.Report, "error-rate").Statistic; got <= sum {
		t.Errorf("pooled log E %v not above the per-step product's %v", got, sum)
	}
	// Fail is sticky.
	again, _ := j.Observe(t0.Add(3*time.Minute), Counts{Requests: 10}, Counts{Requests: 30})
	if again.Verdict != Fail || !errors.Is(j.BeginStep(t0, 50), ErrFailed) {
		t.Error("a failed judge must stay failed")
	}
	if want := "ErrorRate: " + d.Detail; d.String() != want {
		t.Errorf("String() = %q, want %q", d.String(), want)
	}
}

// TestReportTests: which tests run, in the order the live view lists them,
// and the numbers the rollout's events carry.
func TestReportTests(t *testing.T) {
	tests := []struct {
		name   string
		pol    func(*Policy)
		weight int32
		want   []string
	}{
		{"defaults", func(*Policy) {}, 25, []string{"split", "error-rate", "latency", "guard"}},
		{"weight 100: no split to test", func(*Policy) {}, 100, []string{"error-rate", "latency", "guard"}},
		{"latency off", func(p *Policy) { p.Latency = false }, 25, []string{"split", "error-rate", "guard"}},
		{"guard at 100%: off", func(p *Policy) { p.MaxErrorRate = 1 }, 25, []string{"split", "error-rate", "latency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy()
			tt.pol(&pol)
			j, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			_ = j.BeginStep(t0, tt.weight)
			d, err := j.Observe(t0.Add(90*time.Second), Counts{Requests: 400, Errors: 4, Buckets: hist(300, 100)},
				Counts{Requests: 1200, Errors: 6, Buckets: hist(900, 300)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tr := range d.Report.Tests {
				names = append(names, tr.Name)
				if tr.Bound <= 0 {
					t.Errorf("%s: bound %v", tr.Name, tr.Bound)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("tests %v, want %v", names, tt.want)
			}
			r := d.Report
			if r.Weight != tt.weight || r.InStep != 90*time.Second || r.CanaryRequests != 400 || r.BaselineErrors != 6 ||
				r.CanaryErrorRate != 0.01 || r.ObservedSplit != 0.25 || !(r.SplitLow < 0.25 && r.SplitHigh > 0.25) {
				t.Errorf("report %+v", r)
			}
			// 300 of 400 at ≤ 0.1 s, the rest ≤ 0.5 s: interpolated inside buckets.
			if math.Abs(r.CanaryP50-0.1*200/300) > 1e-12 || math.Abs(r.CanaryP99-(0.1+0.4*96/100)) > 1e-12 || r.BaselineP50 == 0 {
				t.Errorf("quantiles %v %v %v", r.CanaryP50, r.CanaryP99, r.BaselineP50)
			}
		})
	}
}

func TestJudgeInputErrors(t *testing.T) {
	pol := DefaultPolicy()
	j, _ := New(pol)
	if _, err := j.Observe(t0, Counts{}, Counts{}); !errors.Is(err, ErrNoStep) {
		t.Errorf("before BeginStep: %v", err)
	}
	tests := []struct {
		name     string
		canary   Counts
		baseline Counts
		wantErr  bool
	}{
		{"negative", Counts{Requests: -1}, Counts{}, true},
		{"unsorted buckets", Counts{Requests: 1, Buckets: []stats.Bucket{{LE: 1, Count: 1}, {LE: 0.5, Count: 1}}}, Counts{}, true},
		{"errors above requests are clamped", Counts{Requests: 1, Errors: 2}, Counts{Requests: 10}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _ := New(pol)
			_ = j.BeginStep(t0, 10)
			d, err := j.Observe(t0, tt.canary, tt.baseline)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && (d.Report.CanaryErrors != 1 || len(d.Report.Notes) == 0) {
				t.Errorf("clamp not applied or not noted: %+v", d.Report)
			}
		})
	}
	_ = j.BeginStep(t0, 50)
	_, _ = j.Observe(t0, Counts{Requests: 1, Buckets: hist(1, 0)}, Counts{})
	if _, err := j.Observe(t0, Counts{Requests: 1, Buckets: []stats.Bucket{{LE: math.Inf(1), Count: 1}}}, Counts{}); err == nil {
		t.Error("a changed bucket layout must be an error")
	}
	bad := []func(*Policy){
		func(p *Policy) { *p = Policy{} },
		func(p *Policy) { p.MinRequests = 0 },
		func(p *Policy) { p.Alpha = 2 },
		func(p *Policy) { p.SplitAlpha = 0 },
		func(p *Policy) { p.MaxErrorRate = 0 },
		func(p *Policy) { p.GuardAlpha = 0 },
	}
	for i, f := range bad {
		p := DefaultPolicy()
		f(&p)
		if _, err := New(p); err == nil {
			t.Errorf("policy %d %+v should be invalid", i, p)
		}
	}
	for _, w := range []int32{0, 101, -5} {
		if err := j.BeginStep(t0, w); err == nil {
			t.Errorf("weight %d must be rejected", w)
		}
	}
}
