package judge

import (
	"math"
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

func TestAdvance(t *testing.T) {
	shown := Report{NonInferiority: &NonInferiority{Shown: true}}
	notShown := Report{NonInferiority: &NonInferiority{}}
	tests := []struct {
		name    string
		v       Verdict
		r       Report
		inStep  time.Duration
		canary  int64
		advance bool
	}{
		{"minimums met", Promote, Report{}, 2 * time.Minute, 200, true},
		{"time short", Promote, notShown, time.Minute, 200, false},
		{"requests short", Promote, Report{}, 2 * time.Minute, 199, false},
		{"non-inferior waives both", Promote, shown, 10 * time.Second, 20, true},
		{"non-inferior but the judge is not ready", Continue, shown, 10 * time.Second, 20, false},
		{"failed", Fail, shown, 3 * time.Minute, 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Advance(tt.v, tt.r, tt.inStep, tt.canary, 2*time.Minute, 200); got != tt.advance {
				t.Errorf("Advance = %v, want %v", got, tt.advance)
			}
		})
	}
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
