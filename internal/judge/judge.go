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
	pol        Policy
	step       int
	weight     float64
	stepStart  time.Time
	lastCanary time.Time
	canary     Counts // step totals
	baseline   Counts
	errEv      stats.Evidence
	latEv      stats.Evidence
	splitEv    stats.Evidence
	guardEv    stats.Evidence
	failed     *Decision
}

// ErrNoStep is returned by Observe before StartStep.
var ErrNoStep = errors.New("judge: no step started")

// ErrFailed is returned by StartStep after a Fail verdict.
var ErrFailed = errors.New("judge: rollout already failed")

// New returns a judge for one rollout.
func New(p Policy) (*Judge, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("judge policy: %w", err)
	}
	return &Judge{pol: p}, nil
}

// StartStep begins a step at the configured canary weight (a fraction in
// (0,1]). The evidence of earlier steps is kept: each test's BF for the new
// step starts at 1 and multiplies onto the product (stats.Evidence).
func (j *Judge) StartStep(now time.Time, weight float64) error {
	if j.failed != nil {
		return ErrFailed
	}
	if !(weight > 0 && weight <= 1) {
		return fmt.Errorf("judge: weight %v must be a fraction in (0,1]", weight)
	}
	j.errEv.NextStep()
	j.latEv.NextStep()
	j.splitEv.NextStep()
	j.guardEv.NextStep()
	j.step++
	j.weight = weight
	j.stepStart, j.lastCanary = now, now
	j.canary, j.baseline = Counts{}, Counts{}
	return nil
}

// Observe ingests one window's counts (increases since the previous
// observation; see Delta for cumulative snapshots) and returns the verdict.
// Windows may have any length; the tests use the step's running totals.
func (j *Judge) Observe(now time.Time, canary, baseline Counts) (Decision, error) {
	if j.failed != nil {
		return *j.failed, nil
	}
	if j.step == 0 {
		return Decision{}, ErrNoStep
	}
	var notes []string
	for _, a := range []struct {
		name string
		c    *Counts
	}{{"canary", &canary}, {"baseline", &baseline}} {
		clamped, err := a.c.check(a.name)
		if err != nil {
			return Decision{}, fmt.Errorf("judge: %w", err)
		}
		if clamped {
			notes = append(notes, a.name+": more errors than requests in a window (scrape skew); clamped")
		}
	}
	if err := j.canary.add(canary); err != nil {
		return Decision{}, fmt.Errorf("judge: canary: %w", err)
	}
	if err := j.baseline.add(baseline); err != nil {
		return Decision{}, fmt.Errorf("judge: baseline: %w", err)
	}
	if canary.Requests > 0 {
		j.lastCanary = now
	}
	r, d := j.evaluate(now)
	r.Notes = append(notes, r.Notes...)
	d.Report = r
	if d.Verdict == Fail {
		j.failed = &d
	}
	return d, nil
}

// evaluate runs the tests on the step totals. Priority of failure reasons:
// a split mismatch first (if routing is wrong, comparisons mean nothing),
// then the absolute guard, error rate, latency, no data.
func (j *Judge) evaluate(now time.Time) (Report, Decision) {
	p, c, b := j.pol, j.canary, j.baseline
	r := Report{Now: now, Step: j.step, Weight: j.weight, InStep: now.Sub(j.stepStart)}
	r.Canary, r.Baseline = arm(c), arm(b)
	total := c.Requests + b.Requests

	// §1 sample ratio at the configured weight (exact martingale: w fixed).
	conf := 0.95
	if p.SplitAlpha > 0 {
		conf = 1 - p.SplitAlpha
	}
	lo, hi := stats.Wilson(c.Requests, total, stats.ZForConfidence(conf))
	r.Split = SplitReport{Lo: lo, Hi: hi}
	if total > 0 {
		r.Split.Observed = float64(c.Requests) / float64(total)
	}
	if p.SplitAlpha > 0 && j.weight < 1 {
		j.splitEv.Update(stats.SplitLogBF(c.Requests, total, j.weight, p.SplitPriorK))
		r.Split.Test = test(&j.splitEv, p.SplitAlpha)
	} else if j.weight == 1 && b.Requests > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("weight 100%% but the baseline received %d requests", b.Requests))
	}

	// §2 error rate, conditioning on the observed share of requests.
	if c.Requests > 0 && b.Requests > 0 {
		w := float64(c.Requests) / float64(total)
		l, err := stats.OneSidedLogBF(c.Errors, b.Errors, w, p.PriorK)
		if err != nil {
			// Fallback: the two-sided mixture is still a test martingale;
			// direction is required at rejection below.
			l = stats.MixtureLogBF(c.Errors, b.Errors, w, p.PriorK)
			r.Notes = append(r.Notes, "error-rate test: two-sided fallback ("+err.Error()+")")
		}
		j.errEv.Update(l)
	}
	r.ErrorRate = test(&j.errEv, p.comparativeAlpha())
	r.ErrorRate.Rejected = r.ErrorRate.Rejected && r.Canary.ErrorRate > r.Baseline.ErrorRate

	// §3 latency: product over disjoint buckets, direction by the AUC.
	if p.Latency {
		j.latency(&r)
	}

	r.PromoteReady = r.InStep >= p.MinDuration && c.Requests >= p.MinRequests &&
		(j.weight == 1 || b.Requests >= p.MinRequests)
	j.guard(&r)
	noData := p.NoDataTimeout > 0 && now.Sub(j.lastCanary) >= p.NoDataTimeout

	d := Decision{Verdict: Continue, Detail: "collecting evidence"}
	switch {
	case r.Split.Test.Rejected:
		d = failure(ReasonSplitMismatch, "observed canary share %.2f%% [%.2f%%, %.2f%%] contradicts weight %.2f%% (BF %.3g ≥ %.3g)",
			100*r.Split.Observed, 100*lo, 100*hi, 100*j.weight, r.Split.Test.BF(), 1/p.SplitAlpha)
	case r.Guard.Rejected:
		d = failure(ReasonAbsoluteGuard, "canary error rate %.2f%% (%d of %d) above the %.2f%% guard (BF %.3g ≥ %.3g)",
			100*r.Canary.ErrorRate, c.Errors, c.Requests, 100*p.MaxErrorRate, r.Guard.BF(), 1/p.GuardAlpha)
	case r.ErrorRate.Rejected:
		d = failure(ReasonErrorRate, "canary error rate %.2f%% vs baseline %.2f%% (BF %.3g ≥ %.3g)",
			100*r.Canary.ErrorRate, 100*r.Baseline.ErrorRate, r.ErrorRate.BF(), 1/r.ErrorRate.Alpha)
	case r.Latency.Rejected:
		d = failure(ReasonLatency, "canary latency shifted up: P(slower) %.3f (BF %.3g ≥ %.3g)",
			r.LatencyShift, r.Latency.BF(), 1/r.Latency.Alpha)
	case noData:
		d = failure(ReasonNoData, "no canary requests for %s", now.Sub(j.lastCanary).Round(time.Second))
	case r.PromoteReady:
		d = Decision{Verdict: Promote, Detail: fmt.Sprintf("%d canary requests over %s, no test rejected",
			c.Requests, r.InStep.Round(time.Second))}
	case c.Requests < p.MinRequests:
		d.Detail = fmt.Sprintf("waiting for canary requests: %d of %d", c.Requests, p.MinRequests)
	}
	return r, d
}

// guard tests H0: canary error rate ≤ MaxErrorRate with the one-sided
// mixture over rates above it. For any true rate at or below the guard each
// request's likelihood ratio has mean ≤ 1, so the BF is a test
// supermartingale under the whole composite null, step after step.
func (j *Judge) guard(r *Report) {
	p, c := j.pol, j.canary
	if !(p.MaxErrorRate > 0 && p.MaxErrorRate < 1) {
		return // 0 disables; a rate cannot exceed 1
	}
	if c.Requests > 0 {
		l, err := stats.OneSidedLogBF(c.Errors, c.Requests-c.Errors, p.MaxErrorRate, p.PriorK)
		if err != nil {
			l = stats.MixtureLogBF(c.Errors, c.Requests-c.Errors, p.MaxErrorRate, p.PriorK)
			r.Notes = append(r.Notes, "guard: two-sided fallback ("+err.Error()+")")
		}
		j.guardEv.Update(l)
	}
	r.Guard = test(&j.guardEv, p.GuardAlpha)
	r.Guard.Rejected = r.Guard.Rejected && r.Canary.ErrorRate > p.MaxErrorRate
}

func (j *Judge) latency(r *Report) {
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
		r.LatencyShift = stats.LatencyShift(cb, bb)
	}
	r.Latency = test(&j.latEv, j.pol.comparativeAlpha())
	r.Latency.Rejected = r.Latency.Rejected && r.LatencyShift > 0.5
}

func test(e *stats.Evidence, alpha float64) Test {
	return Test{
		Enabled:      true,
		Alpha:        alpha,
		LogBF:        finite(e.LogBF()),
		StepLogBF:    finite(e.StepLogBF()),
		LogThreshold: stats.LogThreshold(alpha),
		Rejected:     e.Reject(alpha),
	}
}

func arm(c Counts) Arm {
	a := Arm{Requests: c.Requests, Errors: c.Errors}
	if c.Requests > 0 {
		a.ErrorRate = float64(c.Errors) / float64(c.Requests)
	}
	a.ErrorLo, a.ErrorHi = stats.Wilson(c.Errors, c.Requests, stats.ZForConfidence(0.95))
	if len(c.Buckets) > 0 {
		a.P50 = quantile(stats.HistogramQuantile(0.5, c.Buckets))
		a.P99 = quantile(stats.HistogramQuantile(0.99, c.Buckets))
	}
	return a
}

func failure(r Reason, format string, args ...any) Decision {
	return Decision{Verdict: Fail, Reason: r, Detail: fmt.Sprintf(format, args...)}
}
