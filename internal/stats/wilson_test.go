package stats

import (
	"math"
	"testing"
	"testing/quick"
)

func TestWilsonWorkedExamples(t *testing.T) {
	z := ZForConfidence(0.95)
	tests := []struct {
		name   string
		k, n   int64
		lo, hi float64 // percent, as in reference/stats.md §1
		hasW   bool    // contains w = 10%
	}{
		{"mismatch 930 of 10k", 930, 10000, 8.75, 9.88, false},
		{"fine 1040 of 10k", 1040, 10000, 9.82, 11.01, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := Wilson(tt.k, tt.n, z)
			if math.Abs(lo*100-tt.lo) > 0.005 || math.Abs(hi*100-tt.hi) > 0.005 {
				t.Errorf("Wilson(%d,%d) = [%.3f%%, %.3f%%], want [%.2f%%, %.2f%%]", tt.k, tt.n, lo*100, hi*100, tt.lo, tt.hi)
			}
			if got := lo <= 0.1 && 0.1 <= hi; got != tt.hasW {
				t.Errorf("contains w=10%%: %v, want %v", got, tt.hasW)
			}
		})
	}
}

func TestWilsonEdges(t *testing.T) {
	tests := []struct {
		name   string
		k, n   int64
		lo, hi float64
	}{
		{"no data", 0, 0, 0, 1},
		{"negative n", 3, -1, 0, 1},
		{"zero successes", 0, 10, 0, 0.2775},
		{"all successes", 10, 10, 0.7225, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := Wilson(tt.k, tt.n, 1.959964)
			if math.Abs(lo-tt.lo) > 1e-4 || math.Abs(hi-tt.hi) > 1e-4 {
				t.Errorf("got [%v, %v], want [%v, %v]", lo, hi, tt.lo, tt.hi)
			}
		})
	}
}

func TestWilsonProperties(t *testing.T) {
	f := func(k, n uint32, zRaw uint16) bool {
		nn := int64(n%1_000_000_000) + 1
		kk := int64(k) % (nn + 1)
		z := float64(zRaw%600) / 100
		lo, hi := Wilson(kk, nn, z)
		p := float64(kk) / float64(nn)
		return lo >= 0 && hi <= 1 && lo <= p && p <= hi
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 5000}); err != nil {
		t.Error(err)
	}
}

func TestZForConfidence(t *testing.T) {
	tests := []struct {
		conf, want float64
	}{
		{0.95, 1.959963984540054},
		{0.99, 2.5758293035489004},
		{0.90, 1.6448536269514722},
		{0.999999, 4.891638475698358},
	}
	for _, tt := range tests {
		if got := ZForConfidence(tt.conf); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("ZForConfidence(%v) = %v, want %v", tt.conf, got, tt.want)
		}
	}
	for _, bad := range []float64{0, 1, -0.1, math.NaN()} {
		if !math.IsNaN(ZForConfidence(bad)) {
			t.Errorf("ZForConfidence(%v) should be NaN", bad)
		}
	}
	if got := NormalQuantile(1e-300); math.Abs(got+37.0471) > 1e-3 {
		t.Errorf("NormalQuantile(1e-300) = %v", got)
	}
}

func TestSampleSizeForHalfWidth(t *testing.T) {
	// reference/stats.md: ±1 pt at p = 0.1 needs ~3,460 requests.
	n := SampleSizeForHalfWidth(0.1, 0.01, ZForConfidence(0.95))
	if n < 3450 || n > 3470 {
		t.Errorf("n = %d, want ~3,460", n)
	}
}

func TestNormalQuantileRoundTrip(t *testing.T) {
	for _, p := range []float64{1e-300, 1e-100, 1e-20, 1e-9, 1e-8, 1e-3, 0.2, 0.5, 0.8, 1 - 1e-9} {
		x := NormalQuantile(p)
		back := 0.5 * math.Erfc(-x/math.Sqrt2)
		if math.Abs(back-p)/p > 1e-9 {
			t.Errorf("Φ(Φ⁻¹(%g)) = %g", p, back)
		}
	}
}
