package stats

import "fmt"

// Counts are the integer counters of one subset over a window: requests,
// errors and the latency histogram, as differences of raw counters (never
// rate() extrapolations).
//
// They live here because three packages speak them: metrics measures them,
// judge decides on them and the rollout engine carries them from one to the
// other. stats is the lowest of the three's common imports and stdlib-only,
// so the judge stays pure and the engine free of a Prometheus client.
type Counts struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// Buckets are the latency histogram's cumulative buckets in seconds,
	// sorted by LE, +Inf last; nil without a histogram. Not in JSON: +Inf
	// does not encode.
	Buckets []Bucket `json:"-"`
}

// ErrorRate is Errors/Requests, 0 without requests.
func (c Counts) ErrorRate() float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(c.Errors) / float64(c.Requests)
}

// Delta returns the increase from reading prev to reading cur of counters
// that only grow. If any went down, the source restarted (a proxy's counter
// reset, or a series that vanished from a window) and cur itself is taken as
// the increase, as Prometheus does, rather than a negative count. When
// several series are summed, take per-series increases first: a reset of one
// only lowers the sum.
func Delta(prev, cur Counts) Counts {
	reset := cur.Requests < prev.Requests || cur.Errors < prev.Errors || len(cur.Buckets) != len(prev.Buckets)
	for i := 0; !reset && i < len(cur.Buckets); i++ {
		reset = cur.Buckets[i].LE != prev.Buckets[i].LE || cur.Buckets[i].Count < prev.Buckets[i].Count
	}
	if reset {
		return Counts{Requests: cur.Requests, Errors: cur.Errors, Buckets: append([]Bucket(nil), cur.Buckets...)}
	}
	d := Counts{Requests: cur.Requests - prev.Requests, Errors: cur.Errors - prev.Errors}
	for i, b := range cur.Buckets {
		d.Buckets = append(d.Buckets, Bucket{LE: b.LE, Count: b.Count - prev.Buckets[i].Count})
	}
	return d
}

// Add accumulates window w into c. Buckets must keep one layout across
// windows; a window without buckets adds none. On error c is unchanged.
func (c *Counts) Add(w Counts) error {
	if len(w.Buckets) > 0 && len(c.Buckets) > 0 {
		if len(c.Buckets) != len(w.Buckets) {
			return fmt.Errorf("histogram has %d buckets, earlier windows had %d", len(w.Buckets), len(c.Buckets))
		}
		for i, b := range w.Buckets {
			if b.LE != c.Buckets[i].LE {
				return fmt.Errorf("histogram bucket %d: le %v, earlier windows had %v", i, b.LE, c.Buckets[i].LE)
			}
		}
	}
	c.Requests += w.Requests
	c.Errors += w.Errors
	switch {
	case len(w.Buckets) == 0:
	case len(c.Buckets) == 0:
		c.Buckets = append([]Bucket(nil), w.Buckets...)
	default:
		for i, b := range w.Buckets {
			c.Buckets[i].Count += b.Count
		}
	}
	return nil
}
