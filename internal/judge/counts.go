package judge

import (
	"fmt"

	"github.com/gitshift/gitshift/internal/stats"
)

// Bucket is a Prometheus histogram bucket (cumulative in LE, +Inf last).
type Bucket = stats.Bucket

// Counts are integer counters for one subset over a window: differences of
// raw Prometheus counters, never rate()/increase() extrapolations.
type Counts struct {
	Requests int64
	Errors   int64
	// Buckets are the latency histogram's cumulative `le` counts for the
	// window (optional). The layout (LE values) must stay the same.
	Buckets []Bucket
}

// Delta returns the increase from snapshot prev to snapshot cur of cumulative
// counters. If any counter went down the process restarted (a counter reset)
// and cur itself is the increase since the reset, as Prometheus assumes. Sum
// per-series increases before calling Delta when several pods are summed: a
// reset of one pod only lowers the sum.
func Delta(prev, cur Counts) Counts {
	reset := cur.Requests < prev.Requests || cur.Errors < prev.Errors || len(cur.Buckets) != len(prev.Buckets)
	for i := 0; !reset && i < len(cur.Buckets); i++ {
		reset = cur.Buckets[i].LE != prev.Buckets[i].LE || cur.Buckets[i].Count < prev.Buckets[i].Count
	}
	if reset {
		return Counts{Requests: cur.Requests, Errors: cur.Errors, Buckets: append([]Bucket(nil), cur.Buckets...)}
	}
	d := Counts{Requests: cur.Requests - prev.Requests, Errors: cur.Errors - prev.Errors}
	if len(cur.Buckets) > 0 {
		d.Buckets = make([]Bucket, len(cur.Buckets))
		for i, b := range cur.Buckets {
			d.Buckets[i] = Bucket{LE: b.LE, Count: b.Count - prev.Buckets[i].Count}
		}
	}
	return d
}

// add accumulates a window into the step's totals. Buckets must keep one
// layout across windows; a window without buckets adds none.
func (c *Counts) add(w Counts) error {
	c.Requests += w.Requests
	c.Errors += w.Errors
	if len(w.Buckets) == 0 {
		return nil
	}
	if len(c.Buckets) == 0 {
		c.Buckets = append([]Bucket(nil), w.Buckets...)
		return nil
	}
	if len(c.Buckets) != len(w.Buckets) {
		return fmt.Errorf("histogram has %d buckets, earlier windows had %d", len(w.Buckets), len(c.Buckets))
	}
	for i, b := range w.Buckets {
		if b.LE != c.Buckets[i].LE {
			return fmt.Errorf("histogram bucket %d: le %v, earlier windows had %v", i, b.LE, c.Buckets[i].LE)
		}
		c.Buckets[i].Count += b.Count
	}
	return nil
}

// check validates a window and clamps Errors to Requests: the two come from
// separate series scraped at slightly different instants, so a window can
// briefly show more errors than requests. It returns whether it clamped.
func (c *Counts) check(arm string) (clamped bool, err error) {
	if c.Requests < 0 || c.Errors < 0 {
		return false, fmt.Errorf("%s: negative counts (requests %d, errors %d); pass increases, see Delta", arm, c.Requests, c.Errors)
	}
	if _, err := stats.Disjoint(c.Buckets); err != nil {
		return false, fmt.Errorf("%s: %w", arm, err)
	}
	if c.Errors > c.Requests {
		c.Errors = c.Requests
		return true, nil
	}
	return false, nil
}
