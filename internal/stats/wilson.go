package stats

import (
	"math"
)

// Wilson returns the Wilson score interval (Wilson 1927) for k successes out
// of n trials at normal quantile z:
//
//	centre = (p̂ + z²/2n) / (1 + z²/n)
//	half   = z·sqrt(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n)
//
// Unlike the Wald interval it stays inside [0,1] and is usable at p̂ = 0 or 1,
// which matters for a canary with few requests. n <= 0 returns [0,1]: no data
// means nothing is excluded. k is clamped to [0,n].
func Wilson(k, n int64, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	k = min(max(k, 0), n)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	lo, hi = centre-half, centre+half
	// At k = 0 (or k = n) the exact bound is 0 (or 1); rounding may miss it
	// by an ulp, and the interval must contain p̂.
	if k == 0 || lo < 0 {
		lo = 0
	}
	if k == n || hi > 1 {
		hi = 1
	}
	return min(lo, p), max(hi, p)
}

// NormalQuantile returns Φ⁻¹(p), the inverse of the standard normal CDF.
// In the central range it uses Φ⁻¹(p) = √2·erf⁻¹(2p−1). math.Erfcinv is
// computed as Erfinv(1−x) and loses the far tails, so for p < 1e-8 (and the
// mirrored upper tail) it starts from the asymptotic expansion
// x ≈ −sqrt(L − ln L − ln 2π), L = −2 ln p, and refines by Newton steps on
// ln Φ(x) = ln p, with Φ(x) = erfc(−x/√2)/2 accurate in the tail.
// p outside (0,1) yields ±Inf (p = 0 or 1) or NaN.
func NormalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p > 0.5:
		return -NormalQuantile(1 - p)
	case p >= 1e-8:
		return math.Sqrt2 * math.Erfinv(2*p-1)
	}
	logP := math.Log(p)
	l := -2 * logP
	x := -math.Sqrt(l - math.Log(l) - math.Log(2*math.Pi))
	for range 8 {
		phi := 0.5 * math.Erfc(-x/math.Sqrt2)
		if phi <= 0 {
			break
		}
		pdf := math.Exp(-x*x/2) / math.Sqrt(2*math.Pi)
		step := (math.Log(phi) - logP) * phi / pdf
		x -= step
		if math.Abs(step) < 1e-14*math.Abs(x) {
			break
		}
	}
	return x
}

// ZForConfidence returns the two-sided critical value for a confidence level:
// z = Φ⁻¹((1+conf)/2), so 0.95 → 1.959964. This is the z that Wilson expects
// for a conf·100% interval. conf outside (0,1) yields NaN.
func ZForConfidence(conf float64) float64 {
	if !(conf > 0 && conf < 1) {
		return math.NaN()
	}
	// (1+conf)/2 = 1 − (1−conf)/2; pass the small tail for precision.
	return -NormalQuantile((1 - conf) / 2)
}

// SampleSizeForHalfWidth returns the number of trials for a normal-approx
// interval of half-width h around proportion p at quantile z:
// n = ⌈z²·p(1−p)/h²⌉ (e.g. p = 0.1, h = 0.01, z = 1.96 → 3,458). It is a
// planning figure for humans ("how long until the split is measurable").
func SampleSizeForHalfWidth(p, h, z float64) int64 {
	if !(h > 0) || !(p >= 0 && p <= 1) {
		return 0
	}
	return int64(math.Ceil(z * z * p * (1 - p) / (h * h)))
}
