package stats

import (
	"errors"
	"fmt"
	"math"
)

// Bucket is one Prometheus histogram bucket: Count requests took at most LE
// seconds. Prometheus buckets are cumulative in LE; the last is LE = +Inf and
// its count is the total.
type Bucket struct {
	LE    float64
	Count int64
}

// Disjoint turns cumulative `le` buckets into per-interval counts
// (count(le_i) − count(le_{i−1})). The latency test needs disjoint cells:
// cumulative buckets are nested, so a product of their BFs would count the
// same requests many times and is not a martingale.
func Disjoint(buckets []Bucket) ([]int64, error) {
	out := make([]int64, len(buckets))
	var prevCount int64
	prevLE := math.Inf(-1)
	for i, b := range buckets {
		if !(b.LE > prevLE) {
			return nil, fmt.Errorf("stats: bucket %d: le %v not increasing", i, b.LE)
		}
		if b.Count < prevCount {
			return nil, fmt.Errorf("stats: bucket le=%v: count %d below previous %d", b.LE, b.Count, prevCount)
		}
		out[i] = b.Count - prevCount
		prevCount, prevLE = b.Count, b.LE
	}
	return out, nil
}

// LatencyLogBF tests H0 "latency does not depend on the arm" from disjoint
// bucket counts of canary and baseline (reference/stats.md §3). Given a
// bucket's total m_b, under H0 each of its requests is canary with
// probability w, independently across buckets, so
//
//	log BF = Σ_b MixtureLogBF(c_b, b_b, w, k)
//
// is a sum of independent test martingales' logs, i.e. the log of one (it is
// the BF of the whole canary×bucket table under a product-of-Betas prior).
// It is two-sided; callers pair it with LatencyShift for direction.
func LatencyLogBF(canary, baseline []int64, w, k float64) (float64, error) {
	if len(canary) != len(baseline) {
		return math.NaN(), errors.New("stats: canary and baseline histograms have different buckets")
	}
	sum := 0.0
	for i := range canary {
		l := MixtureLogBF(canary[i], baseline[i], w, k)
		if math.IsNaN(l) {
			return math.NaN(), fmt.Errorf("stats: latency bucket %d: invalid input", i)
		}
		sum += l
	}
	return sum, nil
}

// LatencyShift returns the probability that a random canary request is slower
// than a random baseline request, ties (same bucket) counting half — the
// Mann–Whitney AUC on binned data. 0.5 means no shift; > 0.5 canary slower.
// Empty arms return 0.5.
func LatencyShift(canary, baseline []int64) float64 {
	var nc, nb int64
	for i := range canary {
		nc += canary[i]
	}
	for i := range baseline {
		nb += baseline[i]
	}
	if nc == 0 || nb == 0 || len(canary) != len(baseline) {
		return 0.5
	}
	var below float64 // baseline requests in faster buckets
	var u float64
	for i := range canary {
		u += float64(canary[i]) * (below + 0.5*float64(baseline[i]))
		below += float64(baseline[i])
	}
	return u / (float64(nc) * float64(nb))
}

// HistogramQuantile estimates the q-quantile from cumulative buckets by linear
// interpolation inside the bucket, as Prometheus' histogram_quantile does
// (lower bound of the first bucket is 0; a quantile in the +Inf bucket
// returns the highest finite LE). The result is only as precise as the bucket
// widths; show it to humans, never test on it. NaN when there is no data.
func HistogramQuantile(q float64, buckets []Bucket) float64 {
	if len(buckets) == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	total := buckets[len(buckets)-1].Count
	if total <= 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	prevLE, prevCount := 0.0, int64(0)
	for _, b := range buckets {
		if float64(b.Count) >= rank {
			if math.IsInf(b.LE, 1) {
				return prevLE
			}
			inBucket := float64(b.Count - prevCount)
			if inBucket <= 0 {
				return b.LE
			}
			return prevLE + (b.LE-prevLE)*(rank-float64(prevCount))/inBucket
		}
		prevLE, prevCount = b.LE, b.Count
	}
	return prevLE
}
