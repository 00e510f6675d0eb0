// Package judge decides a canary step from integer counters: continue,
// promote or fail, with anytime-valid sequential tests (see internal/stats
// and docs/statistics.md). It is pure: no I/O, the caller passes the time.
package judge

import (
	"errors"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/stats"
)

// Judge holds the evidence of one rollout across its steps. Not safe for
// concurrent use.
type Judge struct {
	pol    Policy
	step   int
	weight int32 // percent; 0 in a step begun by BeginShare
	// share is the canary's expected share of the counted requests (the
	// split test's null); 0 when none is known (no split test), and why.
	share    float64
	shareWhy string
	// splitOff, when set, turns the split test off for the whole rollout
	// and says why (SplitUntestable).
	splitOff  string
	stepStart time.Time
	canary    stats.Counts // step totals
	baseline  stats.Counts
	// The rollout's totals (requests and errors only) for the
	// non-inferiority bounds, and its one pooled error-rate process.
	rollCanary, rollBaseline stats.Counts
	errEv                    stats.PooledEvidence
	errStepEv                stats.Evidence // Policy.PerStepErrorRate only
	latEv                    stats.Evidence
	splitEv                  stats.Evidence
	guardEv                  stats.Evidence
	failed                   *Decision
	// restored: Restore ran and no step has begun since (Observe waits).
	restored bool
}

// ErrNoStep is returned by Observe before BeginStep.
var ErrNoStep = errors.New("judge: no step started")

// ErrFailed is returned by BeginStep after a Fail verdict.
var ErrFailed = errors.New("judge: rollout already failed")

// New returns a judge for one rollout.
func New(p Policy) (*Judge, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("judge policy: %w", err)
	}
	return &Judge{pol: p}, nil
}

// BeginStep begins a step at the canary's weight in percent (1..100). The
// evidence of earlier steps is kept: the error-rate test is one process over
// the whole rollout (stats.PooledEvidence); for the split, latency and guard
// tests the new step's BF starts at 1 and multiplies onto the product
// (stats.Evidence).
func (j *Judge) BeginStep(at time.Time, weight int32) error {
	if j.failed != nil {
		return ErrFailed
	}
	if weight < 1 || weight > 100 {
		return fmt.Errorf("judge: weight %d%% must be in 1..100", weight)
	}
	j.begin(at)
	j.weight, j.share, j.shareWhy = weight, float64(weight)/100, ""
	return nil
}

// BeginShare begins a step whose canary is not routed by a weight: share is
// the canary's expected share of the counted requests, tested like a
// weight's (a mirror of p% of the baseline's requests gives p/(100+p)), or 0
// when none is known (a header route: the clients decide how many requests
// carry the header), which turns the split test off for the step; why says
// so in the report. The comparative tests run as in any step.
func (j *Judge) BeginShare(at time.Time, share float64, why string) error {
	if j.failed != nil {
		return ErrFailed
	}
	if !(share >= 0 && share < 1) {
		return fmt.Errorf("judge: canary share %v must be in [0, 1)", share)
	}
	j.begin(at)
	j.weight, j.share, j.shareWhy = 0, share, why
	return nil
}

// SplitUntestable turns the split test off for this and every later step,
// with the reason the report's notes give: under session affinity
// (consistent hashing) requests are not independent draws, so the
// sample-ratio test's binomial model does not hold and it would report
// false mismatches. The comparative tests run as before.
func (j *Judge) SplitUntestable(why string) { j.splitOff = why }

func (j *Judge) begin(at time.Time) {
	j.errStepEv.NextStep()
	j.latEv.NextStep()
	j.splitEv.NextStep()
	j.guardEv.NextStep()
	j.step++
	j.stepStart, j.restored = at, false
	j.canary, j.baseline = stats.Counts{}, stats.Counts{}
}

// Observe ingests one window's counts (increases since the previous
// observation; see stats.Delta for cumulative readings) and returns the
// verdict. Windows may have any length; the tests use the step's running
// totals.
func (j *Judge) Observe(at time.Time, canary, baseline stats.Counts) (Decision, error) {
	if j.failed != nil {
		return *j.failed, nil
	}
	if j.step == 0 || j.restored {
		return Decision{}, ErrNoStep
	}
	if !j.pol.ErrorRate {
		canary.Errors, baseline.Errors = 0, 0
	}
	var notes []string
	for _, a := range []struct {
		name string
		c    *stats.Counts
	}{{"canary", &canary}, {"baseline", &baseline}} {
		clamped, err := checkWindow(a.c, a.name)
		if err != nil {
			return Decision{}, fmt.Errorf("judge: %w", err)
		}
		if clamped {
			notes = append(notes, a.name+": more errors than requests in a window (scrape skew); clamped")
		}
	}
	if err := j.canary.Add(canary); err != nil {
		return Decision{}, fmt.Errorf("judge: canary: %w", err)
	}
	if err := j.baseline.Add(baseline); err != nil {
		return Decision{}, fmt.Errorf("judge: baseline: %w", err)
	}
	// The pooled test conditions on each window's own split, so it takes
	// the window, not the step's running totals.
	j.errEv.Observe(canary.Requests, canary.Errors, baseline.Requests, baseline.Errors)
	for _, a := range []struct{ total, w *stats.Counts }{{&j.rollCanary, &canary}, {&j.rollBaseline, &baseline}} {
		a.total.Requests += a.w.Requests
		a.total.Errors += a.w.Errors
	}
	d := j.evaluate(at)
	d.Report.Notes = append(notes, d.Report.Notes...)
	if d.Verdict == Fail {
		j.failed = &d
	}
	return d, nil
}

// evaluate runs the tests on the step totals. Priority of failure reasons:
// a split mismatch first (if routing is wrong, comparisons mean nothing),
// then the absolute guard, error rate, latency.
func (j *Judge) evaluate(now time.Time) Decision {
	p, c, b := j.pol, j.canary, j.baseline
	r := Report{Weight: j.weight, InStep: now.Sub(j.stepStart),
		CanaryRequests: c.Requests, CanaryErrors: c.Errors, CanaryErrorRate: c.ErrorRate(),
		BaselineRequests: b.Requests, BaselineErrors: b.Errors, BaselineErrorRate: b.ErrorRate()}
	r.CanaryP50, r.CanaryP99 = quantiles(c.Buckets)
	r.BaselineP50, r.BaselineP99 = quantiles(b.Buckets)
	total := c.Requests + b.Requests
	w, why := j.share, j.shareWhy
	if j.splitOff != "" && w > 0 {
		w, why = 0, j.splitOff
	}

	// §1 sample ratio at the configured weight (exact martingale: w fixed).
	r.SplitLow, r.SplitHigh = stats.Wilson(c.Requests, total, stats.ZForConfidence(1-p.SplitAlpha))
	if total > 0 {
		r.ObservedSplit = float64(c.Requests) / float64(total)
	}
	var split TestResult
	switch {
	case w == 0:
		r.Notes = append(r.Notes, "split test off: "+why)
	case j.weight < 100:
		j.splitEv.Update(stats.SplitLogBF(c.Requests, total, w, p.SplitPriorK))
		split = test("split", &j.splitEv, p.SplitAlpha)
		r.Tests = append(r.Tests, split)
	case b.Requests > 0:
		r.Notes = append(r.Notes, fmt.Sprintf("weight 100%% but the baseline received %d requests", b.Requests))
	}

	// §2 error rate: one process over the rollout, fed window by window in
	// Observe; one-sided by its prior (β > 0), so no direction check.
	errRate := TestResult{Name: "error-rate", Statistic: finite(j.errEv.LogE()),
		Bound: stats.LogThreshold(p.comparativeAlpha()), Rejected: j.errEv.Reject(p.comparativeAlpha())}
	if p.PerStepErrorRate {
		errRate = j.perStepErrorRate(&r)
	}
	r.Tests = append(r.Tests, errRate)
	r.NonInferiority = j.nonInferiority()

	// §3 latency: product over disjoint buckets, direction by the AUC.
	var latency TestResult
	var shift float64
	if p.Latency {
		latency, shift = j.latency(&r)
		r.Tests = append(r.Tests, latency)
	}

	ready := c.Requests >= p.MinRequests && (j.weight == 100 || b.Requests >= p.MinRequests)
	guard, guarded := j.guard(&r)
	if guarded {
		r.Tests = append(r.Tests, guard)
	}

	// Evidence leaning toward a worse canary holds the step (NextMove):
	// the comparative tests only, and a two-sided one only in the direction
	// in which it would reject. The split test judges the routing, not the
	// canary, and the guard a canary as bad as its baseline may be.
	var leanable []TestResult
	if !p.PerStepErrorRate || r.CanaryErrorRate > r.BaselineErrorRate {
		leanable = append(leanable, errRate)
	}
	if shift > 0.5 {
		leanable = append(leanable, latency)
	}
	r.Leaning = p.leaning(leanable)

	d := Decision{Verdict: Continue, Detail: "collecting evidence"}
	switch {
	case split.Rejected:
		d = failure(ReasonSplitMismatch, "observed canary share %.2f%% [%.2f%%, %.2f%%] contradicts weight %.2f%% (BF %.3g ≥ %.3g)",
			100*r.ObservedSplit, 100*r.SplitLow, 100*r.SplitHigh, 100*w, split.BF(), 1/p.SplitAlpha)
	case guard.Rejected:
		d = failure(ReasonAbsoluteGuard, "canary error rate %.2f%% (%d of %d) above the %.2f%% guard (BF %.3g ≥ %.3g)",
			100*r.CanaryErrorRate, c.Errors, c.Requests, 100*p.MaxErrorRate, guard.BF(), 1/p.GuardAlpha)
	case errRate.Rejected:
		d = failure(ReasonErrorRate, "canary error rate %.2f%% vs baseline %.2f%% over the rollout (BF %.3g ≥ %.3g)",
			100*j.rollCanary.ErrorRate(), 100*j.rollBaseline.ErrorRate(), errRate.BF(), 1/p.comparativeAlpha())
	case latency.Rejected:
		d = failure(ReasonLatency, "canary latency shifted up: P(slower) %.3f (BF %.3g ≥ %.3g)",
			shift, latency.BF(), 1/p.comparativeAlpha())
	case ready:
		d.Verdict = Promote
		d.Detail = fmt.Sprintf("%d canary requests over %s, no test rejected", c.Requests, r.InStep.Round(time.Second))
		if ni := r.NonInferiority; ni != nil && ni.Shown {
			d.Detail += fmt.Sprintf("; canary no worse than baseline + %.2g%% (bound %.2g%%)", 100*ni.Margin, 100*ni.Upper)
		}
		if l := r.Leaning; l != nil {
			d.Detail += "; " + l.String()
		}
	case c.Requests < p.MinRequests:
		d.Detail = fmt.Sprintf("waiting for canary requests: %d of %d", c.Requests, p.MinRequests)
	}
	d.Report = r
	return d
}

// perStepErrorRate is the error-rate test before the pooled process: a
// Beta(k·w, k·(1−w)) mixture on the step's totals at their observed share,
// restarted every step and multiplied across steps, rejecting only when the
// step's canary rate is the higher one. Kept for comparison (simulate).
func (j *Judge) perStepErrorRate(r *Report) TestResult {
	p, c, b := j.pol, j.canary, j.baseline
	if c.Requests > 0 && b.Requests > 0 {
		share := float64(c.Requests) / float64(c.Requests+b.Requests)
		l, err := stats.OneSidedLogBF(c.Errors, b.Errors, share, p.PriorK)
		if err != nil {
			l = stats.MixtureLogBF(c.Errors, b.Errors, share, p.PriorK)
			r.Notes = append(r.Notes, "error-rate test: two-sided fallback ("+err.Error()+")")
		}
		j.errStepEv.Update(l)
	}
	t := test("error-rate", &j.errStepEv, p.comparativeAlpha())
	t.Rejected = t.Rejected && r.CanaryErrorRate > r.BaselineErrorRate
	return t
}

// guard tests H0: canary error rate ≤ MaxErrorRate with the one-sided
// mixture over rates above it. For any true rate at or below the guard each
// request's likelihood ratio has mean ≤ 1, so the BF is a test
// supermartingale under the whole composite null, step after step. ok is
// false when the guard is off.
func (j *Judge) guard(r *Report) (t TestResult, ok bool) {
	p, c := j.pol, j.canary
	if p.MaxErrorRate >= 1 {
		return TestResult{}, false // a rate cannot exceed 1
	}
	if c.Requests > 0 {
		l, err := stats.OneSidedLogBF(c.Errors, c.Requests-c.Errors, p.MaxErrorRate, p.PriorK)
		if err != nil {
			l = stats.MixtureLogBF(c.Errors, c.Requests-c.Errors, p.MaxErrorRate, p.PriorK)
			r.Notes = append(r.Notes, "guard: two-sided fallback ("+err.Error()+")")
		}
		j.guardEv.Update(l)
	}
	t = test("guard", &j.guardEv, p.GuardAlpha)
	t.Rejected = t.Rejected && r.CanaryErrorRate > p.MaxErrorRate
	return t, true
}

// latency tests the histograms; shift is P(canary request slower than a
// baseline one), ties half (0.5 = no shift, 0 without data).
func (j *Judge) latency(r *Report) (t TestResult, shift float64) {
	cb, err1 := stats.Disjoint(j.canary.Buckets)
	bb, err2 := stats.Disjoint(j.baseline.Buckets)
	var nc, nb int64
	for i := range cb {
		nc += cb[i]
	}
	for i := range bb {
		nb += bb[i]
	}
	switch {
	case err1 != nil || err2 != nil:
		r.Notes = append(r.Notes, "latency test: invalid histogram")
	case nc == 0 || nb == 0:
		// No histogram data on one arm: no evidence either way.
	default:
		w := float64(nc) / float64(nc+nb)
		l, err := stats.LatencyLogBF(cb, bb, w, j.pol.PriorK)
		if err != nil {
			r.Notes = append(r.Notes, "latency test: "+err.Error())
			break
		}
		j.latEv.Update(l)
		shift = stats.LatencyShift(cb, bb)
	}
	t = test("latency", &j.latEv, j.pol.comparativeAlpha())
	t.Rejected = t.Rejected && shift > 0.5
	return t, shift
}

func failure(r Reason, format string, args ...any) Decision {
	return Decision{Verdict: Fail, Reason: r, Detail: fmt.Sprintf(format, args...)}
}
