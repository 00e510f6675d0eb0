package policy

import "testing"

// TestJudgePolicy: the analysis section maps onto the judge's policy, and an
// explicit margin or holdBayesFactor of 0 (off) is not replaced by the
// default.
func TestJudgePolicy(t *testing.T) {
	base := func() CanaryPolicy {
		return CanaryPolicy{Spec: Spec{Target: Target{Application: "a", VirtualService: ObjectRef{Namespace: "n", Name: "vs"}},
			StableSubset: "v1", CanarySubset: "v2"}}
	}
	zero, off := 0.0, false
	tests := []struct {
		name       string
		edit       func(*Analysis)
		wantMargin float64
		wantLat    bool
		wantHold   float64
	}{
		{"defaults", func(*Analysis) {}, DefaultMargin, true, DefaultHoldBayesFactor},
		{"margin 0 stays 0", func(a *Analysis) { a.ErrorRate.Margin = &zero }, 0, true, DefaultHoldBayesFactor},
		{"latency off", func(a *Analysis) { a.Latency.Enabled = &off }, DefaultMargin, false, DefaultHoldBayesFactor},
		{"holding off stays off", func(a *Analysis) { a.HoldBayesFactor = &zero }, DefaultMargin, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.edit(&p.Spec.Analysis)
			d, err := Complete(p, Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			jp := JudgePolicy(d.Spec.Analysis)
			if jp.Margin != tt.wantMargin || jp.Latency != tt.wantLat || jp.HoldBayesFactor != tt.wantHold || jp.Alpha != DefaultAlpha ||
				jp.MinRequests != DefaultGuardMinRequests || jp.MaxErrorRate != DefaultMaxErrorRate {
				t.Errorf("judge policy %+v", jp)
			}
			if _, err := NewJudge(d.Spec.Analysis); err != nil {
				t.Error(err)
			}
		})
	}
}
