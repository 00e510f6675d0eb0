package controller

import (
	"strconv"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Evidence turns an analysis into the status' evidence: counts, rates, the
// observed split and each test's log Bayes factor against its bound.
func Evidence(a *rollout.Analysis) *api.Evidence {
	if a == nil {
		return nil
	}
	e := &api.Evidence{CanaryRequests: a.CanaryRequests, CanaryErrors: a.CanaryErrors, BaselineRequests: a.BaselineRequests,
		BaselineErrors: a.BaselineErrors, CanaryErrorRate: a.CanaryErrorRate, BaselineErrorRate: a.BaselineErrorRate,
		ObservedSplit: a.ObservedSplit, InStepSeconds: int64(a.InStep.Seconds())}
	for _, t := range a.Tests {
		e.Tests = append(e.Tests, api.Test{Name: t.Name, LogBayesFactor: finite(t.Statistic), Bound: finite(t.Bound), Rejected: t.Rejected})
	}
	for _, c := range a.Checks {
		e.Checks = append(e.Checks, api.CheckRun{Name: c.Name, Value: finite(c.Value), OK: c.OK})
	}
	return e
}

// finite keeps JSON valid: ±Inf and NaN cannot be encoded.
func finite(f float64) float64 {
	switch {
	case f != f:
		return 0
	case f > 1e300:
		return 1e300
	case f < -1e300:
		return -1e300
	}
	return f
}

func fmtInt(i int64) string { return strconv.FormatInt(i, 10) }
