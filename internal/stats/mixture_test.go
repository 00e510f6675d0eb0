package stats

import (
	"math"
	"testing"
	"testing/quick"
)

func TestMixtureWorkedExamples(t *testing.T) {
	// reference/stats.md §2: w = 0.1, α = 0.05, k = 100.
	tests := []struct {
		name   string
		eC, eB int64
		wantBF float64
		reject bool
	}{
		{"20 of 100 continue", 20, 80, 6.8, false},
		{"25 of 100 reject", 25, 75, 104, true},
		{"no errors", 0, 0, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bf := math.Exp(MixtureLogBF(tt.eC, tt.eB, 0.1, DefaultPriorK))
			if math.Abs(bf-tt.wantBF)/tt.wantBF > 0.01 {
				t.Errorf("BF = %.3f, want ≈ %v", bf, tt.wantBF)
			}
			if got := bf >= 1/0.05; got != tt.reject {
				t.Errorf("reject = %v, want %v", got, tt.reject)
			}
			one, err := OneSidedLogBF(tt.eC, tt.eB, 0.1, DefaultPriorK)
			if err != nil {
				t.Fatal(err)
			}
			// Data above w: truncation can only help, by at most 1/P(θ>w).
			if tt.eC > 0 && (one < MixtureLogBF(tt.eC, tt.eB, 0.1, DefaultPriorK) || one > math.Log(bf)+math.Log(2.2)) {
				t.Errorf("one-sided log BF %v vs two-sided %v", one, math.Log(bf))
			}
		})
	}
}

// Under H0 a BF for a fixed number of events has expectation exactly 1
// (it is a likelihood ratio). Summing over the binomial checks the formulas,
// the one-sided truncation and the incomplete beta at once.
func TestMixtureMeanOneUnderNull(t *testing.T) {
	for _, w := range []float64{0.05, 0.25, 0.5, 0.9} {
		for _, n := range []int64{1, 7, 60, 300} {
			var two, one float64
			for x := int64(0); x <= n; x++ {
				logP := lchoose(n, x) + float64(x)*math.Log(w) + float64(n-x)*math.Log1p(-w)
				two += math.Exp(logP + MixtureLogBF(x, n-x, w, DefaultPriorK))
				o, err := OneSidedLogBF(x, n-x, w, DefaultPriorK)
				if err != nil {
					t.Fatalf("w=%v n=%d x=%d: %v", w, n, x, err)
				}
				one += math.Exp(logP + o)
			}
			if math.Abs(two-1) > 1e-9 || math.Abs(one-1) > 1e-9 {
				t.Errorf("w=%v n=%d: E[BF] two-sided %v, one-sided %v, want 1", w, n, two, one)
			}
		}
	}
}

func lchoose(n, x int64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(x + 1))
	c, _ := math.Lgamma(float64(n - x + 1))
	return a - b - c
}

func TestLogBetaUpperTail(t *testing.T) {
	tests := []struct {
		name    string
		x, a, b float64
		want    float64 // P(θ > x)
	}{
		{"a=1: (1-x)^b", 0.3, 1, 5, math.Pow(0.7, 5)},
		{"b=1: 1-x^a", 0.3, 4, 1, 1 - math.Pow(0.3, 4)},
		{"symmetric median", 0.5, 37, 37, 0.5},
		{"far tail", 0.9, 2, 200, math.Pow(0.1, 200) * (1 + 200*0.9)}, // Beta(2,b) tail: (1-x)^b (1+bx)
		{"x=0", 0, 3, 4, 1},
		{"x=1", 1, 3, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LogBetaUpperTail(tt.x, tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == 0 {
				if !math.IsInf(got, -1) {
					t.Errorf("got %v, want -Inf", got)
				}
				return
			}
			if math.Abs(got-math.Log(tt.want)) > 1e-9*math.Max(1, math.Abs(math.Log(tt.want))) {
				t.Errorf("log tail = %v, want %v", got, math.Log(tt.want))
			}
		})
	}
}

// Log space must stay finite and stable up to 1e9 events, including the
// incomplete beta near the posterior mode (its slowest case).
func TestMixtureLargeCounts(t *testing.T) {
	tests := []struct {
		name  string
		x, y  int64
		w     float64
		wantS int // sign of the two-sided log BF
	}{
		{"null 1e9", 100_000_000, 900_000_000, 0.1, -1},
		{"shift 1e9", 100_100_000, 899_900_000, 0.1, 1},
		{"tiny w", 100, 999_999_900, 1e-7, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			two := MixtureLogBF(tt.x, tt.y, tt.w, DefaultPriorK)
			one, err := OneSidedLogBF(tt.x, tt.y, tt.w, DefaultPriorK)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []float64{two, one} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite log BF %v", v)
				}
			}
			if (two > 0) != (tt.wantS > 0) {
				t.Errorf("two-sided log BF %v has wrong sign", two)
			}
		})
	}
}

func TestMixtureProperties(t *testing.T) {
	f := func(x, y uint32, wRaw, kRaw uint16) bool {
		w := (float64(wRaw%999) + 1) / 1000
		k := float64(kRaw%1000) + 1
		xx, yy := int64(x%1_000_000_000), int64(y%1_000_000_000)
		two := MixtureLogBF(xx, yy, w, k)
		one, err := OneSidedLogBF(xx, yy, w, k)
		if err != nil || math.IsNaN(two) || math.IsNaN(one) || math.IsInf(two, 0) || math.IsInf(one, 1) {
			t.Logf("x=%d y=%d w=%v k=%v: two=%v one=%v err=%v", xx, yy, w, k, two, one, err)
			return false
		}
		return math.Exp(two) >= 0 && math.Exp(one) >= 0
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 3000}); err != nil {
		t.Error(err)
	}
}

func TestSplitLogBF(t *testing.T) {
	// The §1 examples, sequential version. Anytime validity has a price:
	// 930/10k (z ≈ 2.3, a fixed-n mismatch) is not yet enough evidence, the
	// same 9.3% share over 40k requests is.
	tests := []struct {
		name     string
		k, n     int64
		mismatch bool
	}{
		{"930 of 10k", 930, 10000, false},
		{"3720 of 40k", 3720, 40000, true},
		{"1040 of 10k", 1040, 10000, false},
		{"weights not applied: 0 of 2k", 0, 2000, true},
		{"half instead of 10%: 100 of 200", 100, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := SplitLogBF(tt.k, tt.n, 0.1, DefaultPriorK)
			if got := l >= LogThreshold(0.05); got != tt.mismatch {
				t.Errorf("log BF %v: mismatch %v, want %v", l, got, tt.mismatch)
			}
		})
	}
	if !math.IsNaN(SplitLogBF(11, 10, 0.1, DefaultPriorK)) {
		t.Error("canary > total should be NaN")
	}
}

func TestEvidenceMultipliesSteps(t *testing.T) {
	var e Evidence
	e.Update(math.Log(3))
	e.Update(math.Log(4)) // replaces, not adds
	e.NextStep()
	e.Update(math.Log(5))
	if math.Abs(e.BF()-20) > 1e-9 || e.Reject(0.05) != true {
		t.Errorf("BF = %v, want 20 and reject at α=0.05", e.BF())
	}
	e.Update(math.NaN())
	if math.Abs(e.StepLogBF()-math.Log(5)) > 1e-12 {
		t.Error("NaN must not erase evidence")
	}
}
