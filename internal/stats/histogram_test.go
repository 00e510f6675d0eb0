package stats

import (
	"math"
	"testing"
)

func TestDisjoint(t *testing.T) {
	tests := []struct {
		name    string
		in      []Bucket
		want    []int64
		wantErr bool
	}{
		{"cumulative", []Bucket{{0.1, 3}, {0.5, 10}, {math.Inf(1), 12}}, []int64{3, 7, 2}, false},
		{"decreasing count", []Bucket{{0.1, 3}, {0.5, 2}}, nil, true},
		{"unsorted le", []Bucket{{0.5, 3}, {0.1, 4}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Disjoint(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestLatency(t *testing.T) {
	// w = 0.5; canary requests shifted towards the slow bucket.
	slowC, slowB := []int64{100, 300}, []int64{300, 100}
	l, err := LatencyLogBF(slowC, slowB, 0.5, DefaultPriorK)
	if err != nil || l < LogThreshold(0.05) {
		t.Errorf("shifted: log BF %v err %v", l, err)
	}
	if s := LatencyShift(slowC, slowB); s <= 0.5 {
		t.Errorf("shift %v, want > 0.5 (canary slower)", s)
	}
	same := []int64{200, 200}
	if l, _ := LatencyLogBF(same, same, 0.5, DefaultPriorK); l > 0 {
		t.Errorf("identical: log BF %v, want < 0", l)
	}
	if s := LatencyShift(same, same); s != 0.5 {
		t.Errorf("identical shift %v", s)
	}
	if _, err := LatencyLogBF([]int64{1}, []int64{1, 2}, 0.5, 100); err == nil {
		t.Error("mismatched buckets must error")
	}
}

func TestHistogramQuantile(t *testing.T) {
	b := []Bucket{{0.1, 50}, {0.2, 90}, {0.5, 100}, {math.Inf(1), 100}}
	tests := []struct{ q, want float64 }{{0.5, 0.1}, {0.25, 0.05}, {0.7, 0.15}, {0.99, 0.47}, {1, 0.5}}
	for _, tt := range tests {
		if got := HistogramQuantile(tt.q, b); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("q=%v: got %v, want %v", tt.q, got, tt.want)
		}
	}
	// Istio's 10 ms / 100 ms buckets in seconds; a rank in +Inf gives the
	// highest finite bound, as histogram_quantile does.
	istio := []Bucket{{0.01, 100}, {0.1, 250}, {math.Inf(1), 279}}
	for _, tt := range []struct{ q, want float64 }{{0.5, 0.01 + 0.09*(139.5-100)/150}, {0.2, 0.01 * 55.8 / 100}, {0.99, 0.1}} {
		if got := HistogramQuantile(tt.q, istio); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("istio q=%v: got %v, want %v", tt.q, got, tt.want)
		}
	}
	if !math.IsNaN(HistogramQuantile(0.5, []Bucket{{math.Inf(1), 0}})) {
		t.Error("no data should be NaN")
	}
}
