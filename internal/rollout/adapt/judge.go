package adapt

import (
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// Judge is the statistical judge (internal/judge) behind rollout.Judge.
type Judge struct {
	j         *judge.Judge
	errorRate bool
}

var _ rollout.Judge = (*Judge)(nil)

// NewJudge configures the judge from the policy's analysis. The engine
// enforces each step's minDuration, minCanaryRequests and the no-data
// timeout itself (so the failure policy applies), so the judge's own are off;
// its MinRequests is the guards' minRequests (both arms, before promotion).
func NewJudge(a policy.Analysis) (*Judge, error) {
	p := judge.DefaultPolicy()
	p.Alpha, p.PriorK = a.Alpha, a.PriorK
	p.MaxErrorRate, p.GuardAlpha = a.Guards.MaxErrorRate, a.Guards.Alpha
	p.MinRequests = max(1, a.Guards.MinRequests)
	p.MinDuration, p.NoDataTimeout = 0, 0
	p.Latency = policy.On(a.Latency.Enabled)
	j, err := judge.New(p)
	if err != nil {
		return nil, err
	}
	return &Judge{j: j, errorRate: policy.On(a.ErrorRate.Enabled)}, nil
}

// BeginStep starts a step at weight percent.
func (a *Judge) BeginStep(at time.Time, weight int32) error {
	return a.j.StartStep(at, float64(weight)/100)
}

// Observe feeds one window to the judge.
func (a *Judge) Observe(at time.Time, canary, baseline rollout.Counts) (rollout.Assessment, error) {
	d, err := a.j.Observe(at, a.counts(canary), a.counts(baseline))
	if err != nil {
		return rollout.Assessment{}, err
	}
	out := rollout.Assessment{Reason: d.Detail, Report: report(d.Report)}
	switch d.Verdict {
	case judge.Promote:
		out.Verdict = rollout.VerdictPromote
	case judge.Fail:
		out.Verdict = rollout.VerdictFail
		out.Reason = fmt.Sprintf("%s: %s", d.Reason, d.Detail)
	default:
		out.Verdict = rollout.VerdictContinue
	}
	return out, nil
}

// counts converts; with errorRate.enabled false no errors reach the judge,
// which turns the error-rate test and the guard off.
func (a *Judge) counts(c rollout.Counts) judge.Counts {
	out := judge.Counts{Requests: c.Requests, Errors: c.Errors}
	if !a.errorRate {
		out.Errors = 0
	}
	for _, b := range c.Buckets {
		out.Buckets = append(out.Buckets, stats.Bucket{LE: b.LE, Count: b.Count})
	}
	return out
}

func report(r judge.Report) rollout.Report {
	out := rollout.Report{
		CanaryRequests: r.Canary.Requests, CanaryErrors: r.Canary.Errors, CanaryErrorRate: r.Canary.ErrorRate,
		BaselineRequests: r.Baseline.Requests, BaselineErrors: r.Baseline.Errors, BaselineErrorRate: r.Baseline.ErrorRate,
		ObservedSplit: r.Split.Observed, SplitLow: r.Split.Lo, SplitHigh: r.Split.Hi,
		InStep: r.InStep, Weight: int32(r.Weight*100 + 0.5),
		CanaryP50: deref(r.Canary.P50), CanaryP99: deref(r.Canary.P99), BaselineP50: deref(r.Baseline.P50), BaselineP99: deref(r.Baseline.P99),
	}
	for _, t := range []struct {
		name string
		t    judge.Test
	}{{"split", r.Split.Test}, {"error-rate", r.ErrorRate}, {"latency", r.Latency}, {"guard", r.Guard}} {
		if t.t.Enabled {
			out.Tests = append(out.Tests, rollout.TestResult{Name: t.name, Statistic: t.t.LogBF, Bound: t.t.LogThreshold, Rejected: t.t.Rejected})
		}
	}
	return out
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
