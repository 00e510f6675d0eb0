package judge

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/stats"
)

func TestNonInferiority(t *testing.T) {
	type window struct {
		weight           int32
		canary, baseline Counts
	}
	healthyHalf := []window{{25, Counts{Requests: 1500, Errors: 8}, Counts{Requests: 4500, Errors: 22}}}
	tests := []struct {
		name      string
		margin    float64
		errorRate bool
		windows   []window
		wantNil   bool
		wantShown bool
	}{
		{"healthy, 20,000 canary requests", 0.01, true,
			[]window{{25, Counts{Requests: 20000, Errors: 100}, Counts{Requests: 60000, Errors: 300}}}, false, true},
		{"healthy, half the requests: not yet", 0.01, true, healthyHalf, false, false},
		{"healthy, the same requests over two steps pool", 0.01, true,
			append(healthyHalf, window{50, Counts{Requests: 1500, Errors: 7}, Counts{Requests: 1500, Errors: 8}}), false, true},
		{"2% vs 0.5% is outside a 1-point margin", 0.01, true,
			[]window{{50, Counts{Requests: 100000, Errors: 2000}, Counts{Requests: 100000, Errors: 500}}}, false, false},
		{"margin 0: off", 0, true, healthyHalf, true, false},
		{"errors not judged: off", 0.01, false, healthyHalf, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy()
			pol.Latency, pol.Margin, pol.ErrorRate = false, tt.margin, tt.errorRate
			j, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			var d Decision
			for i, w := range tt.windows {
				_ = j.BeginStep(t0.Add(time.Duration(i)*time.Minute), w.weight)
				if d, err = j.Observe(t0.Add(time.Duration(i+1)*time.Minute), w.canary, w.baseline); err != nil {
					t.Fatal(err)
				}
			}
			ni := d.Report.NonInferiority
			if (ni == nil) != tt.wantNil {
				t.Fatalf("non-inferiority %+v, want nil %v", ni, tt.wantNil)
			}
			if ni == nil {
				return
			}
			if ni.Shown != tt.wantShown || ni.Upper != ni.CanaryUpper-ni.BaselineLower || ni.Margin != tt.margin {
				t.Errorf("%+v, want shown %v", *ni, tt.wantShown)
			}
			if ni.Shown && d.Verdict != Promote {
				t.Errorf("verdict %v (%s)", d.Verdict, d.Detail)
			}
		})
	}
}

func TestNextMove(t *testing.T) {
	shown := Report{NonInferiority: &NonInferiority{Shown: true}}
	notShown := Report{NonInferiority: &NonInferiority{}}
	lean := &Leaning{Test: "error-rate", BayesFactor: 3, HoldAbove: 2, RejectAt: 20}
	leaning := Report{Leaning: lean}
	shownLeaning := Report{NonInferiority: &NonInferiority{Shown: true}, Leaning: lean}
	const maxD = 10 * time.Minute
	tests := []struct {
		name   string
		v      Verdict
		r      Report
		inStep time.Duration
		canary int64
		want   Move
	}{
		{"minimums met", Promote, Report{}, 2 * time.Minute, 200, Advance},
		{"time short", Promote, notShown, time.Minute, 200, Stay},
		{"requests short", Promote, Report{}, 2 * time.Minute, 199, Stay},
		{"non-inferior waives both", Promote, shown, 10 * time.Second, 20, AdvanceEarly},
		{"non-inferior but the judge is not ready", Continue, shown, 10 * time.Second, 20, Stay},
		{"minimums met but leaning", Promote, leaning, 2 * time.Minute, 200, Hold},
		{"non-inferior but leaning", Promote, shownLeaning, 10 * time.Second, 20, Hold},
		{"leaning before the minimums: not a hold yet", Promote, leaning, time.Minute, 200, Stay},
		{"held until maxDuration", Promote, leaning, maxD, 900, AdvanceUnresolved},
		{"maxDuration without the minimums", Promote, Report{}, maxD, 199, Timeout},
		{"maxDuration, judge not ready", Continue, shown, maxD, 900, Timeout},
		{"maxDuration, minimums met, not leaning", Promote, Report{}, maxD, 900, Advance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextMove(tt.v, tt.r, tt.inStep, tt.canary, Limits{MinDuration: 2 * time.Minute, MaxDuration: maxD, MinCanaryRequests: 200})
			if got != tt.want {
				t.Errorf("NextMove = %v, want %v", got, tt.want)
			}
			if got.Advances() != (tt.want == Advance || tt.want == AdvanceEarly || tt.want == AdvanceUnresolved) {
				t.Errorf("%v.Advances() = %v", got, got.Advances())
			}
		})
	}
}

// TestLeaning: the judge reports a test whose evidence for a worse canary is above
// HoldBayesFactor and below its bound, and only in the direction in which
// the test would reject.
func TestLeaning(t *testing.T) {
	tests := []struct {
		name             string
		hold             float64
		canary, baseline Counts
		want             string // leaning test, "" for none
	}{
		// 10 % weight: 3 of 9 errors on the canary is evidence, not proof.
		{"canary takes more than its share of errors", 2, Counts{Requests: 1000, Errors: 3}, Counts{Requests: 9000, Errors: 6}, "error-rate"},
		{"holding off", 0, Counts{Requests: 1000, Errors: 3}, Counts{Requests: 9000, Errors: 6}, ""},
		{"a high bar", 1000, Counts{Requests: 1000, Errors: 3}, Counts{Requests: 9000, Errors: 6}, ""},
		{"no errors: even evidence is not leaning", 1, Counts{Requests: 1000}, Counts{Requests: 9000}, ""},
		{"canary better", 1, Counts{Requests: 1000}, Counts{Requests: 9000, Errors: 40}, ""},
		// 10.8% of the requests at weight 10: the split test leans (checked
		// below) but judges the routing, not the canary.
		{"split leaning does not hold", 2, Counts{Requests: 1080}, Counts{Requests: 8920}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy()
			pol.Latency, pol.HoldBayesFactor = false, tt.hold
			j, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			_ = j.BeginStep(t0, 10)
			d, err := j.Observe(t0.Add(time.Minute), tt.canary, tt.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict == Fail {
				t.Fatalf("verdict %v: %s", d.Verdict, d.Detail)
			}
			l := d.Report.Leaning
			if got := ""; l != nil {
				got = l.Test
				e := testNamed(t, d.Report, got)
				if l.BayesFactor != e.BF() || !(l.BayesFactor > tt.hold) || l.HoldAbove != tt.hold || l.RejectAt != math.Exp(e.Bound) {
					t.Errorf("%+v against the test %+v", *l, e)
				}
				if !strings.Contains(d.Detail, "leans toward a worse canary") {
					t.Errorf("detail %q does not say so", d.Detail)
				}
			}
			if split := testNamed(t, d.Report, "split"); tt.name == "split leaning does not hold" && !(split.BF() > tt.hold) {
				t.Fatalf("precondition: split BF %.3g, want above %g", split.BF(), tt.hold)
			}
			if got := leaningName(l); got != tt.want {
				t.Errorf("leaning %q, want %q (tests %+v)", got, tt.want, d.Report.Tests)
			}
		})
	}
}

func leaningName(l *Leaning) string {
	if l == nil {
		return ""
	}
	return l.Test
}

// The previous release's error-rate test, kept for the simulation's
// comparison row: per-step mixtures whose logs add across steps.
func TestPerStepErrorRate(t *testing.T) {
	pol := DefaultPolicy()
	pol.Latency, pol.PerStepErrorRate = false, true
	j, _ := New(pol)
	c, b := Counts{Requests: 1000, Errors: 20}, Counts{Requests: 9000, Errors: 80}
	want, err := stats.OneSidedLogBF(20, 80, 0.1, pol.PriorK)
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for step, w := range []int32{10, 10} {
		_ = j.BeginStep(t0.Add(time.Duration(step)*time.Minute), w)
		d, _ := j.Observe(t0.Add(time.Duration(step+1)*time.Minute), c, b)
		got = testNamed(t, d.Report, "error-rate").Statistic
	}
	if math.Abs(got-2*want) > 1e-9 {
		t.Errorf("two steps: log BF %v, want 2 × %v", got, want)
	}
}
