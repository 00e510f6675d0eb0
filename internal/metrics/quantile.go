package metrics

import "math"

// Quantile estimates the q-quantile (0..1) from cumulative bucket counts the
// way Prometheus's histogram_quantile does: find the bucket holding the
// rank, interpolate linearly inside it (the lowest bucket starts at 0), and
// return the highest finite bound when the rank falls into +Inf. The result
// is only as precise as the bucket width: Istio's default buckets are
// 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, ... ms.
// ok is false without observations.
func Quantile(q float64, buckets map[float64]int64) (v float64, ok bool) {
	les := sortedBounds(buckets)
	if len(les) == 0 || !math.IsInf(les[len(les)-1], 1) {
		return 0, false
	}
	total := buckets[les[len(les)-1]]
	if total <= 0 || q < 0 || q > 1 {
		return 0, false
	}
	rank := q * float64(total)
	lower, below := 0.0, int64(0)
	for _, le := range les {
		c := buckets[le]
		if float64(c) >= rank && c > below {
			if math.IsInf(le, 1) {
				return lower, true
			}
			if le <= 0 {
				return le, true
			}
			return lower + (le-lower)*(rank-float64(below))/float64(c-below), true
		}
		lower, below = le, c
	}
	return lower, true
}
