package adapt

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/shift"
)

// Header and mirror steps (rollout/routing.go): the adapters read and
// count them too.

var (
	_ rollout.HistoryRouting      = (*Git)(nil)
	_ rollout.RoutingSource       = Live{}
	_ rollout.StepCounterSource   = Counters{}
	_ rollout.HeaderTrafficSource = Counters{}
)

// routeChange is the shift of a step's routing: gitshift's header route as
// given, the mirror to the canary as given (a person's mirror to another
// subset stays).
func (g *Git) routeChange(rt *mesh.CanaryRouting) (*edit.HeaderChange, *edit.MirrorChange) {
	if rt == nil {
		return nil, nil
	}
	return &edit.HeaderChange{Set: rt.Header}, &edit.MirrorChange{Set: rt.Mirror, Only: g.Canary}
}

// Routing returns the header route and mirror Git renders at the branch
// head. Only the head is supported.
func (g *Git) Routing(ctx context.Context, rev string) (mesh.CanaryRouting, error) {
	if rev != "" {
		return mesh.CanaryRouting{}, fmt.Errorf("reading the routing at %s: only the branch head is supported", rev)
	}
	st, err := shift.CurrentRoute(ctx, g.request())
	if err != nil {
		return mesh.CanaryRouting{}, classifyPush(err)
	}
	return mesh.CanaryRouting{Header: st.Header, Mirror: st.Mirror}, nil
}

// Routing reads the live VirtualService's header route and mirror with the
// same route selection as Weights.
func (l Live) Routing(ctx context.Context) (mesh.CanaryRouting, error) {
	vs, _, err := kube.LiveVirtualService(ctx, l.Client, l.Namespace, l.Name)
	if err != nil {
		if kube.IsUnreachable(err) {
			return mesh.CanaryRouting{}, unreachable(err)
		}
		return mesh.CanaryRouting{}, err
	}
	if vs == nil {
		return mesh.CanaryRouting{}, fmt.Errorf("VirtualService %s/%s does not exist in the cluster", l.Namespace, l.Name)
	}
	return vs.CanaryRouting(l.Route)
}

// StepCounts counts a header or mirror step from Istio's metrics.
//
// Header step: Istio's metrics carry a header's value only when a Telemetry
// tagOverride adds it, as the label mesh.MetricLabel(header) (x-canary →
// x_canary); the lab's mesh does the same. Tagged requests at the canary
// are its arm, untagged ones at the stable subset the baseline; tagged at
// stable or untagged at the canary are misrouted.
//
// Mirror step: Istio reports mirrored copies only on the receiving side
// (reporter="destination"), so the canary's destination-side requests are
// the copies and the stable subset's the users'; any canary request its
// caller reported (reporter="source") reached a user.
func (c Counters) StepCounts(ctx context.Context, st policy.Step, since, at time.Time) (rollout.StepCounts, error) {
	switch st.Kind() {
	case policy.StepHeader:
		return c.headerCounts(ctx, st.HeaderRoute, since, at)
	case policy.StepMirror:
		return c.mirrorCounts(ctx, since, at)
	}
	cn, b, err := c.Counts(ctx, since, at)
	return rollout.StepCounts{Canary: cn, Baseline: b}, err
}

func (c Counters) headerCounts(ctx context.Context, h *policy.HeaderMatch, since, at time.Time) (rollout.StepCounts, error) {
	label := mesh.MetricLabel(h.Name)
	kind, v := h.Match()
	tagged, err := c.window(ctx, c.with(metrics.HeaderMatcher(label, kind, v, false)), since, at)
	if err != nil {
		return rollout.StepCounts{}, err
	}
	other, err := c.window(ctx, c.with(metrics.HeaderMatcher(label, kind, v, true)), since, at)
	if err != nil {
		return rollout.StepCounts{}, err
	}
	if tagged.Series+other.Series == 0 {
		return rollout.StepCounts{}, fmt.Errorf("%w: no %s series for %s", rollout.ErrNoData, metrics.RequestsMetric, c.Sel.Matchers())
	}
	out := rollout.StepCounts{Canary: tagged.ByVersion[c.CanaryVersion], Baseline: other.ByVersion[c.StableVersion]}
	wrongStable, wrongCanary := tagged.ByVersion[c.StableVersion].Requests, other.ByVersion[c.CanaryVersion].Requests
	out.Misrouted = wrongStable + wrongCanary
	out.Misroute = fmt.Sprintf("%d requests with %s at %s, %d without it at %s (header values are read from the metric label %s, which Istio adds with a Telemetry tagOverride)",
		wrongStable, metrics.HeaderMatcher(label, kind, v, false), c.StableVersion, wrongCanary, c.CanaryVersion, label)
	return out, nil
}

func (c Counters) mirrorCounts(ctx context.Context, since, at time.Time) (rollout.StepCounts, error) {
	dst := c.Sel
	dst.Reporter = "destination"
	w, err := c.window(ctx, dst, since, at)
	if err != nil {
		return rollout.StepCounts{}, err
	}
	if w.Series == 0 {
		return rollout.StepCounts{}, fmt.Errorf("%w: no %s series for %s", rollout.ErrNoData, metrics.RequestsMetric, dst.Matchers())
	}
	src := c.Sel
	src.Reporter = "source"
	users, err := c.window(ctx, src, since, at)
	if err != nil {
		return rollout.StepCounts{}, err
	}
	n := users.ByVersion[c.CanaryVersion].Requests
	return rollout.StepCounts{Canary: w.ByVersion[c.CanaryVersion], Baseline: w.ByVersion[c.StableVersion], Misrouted: n,
		Misroute: fmt.Sprintf("%d user requests (reported by their callers) reached %s during the mirror step", n, c.CanaryVersion)}, nil
}

// HeaderTraffic counts the target's requests (any version, both reporters
// as configured) whose metrics carry the header's label with any value,
// and those whose value the header step matches: the rollout's preflight.
func (c Counters) HeaderTraffic(ctx context.Context, h policy.HeaderMatch, since, at time.Time) (rollout.HeaderTraffic, error) {
	label := mesh.MetricLabel(h.Name)
	any, err := c.window(ctx, c.with(label+`!=""`), since, at)
	if err != nil {
		return rollout.HeaderTraffic{}, err
	}
	kind, v := h.Match()
	match, err := c.window(ctx, c.with(metrics.HeaderMatcher(label, kind, v, false)), since, at)
	if err != nil {
		return rollout.HeaderTraffic{}, err
	}
	return rollout.HeaderTraffic{Labelled: any.Total(), Matching: match.Total()}, nil
}

func (c Counters) with(m string) metrics.Selector {
	s := c.Sel
	s.Extra = append(append([]string(nil), s.Extra...), m)
	return s
}

func (c Counters) window(ctx context.Context, sel metrics.Selector, since, at time.Time) (metrics.WindowCounts, error) {
	w, err := metrics.Window(ctx, c.Q, sel, since, at)
	if err != nil && metrics.IsUnavailable(err) {
		return w, fmt.Errorf("%w: %w", rollout.ErrUnavailable, err)
	}
	return w, err
}
