package adapt

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/stats"
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
func (c Counters) Counts(ctx context.Context, since, at time.Time) (canary, baseline stats.Counts, err error) {
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
	return w.ByVersion[c.CanaryVersion], w.ByVersion[c.StableVersion], nil
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
