package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// A header step routes the requests that carry a header to the canary and
// is judged on them, which needs two things only the traffic can tell (so
// `gitshift check`, which reads the repository, cannot): Istio's metrics
// carry the header's value as a label (a Telemetry tagOverride), and some
// client sends the header. A new rollout looks before its first commit.

// HeaderTraffic is what the recent traffic says about a header.
type HeaderTraffic struct {
	// Labelled counts requests whose metrics carry the header's label with
	// any value (Istio reports a missing header as "unknown" once the
	// tagOverride exists); Matching those whose value the step matches.
	Labelled, Matching int64
}

// HeaderTrafficSource is the optional Counters method the preflight uses.
type HeaderTrafficSource interface {
	HeaderTraffic(ctx context.Context, h policy.HeaderMatch, since, at time.Time) (HeaderTraffic, error)
}

// HeaderLookback is how far back the preflight looks for the header.
const HeaderLookback = 10 * time.Minute

// HeaderTrafficError: no request's metrics carry the header step's header,
// so the step could never be judged; nothing was committed.
type HeaderTrafficError struct {
	Step   int
	Header policy.HeaderMatch
}

func (e *HeaderTrafficError) Error() string {
	kind, v := e.Header.Match()
	return fmt.Sprintf("step %d routes requests with %s %s %q to the canary, but no request in the last %s had the metric label %s: "+
		"Istio's metrics do not carry the header (add a Telemetry tagOverride, see examples/istio-telemetry/canary-header-tag.yaml) or no client sends it; "+
		"the step could never be judged, so the rollout did not start",
		e.Step, e.Header.Name, kind, v, HeaderLookback, mesh.MetricLabel(e.Header.Name))
}

// headerPreflight checks each header step's header in the recent traffic
// before a new rollout's first commit. stop is set when a header is never
// labelled; note says when it is labelled but nobody sent the step's value
// (testers may start once the route exists).
func (e *Engine) headerPreflight(ctx context.Context) (o Outcome, note string, stop bool) {
	src, ok := e.d.Counters.(HeaderTrafficSource)
	if !ok {
		return Outcome{}, "", false
	}
	now := e.d.Clock.Now()
	for i, st := range e.p.Spec.Steps {
		if st.Kind() != policy.StepHeader {
			continue
		}
		ht, err := src.HeaderTraffic(ctx, *st.HeaderRoute, now.Add(-HeaderLookback), now)
		if err != nil {
			e.log.Warn("header preflight: reading the metrics", "err", err)
			return Outcome{}, "", false // the step's own no-data handling applies
		}
		if ht.Labelled == 0 {
			cause := &HeaderTrafficError{Step: i + 1, Header: *st.HeaderRoute}
			return Outcome{Next: Failed, Decision: DecisionStop, Cause: cause, Reason: cause.Error()}, "", true
		}
		if ht.Matching == 0 {
			kind, v := st.HeaderRoute.Match()
			note = fmt.Sprintf("no request in the last %s carried %s %s %q: step %d waits for clients that send it (at most its maxDuration)",
				HeaderLookback, st.HeaderRoute.Name, kind, v, i+1)
		}
	}
	return Outcome{}, note, false
}
