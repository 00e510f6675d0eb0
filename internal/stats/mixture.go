package stats

import (
	"errors"
	"math"
)

// DefaultPriorK is the default concentration k of the Beta(k·w, k·(1−w))
// mixing prior: its standard deviation around w is sqrt(w(1−w)/(k+1)), about
// 3 points at w = 10%, i.e. it expects effects of a few points of share.
const DefaultPriorK = 100

// MixtureLogBF returns log BF for x events attributed to the "canary" side and
// y to the other, against the point null that each event is canary with
// probability w, using a Beta(k·w, k·(1−w)) mixture over the alternative
// (reference/stats.md §2):
//
//	BF = [ B(k·w + x, k·(1−w) + y) / B(k·w, k·(1−w)) ] / [ w^x · (1−w)^y ]
//
// BF is a likelihood ratio integrated over a proper prior, hence a test
// martingale in the events under H0 (mean 1, non-negative): by Ville's
// inequality P(sup BF ≥ 1/α) ≤ α. It is two-sided. x = y = 0 gives 0 (BF 1);
// w must be in (0,1) and k > 0, otherwise NaN.
func MixtureLogBF(x, y int64, w, k float64) float64 {
	if !(w > 0 && w < 1) || !(k > 0) || x < 0 || y < 0 {
		return math.NaN()
	}
	if x == 0 && y == 0 {
		return 0
	}
	a, b := k*w, k*(1-w)
	fx, fy := float64(x), float64(y)
	return logBetaRatio(a, b, fx, fy) - fx*math.Log(w) - fy*math.Log1p(-w)
}

// logBetaRatio returns log B(a+x, b+y) − log B(a, b), grouping the lgamma
// terms so each difference is between numbers of similar size.
func logBetaRatio(a, b, x, y float64) float64 {
	d := func(u, v float64) float64 { // lgamma(u+v) − lgamma(u)
		l1, _ := math.Lgamma(u + v)
		l0, _ := math.Lgamma(u)
		return l1 - l0
	}
	return d(a, x) + d(b, y) - d(a+b, x+y)
}

// OneSidedLogBF is MixtureLogBF with the mixture restricted to θ > w, i.e. the
// alternative "the canary side gets more than its share of events" (canary
// worse). With the prior truncated and renormalised,
//
//	BF₊ = BF · P(θ > w | data) / P(θ > w),
//
// where the two probabilities are upper tails of Beta(a+x, b+y) and Beta(a, b)
// at w (regularised incomplete beta, see LogBetaUpperTail). BF₊ is again a
// proper-prior mixture, so it is a test martingale under H0; it gains up to
// 1/P(θ > w) ≈ 2 over the two-sided BF when the canary is worse and falls
// towards 0 when it is better. ErrNoConvergence means the caller should fall
// back to the two-sided BF plus a direction check (also valid, less power).
func OneSidedLogBF(x, y int64, w, k float64) (float64, error) {
	logBF := MixtureLogBF(x, y, w, k)
	if math.IsNaN(logBF) {
		return logBF, errors.New("stats: one-sided BF needs w in (0,1), k > 0, counts ≥ 0")
	}
	a, b := k*w, k*(1-w)
	post, err := LogBetaUpperTail(w, a+float64(x), b+float64(y))
	if err != nil {
		return math.NaN(), err
	}
	prior, err := LogBetaUpperTail(w, a, b)
	if err != nil {
		return math.NaN(), err
	}
	return logBF + post - prior, nil
}

// SplitLogBF is the sequential sample-ratio test (reference/stats.md §1):
// canary of total requests went to the canary, the configured weight is w.
// Under correct binomial per-request routing it is a test martingale; it is
// not valid under consistent-hash or session affinity, where requests are not
// independent draws.
func SplitLogBF(canary, total int64, w, k float64) float64 {
	if canary < 0 || canary > total {
		return math.NaN()
	}
	return MixtureLogBF(canary, total-canary, w, k)
}
