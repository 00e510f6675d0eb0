package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// Header and mirror steps (policy.StepHeader, policy.StepMirror) route the
// canary by a match route or a mirror instead of a weight. Each is one
// commit like a weight step, and each step's commit removes what the step
// before added: a step's routing is exactly its own (a header step has no
// mirror, a weight step neither), so promotion, rollback and abort remove
// them by commit. The engine needs a little more from its dependencies for
// them; New asks for these only when the policy has such steps.

// RoutingSource reads the live VirtualService's canary routing: gitshift's
// header route and the weighted route's mirror.
type RoutingSource interface {
	Routing(ctx context.Context) (mesh.CanaryRouting, error)
}

// HistoryRouting reads the canary routing Git has at rev ("" for the branch
// head), for the foreign-change check.
type HistoryRouting interface {
	Routing(ctx context.Context, rev string) (mesh.CanaryRouting, error)
}

// StepCounts are one reading of a header or mirror step's counters: the
// arms the judge compares and the requests routing sent where the step says
// none may go.
type StepCounts struct {
	Canary, Baseline stats.Counts
	// Misrouted counts requests in the wrong place: a header step's
	// header-tagged requests at the stable subset or untagged ones at the
	// canary; a mirror step's user requests (reported by the caller) at the
	// canary. Misroute says which, for the message.
	Misrouted int64
	Misroute  string
}

// StepCounterSource counts a header or mirror step (cumulative in (since,
// at], like CounterSource): on a header step the canary arm is the
// header-tagged requests and the baseline the others; on a mirror step the
// canary arm is the mirrored copies (Istio reports them on the
// destination's side only) and the baseline the stable subset's requests.
type StepCounterSource interface {
	StepCounts(ctx context.Context, step policy.Step, since, at time.Time) (StepCounts, error)
}

// ShareJudge starts a step whose canary share of the counted requests is
// not a route weight: share is the expected share (a mirror of p% gives
// p/(100+p)), 0 when none is known (a header step: the clients decide how
// many requests carry the header), and why says so in the report.
type ShareJudge interface {
	BeginShare(at time.Time, share float64, why string) error
}

// Trailers of header and mirror steps, in mesh's String forms.
const (
	TrailerHeaderRoute = "Gitshift-Header-Route"
	TrailerMirror      = "Gitshift-Mirror"
)

// routed reports whether the policy has header or mirror steps.
func routed(p *policy.CanaryPolicy) bool {
	for _, s := range p.Spec.Steps {
		if s.Kind() != policy.StepWeight {
			return true
		}
	}
	return false
}

// checkRoutedDeps asks for the optional interfaces a routed policy needs.
func checkRoutedDeps(d Deps) error {
	var missing []string
	if _, ok := d.Live.(RoutingSource); !ok {
		missing = append(missing, "Live.Routing")
	}
	if _, ok := d.History.(HistoryRouting); !ok {
		missing = append(missing, "History.Routing")
	}
	if _, ok := d.Counters.(StepCounterSource); !ok {
		missing = append(missing, "Counters.StepCounts")
	}
	if _, ok := d.Judge.(ShareJudge); !ok {
		missing = append(missing, "Judge.BeginShare")
	}
	if len(missing) > 0 {
		return fmt.Errorf("rollout engine: the policy has header or mirror steps but the dependencies lack %v", missing)
	}
	return nil
}

// stepRouting is the canary routing step i (1-based) commits; 0 is the
// stable state (nothing).
func (e *Engine) stepRouting(i int) mesh.CanaryRouting {
	if i < 1 || i > e.steps() {
		return mesh.CanaryRouting{}
	}
	st, canary := e.step(i), e.p.Spec.CanarySubset
	switch st.Kind() {
	case policy.StepHeader:
		kind, v := st.HeaderRoute.Match()
		return mesh.CanaryRouting{Header: &mesh.HeaderRoute{Header: st.HeaderRoute.Name, Match: kind, Value: v, Subset: canary}}
	case policy.StepMirror:
		return mesh.CanaryRouting{Mirror: &mesh.Mirror{Subset: canary, Percent: float64(st.Mirror)}}
	}
	return mesh.CanaryRouting{}
}

// sameRouting compares routings as the rollout owns them: gitshift's header
// route, and a mirror only when it targets the canary (a person's mirror to
// another subset is not the rollout's and stays).
func sameRouting(a, b mesh.CanaryRouting, canary string) bool {
	own := func(m *mesh.Mirror) *mesh.Mirror {
		if m == nil || m.Subset != canary {
			return nil
		}
		return m
	}
	return mesh.SameHeaderRoute(a.Header, b.Header) && mesh.SameMirror(own(a.Mirror), own(b.Mirror))
}

// FormatRouting writes a routing for messages: "header x-canary exact "1"
// -> v3", "mirror v3=20", or "no header route or mirror".
func FormatRouting(r mesh.CanaryRouting) string {
	switch {
	case r.Header != nil && r.Mirror != nil:
		return "header " + r.Header.String() + ", mirror " + r.Mirror.String()
	case r.Header != nil:
		return "header " + r.Header.String()
	case r.Mirror != nil:
		return "mirror " + r.Mirror.String()
	}
	return "no header route or mirror"
}

// routingTrailers are a step commit's header/mirror trailers.
func routingTrailers(r mesh.CanaryRouting) []Trailer {
	var out []Trailer
	if r.Header != nil {
		out = append(out, Trailer{TrailerHeaderRoute, r.Header.String()})
	}
	if r.Mirror != nil {
		out = append(out, Trailer{TrailerMirror, r.Mirror.String()})
	}
	return out
}

// parseRouting reads routingTrailers back.
func parseRouting(tr map[string]string) (mesh.CanaryRouting, error) {
	var out mesh.CanaryRouting
	if s := tr[TrailerHeaderRoute]; s != "" {
		h, err := mesh.ParseHeaderRoute(s)
		if err != nil {
			return out, err
		}
		out.Header = &h
	}
	if s := tr[TrailerMirror]; s != "" {
		m, err := mesh.ParseMirror(s)
		if err != nil {
			return out, err
		}
		out.Mirror = &m
	}
	return out, nil
}

// describeStep says what step i does: "v3 25%", "header x-canary exact "1"
// -> v3", "mirror 20% to v3".
func (e *Engine) describeStep(i int) string {
	st := e.step(i)
	switch st.Kind() {
	case policy.StepHeader:
		return "header route " + e.stepRouting(i).Header.String()
	case policy.StepMirror:
		return fmt.Sprintf("mirror %d%% to %s", st.Mirror, e.p.Spec.CanarySubset)
	}
	return fmt.Sprintf("%s %d%%", e.p.Spec.CanarySubset, st.Weight)
}

// beginStep starts the judge on step i: a weight step at its weight; a
// mirror step at the share its copies have of all counted requests; a
// header step without a split test (the clients decide the share).
func (e *Engine) beginStep(at time.Time, i int) error {
	st := e.step(i)
	switch st.Kind() {
	case policy.StepHeader:
		return e.d.Judge.(ShareJudge).BeginShare(at, 0, "header step: the canary gets the requests that carry "+st.HeaderRoute.Name+
			"; their share is the clients', so there is no split to test (routing is checked request by request instead)")
	case policy.StepMirror:
		p := float64(st.Mirror)
		return e.d.Judge.(ShareJudge).BeginShare(at, p/(100+p), fmt.Sprintf("mirror step: copies of %d%% of the stable subset's requests", st.Mirror))
	}
	return e.d.Judge.BeginStep(at, st.Weight)
}

// counts reads the current step's arms.
func (e *Engine) counts(ctx context.Context, r *Run, at time.Time) (StepCounts, error) {
	st := e.step(r.Step)
	if st.Kind() == policy.StepWeight {
		c, b, err := e.d.Counters.Counts(ctx, r.analysisStart, at)
		return StepCounts{Canary: c, Baseline: b}, err
	}
	return e.d.Counters.(StepCounterSource).StepCounts(ctx, st, r.analysisStart, at)
}

// MisrouteError: a header or mirror step's routing sent requests where the
// step says none may go (measured in Prometheus): the cluster does not do
// what Git says, so nothing measured here would mean what it seems.
type MisrouteError struct {
	Step  int
	N     int64
	What  string
	Total int64
}

func (e *MisrouteError) Error() string {
	return fmt.Sprintf("step %d: %d of %d requests misrouted: %s", e.Step, e.N, e.Total, e.What)
}

// RoutingDriftError: the live header route or mirror differs from Git's
// after Argo CD synced.
type RoutingDriftError struct{ Want, Got mesh.CanaryRouting }

func (e *RoutingDriftError) Error() string {
	return fmt.Sprintf("live VirtualService has %s, Git has %s after Argo CD synced (a live edit, another controller, or a stale sync)",
		FormatRouting(e.Got), FormatRouting(e.Want))
}
