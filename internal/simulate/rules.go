package simulate

import (
	"fmt"
	"math"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// Outcome is how one simulated rollout of one rule ended.
type Outcome struct {
	RolledBack bool
	Paused     bool // the failure policy paused it
	Promoted   bool // the canary reached 100%
	Reason     string
	Step       int     // 1-based step it ended in (the 100% step when promoted)
	Seconds    float64 // from the first step's start to the rollback, pause or 100%
	// CanaryErrors are the errors the canary served until then: the
	// exposure a rollback bounds.
	CanaryErrors int64
}

// rule is one way to run a canary: gitshift's engine with a judge, a
// Flagger-style schedule, or the oracle.
type rule interface {
	run(src *source) (Outcome, error)
}

// stepJudge is what the engine needs of a judge (rollout.Judge).
type stepJudge interface {
	BeginStep(at time.Time, weight int32) error
	BeginShare(at time.Time, share float64, why string) error
	Observe(at time.Time, canary, baseline stats.Counts) (judge.Decision, error)
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// engineRule steps through the policy as the rollout engine does: a look
// every analysis interval; Fail rolls back; judge.NextMove ends the step,
// holds it, or applies the failure policy at maxDuration, as noDataTimeout
// does; the 100% step is the promotion. Manual gates count as resumed at once and Argo CD applies
// each step instantly (push→live is not simulated).
//
// Header and mirror steps run as the engine runs them (rollout/routing.go):
// a header step sends headerShare of the requests (the testers') to the
// canary and judges them without a split test; a mirror step of p% gives
// the canary copies of p% of the requests, judged at the share p/(100+p),
// and its errors reach no user, so they are no exposure.
type engineRule struct {
	pol         *policy.CanaryPolicy
	newJudge    func() (stepJudge, error)
	headerShare float64
}

func (r engineRule) run(src *source) (Outcome, error) {
	s := r.pol.Spec
	j, err := r.newJudge()
	if err != nil {
		return Outcome{}, err
	}
	interval := s.Analysis.Interval.Duration
	var now time.Duration
	var exposure int64
	end := func(o Outcome) (Outcome, error) {
		o.Seconds, o.CanaryErrors = now.Seconds(), exposure
		return o, nil
	}
	for i, st := range s.Steps {
		if st.Weight == 100 {
			return end(Outcome{Promoted: true, Step: i + 1})
		}
		if err := r.begin(j, epoch.Add(now), st); err != nil {
			return Outcome{}, fmt.Errorf("step %d: %w", i+1, err)
		}
		var inStep, noData time.Duration
		var stepCanary int64
		for {
			now += interval
			inStep += interval
			c, b, seen := src.stepWindow(st, r.headerShare, interval)
			if seen {
				exposure += c.Errors
			}
			if c.Requests == 0 && b.Requests == 0 {
				if noData += interval; noData >= s.Analysis.NoDataTimeout.Duration {
					return end(failurePolicy(s.FailurePolicy, "NoData", i+1))
				}
				continue
			}
			noData = 0
			stepCanary += c.Requests
			d, err := j.Observe(epoch.Add(now), c, b)
			if err != nil {
				return Outcome{}, fmt.Errorf("step %d: %w", i+1, err)
			}
			if d.Verdict == judge.Fail {
				why := d.Reason.String()
				if d.Reason == judge.ReasonNone {
					why = "SPRT" // the anchors give no judge reason
				}
				return end(Outcome{RolledBack: true, Reason: why, Step: i + 1})
			}
			move := judge.NextMove(d.Verdict, d.Report, inStep, stepCanary, st.Limits())
			if move.Advances() {
				break
			}
			if move == judge.Timeout {
				return end(failurePolicy(s.FailurePolicy, "Timeout", i+1))
			}
		}
	}
	return end(Outcome{Promoted: true, Step: len(s.Steps)})
}

// begin starts the judge on a step as the engine's beginStep does.
func (r engineRule) begin(j stepJudge, at time.Time, st policy.Step) error {
	switch st.Kind() {
	case policy.StepHeader:
		return j.BeginShare(at, 0, "header step: the clients decide the share")
	case policy.StepMirror:
		p := float64(st.Mirror)
		return j.BeginShare(at, p/(100+p), "mirror step")
	}
	return j.BeginStep(at, st.Weight)
}

func failurePolicy(fp policy.FailurePolicy, why string, step int) Outcome {
	if fp == policy.FailurePause {
		return Outcome{Paused: true, Reason: why, Step: step}
	}
	return Outcome{RolledBack: true, Reason: why, Step: step}
}

// sprtJudge is an anchor: Wald's SPRT summing a per-window log-likelihood
// ratio, rejecting at log(1/α). It promotes as soon as the judge's minimum
// requests are in, so each step lasts the policy's minimums.
type sprtJudge struct {
	windowLLR   func(c, b stats.Counts) (float64, error)
	bound       float64
	minRequests int64
	llr         float64
	stepCanary  int64
}

func (o *sprtJudge) BeginStep(time.Time, int32) error { o.stepCanary = 0; return nil }

func (o *sprtJudge) BeginShare(time.Time, float64, string) error { o.stepCanary = 0; return nil }

func (o *sprtJudge) Observe(_ time.Time, c, b stats.Counts) (judge.Decision, error) {
	o.stepCanary += c.Requests
	l, err := o.windowLLR(c, b)
	if err != nil {
		return judge.Decision{}, err
	}
	o.llr += l
	switch {
	case o.llr >= o.bound:
		return judge.Decision{Verdict: judge.Fail}, nil
	case o.stepCanary >= o.minRequests:
		return judge.Decision{Verdict: judge.Promote}, nil
	}
	return judge.Decision{Verdict: judge.Continue}, nil
}

// oracleLLR is the oracle's (reference/stats.md, last section): it knows
// both arms' true distributions, and scores each canary request by the log
// ratio of its outcome's probabilities, error or not and, with histograms,
// its latency bucket.
func oracleLLR(t Traffic, histograms bool) func(c, b stats.Counts) (float64, error) {
	var llrErr, llrOK float64
	if p0, p1 := t.BaselineError, t.CanaryError; p1 != p0 {
		llrErr, llrOK = math.Log(p1/p0), math.Log1p(-p1)-math.Log1p(-p0)
	}
	var llrBucket []float64
	if histograms && t.CanaryLatency != t.BaselineLatency {
		q0, q1 := newArm(0, t.BaselineLatency).bucket, newArm(0, t.CanaryLatency).bucket
		for b := range q0 {
			llrBucket = append(llrBucket, math.Log(q1[b]/q0[b]))
		}
	}
	return func(c, _ stats.Counts) (float64, error) {
		var l float64
		if c.Errors > 0 {
			l += float64(c.Errors) * llrErr
		}
		l += float64(c.Requests-c.Errors) * llrOK
		if llrBucket == nil {
			return l, nil
		}
		dis, err := stats.Disjoint(c.Buckets)
		if err != nil {
			return 0, err
		}
		for b, n := range dis {
			if n > 0 {
				l += float64(n) * llrBucket[b]
			}
		}
		return l, nil
	}
}

// effectLLR is the second anchor's: it knows the canary's true log odds
// ratio β against the baseline but not the baseline's rate, so it conditions
// on each window's errors like the judge (stats.PooledLogFactor at the true
// β instead of a mixture). The gap to the oracle is the price of learning
// the baseline during the rollout; the gap from here to the judge is the
// price of not knowing the effect size.
func effectLLR(beta float64) func(c, b stats.Counts) (float64, error) {
	return func(c, b stats.Counts) (float64, error) {
		if c.Requests == 0 || b.Requests == 0 {
			return 0, nil
		}
		w := float64(c.Requests) / float64(c.Requests+b.Requests)
		return stats.PooledLogFactor(c.Errors, c.Errors+b.Errors, w, beta), nil
	}
}

// flaggerRule is the Flagger-style comparator (reference/stats.md §5): every
// interval the canary-only success rate over that interval must be at least
// minSuccess (no requests count as a failed check); a passed check advances
// to the policy's next weight, 100 being the promotion; failed checks
// accumulate over the rollout and roll back at threshold.
type flaggerRule struct {
	weights    []int32
	interval   time.Duration
	minSuccess float64
	threshold  int
}

func (f flaggerRule) run(src *source) (Outcome, error) {
	var now time.Duration
	var exposure int64
	failed := 0
	for i := 0; ; {
		if f.weights[i] == 100 {
			return Outcome{Promoted: true, Step: i + 1, Seconds: now.Seconds(), CanaryErrors: exposure}, nil
		}
		now += f.interval
		c, _ := src.window(f.weights[i], f.interval)
		exposure += c.Errors
		if c.Requests > 0 && float64(c.Requests-c.Errors) >= f.minSuccess*float64(c.Requests) {
			i++
			continue
		}
		if failed++; failed >= f.threshold {
			return Outcome{RolledBack: true, Reason: "FailedChecks", Step: i + 1, Seconds: now.Seconds(), CanaryErrors: exposure}, nil
		}
	}
}
