package judge

// flaggerRule is a comparator only (reference/stats.md §5), never used by
// gitshift: every interval it checks the canary-only success rate over the
// last interval against a threshold; a check with no requests fails; failed
// checks accumulate over the rollout and it rolls back at `threshold`.
type flaggerRule struct {
	intervalTicks int     // checks every intervalTicks simulation ticks
	minSuccess    float64 // e.g. 0.99
	threshold     int     // failed checks before rollback

	ticks    int
	requests int64 // canary requests in the current interval
	errors   int64
	failed   int
}

// observe ingests one tick of canary counts and reports whether the rule
// rolls back now.
func (f *flaggerRule) observe(canaryRequests, canaryErrors int64) (rollback bool) {
	f.ticks++
	f.requests += canaryRequests
	f.errors += canaryErrors
	if f.ticks%f.intervalTicks != 0 {
		return false
	}
	ok := f.requests > 0 && float64(f.requests-f.errors)/float64(f.requests) >= f.minSuccess
	f.requests, f.errors = 0, 0
	if !ok {
		f.failed++
	}
	return f.failed >= f.threshold
}
