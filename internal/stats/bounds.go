package stats

import "math"

// Anytime-valid one-sided bounds on an error rate, for the non-inferiority
// test (docs/statistics.md §4). For a candidate rate q the null "p ≥ q" (for
// the upper bound; "p ≤ q" for the lower) is tested by a mixture of
// likelihood ratios of alternatives θ = q·r on the other side of q:
//
//	E(q) = Σ_j π_j · r_j^e · ((1 − q·r_j) / (1 − q))^s      (e errors, s successes)
//
// Per request the factor θ/q (error) or (1−θ)/(1−q) (success) has mean
// p·θ/q + (1−p)(1−θ)/(1−q), linear in p and 1 at p = q; for θ < q it is ≤ 1
// whenever p ≥ q (for θ > q whenever p ≤ q). So E(q) is a test
// supermartingale under the whole composite null, also when p changes from
// request to request as long as it stays on the null side. Each component is
// monotone in q (d/dq log = s(1−r)/((1−q·r)(1−q))), hence so is E, and
//
//	U = inf{ q : E(q) ≥ 1/α }  (upper),   L = sup{ q : E(q) ≥ 1/α }  (lower)
//
// are found by bisection; P(p > U at some time) ≤ α, likewise for L. The
// ratios r_j are fixed in advance, so the prior does not depend on the data;
// a component whose θ would reach 1 contributes 0 (a sub-probability mixture
// stays a supermartingale).
var boundLogR = []float64{0.1, 0.2, 0.35, 0.5, 0.7, 1, 1.4, 2, 3} // |log r_j|, uniform π

// RateUpperBound returns U: the canary's error rate is below U with
// probability ≥ 1−α at every time simultaneously. 1 without requests.
func RateUpperBound(errors, requests int64, alpha float64) float64 {
	if requests <= 0 || errors >= requests {
		return 1
	}
	thr := LogThreshold(alpha)
	e, s := float64(errors), float64(requests-errors)
	logE := func(q float64) float64 { return boundLogE(e, s, q, -1) }
	lo, hi := float64(errors)/float64(requests), 1.0 // E(p̂) ≤ 1: not rejected
	if logE(math.Nextafter(1, 0)) < thr {
		return 1
	}
	for range 60 {
		mid := (lo + hi) / 2
		if logE(mid) >= thr {
			hi = mid
		} else {
			lo = mid
		}
		if hi-lo <= 1e-4*hi {
			break
		}
	}
	return hi
}

// RateLowerBound returns L: the baseline's error rate is above L with
// probability ≥ 1−α at every time simultaneously. 0 without errors.
func RateLowerBound(errors, requests int64, alpha float64) float64 {
	if requests <= 0 || errors <= 0 {
		return 0
	}
	thr := LogThreshold(alpha)
	e, s := float64(errors), float64(requests-errors)
	logE := func(q float64) float64 { return boundLogE(e, s, q, +1) }
	lo, hi := 0.0, float64(errors)/float64(requests)
	for range 60 {
		mid := (lo + hi) / 2
		if logE(mid) >= thr {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-4*hi {
			break
		}
	}
	return lo
}

// boundLogE is log E(q) with alternatives q·r_j, r_j = exp(side·|log r_j|).
func boundLogE(e, s, q float64, side float64) float64 {
	var buf [16]float64
	terms := buf[:0]
	for _, u := range boundLogR {
		lr := side * u
		theta := q * math.Exp(lr)
		if theta >= 1 {
			continue
		}
		terms = append(terms, e*lr+s*(math.Log1p(-theta)-math.Log1p(-q)))
	}
	if len(terms) == 0 {
		return math.Inf(-1)
	}
	peak := math.Inf(-1)
	for _, t := range terms {
		peak = max(peak, t)
	}
	var sum float64
	for _, t := range terms {
		sum += math.Exp(t - peak)
	}
	return peak + math.Log(sum/float64(len(boundLogR)))
}
