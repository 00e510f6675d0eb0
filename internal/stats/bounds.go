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

// boundR are the ratios r_j below and above 1, and log π_j.
var boundRDown, boundRUp, boundLogPi = boundRatios()

func boundRatios() (down, up []float64, logPi float64) {
	for _, u := range boundLogR {
		down = append(down, math.Exp(-u))
		up = append(up, math.Exp(u))
	}
	return down, up, -math.Log(float64(len(boundLogR)))
}

// boundTol is the bisection's relative precision: a bound is reported to
// within 0.1% of its value, far below its statistical width.
const boundTol = 1e-3

// RateUpperBound returns U: the canary's error rate is below U with
// probability ≥ 1−α at every time simultaneously. 1 without requests.
func RateUpperBound(errors, requests int64, alpha float64) float64 {
	if requests <= 0 || errors >= requests {
		return 1
	}
	thr := LogThreshold(alpha)
	e, s := float64(errors), float64(requests-errors)
	rejected := func(q float64) bool { return boundLogE(e, s, q, -1) >= thr }
	// E(p̂) ≤ 1, so p̂ is never rejected; U is usually within 30/n of it.
	lo, hi := e/(e+s), min(1, e/(e+s)+30/(e+s))
	if !rejected(hi) {
		lo, hi = hi, 1
		if !rejected(math.Nextafter(1, 0)) {
			return 1
		}
	}
	for hi-lo > boundTol*hi {
		if mid := (lo + hi) / 2; rejected(mid) {
			hi = mid
		} else {
			lo = mid
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
	rejected := func(q float64) bool { return boundLogE(e, s, q, +1) >= thr }
	lo, hi := 0.0, e/(e+s)
	for range 64 {
		if hi-lo <= boundTol*hi {
			break
		}
		if mid := (lo + hi) / 2; rejected(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// boundLogE is log E(q) with alternatives q·r_j below q (side −1) or
// above it (side +1).
func boundLogE(e, s, q, side float64) float64 {
	r := boundRDown
	if side > 0 {
		r = boundRUp
	}
	var terms [16]float64
	peak, base := math.Inf(-1), math.Log1p(-q)
	for j, rj := range r {
		theta := q * rj
		if theta >= 1 {
			terms[j] = math.Inf(-1)
			continue
		}
		terms[j] = e*side*boundLogR[j] + s*(math.Log1p(-theta)-base)
		peak = max(peak, terms[j])
	}
	if math.IsInf(peak, -1) {
		return peak
	}
	var sum float64
	for j := range r {
		sum += math.Exp(terms[j] - peak)
	}
	return peak + math.Log(sum) + boundLogPi
}
