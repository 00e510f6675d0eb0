package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// E(q) is a likelihood-ratio mixture: its mean over Binomial(n, p) is exactly
// 1 at p = q and at most 1 on the null side, summed exactly.
func TestBoundEvidenceMeanUnderNull(t *testing.T) {
	for _, q := range []float64{0.005, 0.02, 0.3} {
		for _, n := range []int64{1, 40, 400} {
			for _, c := range []struct {
				side float64
				p    float64 // true rate, on the null side of q
			}{{-1, q}, {-1, 1.5 * q}, {+1, q}, {+1, 0.5 * q}} {
				var mean float64
				for e := int64(0); e <= n; e++ {
					logP := lchoose(n, e) + float64(e)*math.Log(c.p) + float64(n-e)*math.Log1p(-c.p)
					mean += math.Exp(logP + boundLogE(float64(e), float64(n-e), q, c.side))
				}
				exact := c.p == q && (c.side < 0 || q*math.Exp(boundLogR[len(boundLogR)-1]) < 1)
				if mean > 1+1e-9 || (exact && math.Abs(mean-1) > 1e-9) {
					t.Errorf("q=%v n=%d side=%v p=%v: E[E(q)] = %v", q, n, c.side, c.p, mean)
				}
			}
		}
	}
}

func TestRateBounds(t *testing.T) {
	tests := []struct {
		name      string
		errors, n int64
		upLo      float64 // U within [upLo, upHi]
		upHi      float64
	}{
		{"no requests", 0, 0, 1, 1},
		{"all errors", 10, 10, 1, 1},
		{"0 of 1000", 0, 1000, 0.003, 0.01},
		{"5 of 1000", 5, 1000, 0.008, 0.02},
		{"50 of 10000", 50, 10000, 0.0055, 0.008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := RateUpperBound(tt.errors, tt.n, 0.025)
			if u < tt.upLo || u > tt.upHi {
				t.Errorf("upper %v, want in [%v, %v]", u, tt.upLo, tt.upHi)
			}
			l := RateLowerBound(tt.errors, tt.n, 0.025)
			if tt.n > 0 && (l < 0 || l > float64(tt.errors)/float64(tt.n) || l > u) {
				t.Errorf("lower %v (upper %v)", l, u)
			}
		})
	}
	// More data, tighter bounds.
	if a, b := RateUpperBound(5, 1000, 0.05), RateUpperBound(50, 10000, 0.05); !(b < a) {
		t.Errorf("upper bound did not tighten: %v then %v", a, b)
	}
	if a, b := RateLowerBound(5, 1000, 0.05), RateLowerBound(50, 10000, 0.05); !(b > a) {
		t.Errorf("lower bound did not tighten: %v then %v", a, b)
	}
}

// Coverage under continuous monitoring, Monte Carlo: the bounds hold at
// every one of 4,000 requests in at least 1−α of the runs.
func TestRateBoundsCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte Carlo; skipped under -short")
	}
	const runs, alpha, p = 400, 0.05, 0.01
	rng := rand.New(rand.NewPCG(5, 6))
	missUp, missLo := 0, 0
	for range runs {
		var e int64
		up, lo := false, false
		for n := int64(1); n <= 4000; n++ {
			if rng.Float64() < p {
				e++
			}
			if n%100 != 0 {
				continue
			}
			up = up || RateUpperBound(e, n, alpha) < p
			lo = lo || RateLowerBound(e, n, alpha) > p
		}
		if up {
			missUp++
		}
		if lo {
			missLo++
		}
	}
	if float64(missUp)/runs > alpha || float64(missLo)/runs > alpha {
		t.Errorf("bounds missed p: upper %d, lower %d of %d runs (α = %v)", missUp, missLo, runs, alpha)
	}
	t.Logf("missed: upper %d, lower %d of %d", missUp, missLo, runs)
}
