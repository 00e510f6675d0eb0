package adapt

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Counters counts canary and baseline requests from Istio's metrics.
// CanaryVersion and StableVersion are the destination_version label values
// of the two subsets.
type Counters struct {
	Q                            metrics.Querier
	Sel                          metrics.Selector
	CanaryVersion, StableVersion string
}

var _ rollout.CounterSource = Counters{}

// Counts returns the increases in (since, at] from raw counter samples
// (metrics.Window: per-series differences, resets handled).
func (c Counters) Counts(ctx context.Context, since, at time.Time) (canary, baseline rollout.Counts, err error) {
	w, err := metrics.Window(ctx, c.Q, c.Sel, since, at)
	if err != nil {
		if metrics.IsUnavailable(err) {
			return canary, baseline, fmt.Errorf("%w: %w", rollout.ErrUnavailable, err)
		}
		return canary, baseline, err
	}
	if w.Series == 0 {
		return canary, baseline, fmt.Errorf("%w: no %s series for %s", rollout.ErrNoData, metrics.RequestsMetric, c.Sel.Matchers())
	}
	return convert(w.ByVersion[c.CanaryVersion]), convert(w.ByVersion[c.StableVersion]), nil
}

// convert turns metrics' millisecond buckets into sorted cumulative buckets
// in seconds, the unit of internal/stats and the judge's quantiles.
func convert(m metrics.Counters) rollout.Counts {
	out := rollout.Counts{Requests: m.Requests, Errors: m.Errors}
	les := make([]float64, 0, len(m.Buckets))
	for le := range m.Buckets {
		les = append(les, le)
	}
	sort.Float64s(les)
	for _, le := range les {
		s := le / 1000
		if math.IsInf(le, 1) {
			s = le
		}
		out.Buckets = append(out.Buckets, rollout.Bucket{LE: s, Count: m.Buckets[le]})
	}
	return out
}

// Querier evaluates custom checks: the PromQL must give one number.
type Querier struct{ Q metrics.Querier }

var _ rollout.Querier = Querier{}

// Query runs promql at at and returns its single value.
func (q Querier) Query(ctx context.Context, promql string, at time.Time) (float64, error) {
	v, err := q.Q.Query(ctx, promql, at)
	if err != nil {
		if metrics.IsUnavailable(err) {
			return 0, fmt.Errorf("%w: %w", rollout.ErrUnavailable, err)
		}
		return 0, err
	}
	switch x := v.(type) {
	case *model.Scalar:
		return float64(x.Value), nil
	case model.Vector:
		if len(x) == 1 {
			return float64(x[0].Value), nil
		}
		if len(x) == 0 {
			return 0, fmt.Errorf("%w: %q returned no sample", rollout.ErrNoData, promql)
		}
		return 0, fmt.Errorf("%q returned %d series; a check needs one number (aggregate it, e.g. with sum or max)", promql, len(x))
	}
	return 0, fmt.Errorf("%q returned a %s; a check needs one number", promql, v.Type())
}
