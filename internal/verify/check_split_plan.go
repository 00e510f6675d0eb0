package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/stats"
)

// splitPlan says which requests a target's weighted route decides and how
// its split may be tested, from what else Git routes to the host:
//   - gitshift's header route (a rollout's header step) takes the requests
//     carrying its header before the weighted route sees them, so the split
//     is measured on the others, told apart by the header's metric label
//     (an Istio Telemetry tagOverride), and the tagged ones are checked to
//     reach the header route's subset;
//   - a mirror (a mirror step) copies requests: Istio reports the copies on
//     the receiving side only, so the split is measured on requests their
//     callers reported (what users got) and the copies' share is compared
//     with the mirror percentage;
//   - consistent hashing (session affinity) in the DestinationRule: the
//     requests are not independent draws, so the per-request binomial test
//     does not apply; only what holds request by request is checked (a 0%
//     destination gets nothing).
type splitPlan struct {
	sel      metrics.Selector
	header   *mesh.HeaderRoute
	mirror   *mesh.Mirror
	affinity []mesh.Affinity
}

func (s *State) planSplit(t target) splitPlan {
	p := splitPlan{sel: s.selector(t.Host)}
	http := t.VS.Spec.GetHttp()
	for _, r := range http {
		if r.GetName() != mesh.HeaderRouteName || len(r.GetRoute()) != 1 {
			continue
		}
		if mesh.ResolveHost(r.GetRoute()[0].GetDestination().GetHost(), t.VS.Namespace) != t.Host {
			continue
		}
		if h, err := mesh.HeaderRouteOf(r); err == nil {
			p.header = &h
			kind, v := h.Match, h.Value
			p.sel.Extra = append(p.sel.Extra, metrics.HeaderMatcher(mesh.MetricLabel(h.Header), kind, v, true))
		}
	}
	if t.HTTPIndex >= 0 && t.HTTPIndex < len(http) {
		if m, err := mesh.MirrorOf(http[t.HTTPIndex]); err == nil && m != nil &&
			(m.Host == "" || mesh.ResolveHost(m.Host, t.VS.Namespace) == t.Host) {
			p.mirror = m
			p.sel.Reporter = "source"
		}
	}
	var names []string
	for _, sub := range t.Subsets {
		names = append(names, sub.Name)
	}
	seen := map[string]bool{}
	for _, m := range []*mesh.Model{s.gitModel, s.liveModel} {
		if m == nil {
			continue
		}
		for _, a := range m.AffinityFor(t.Host, names...) {
			if k := a.Rule + " " + a.Subset + " " + a.Key; !seen[k] {
				seen[k] = true
				p.affinity = append(p.affinity, a)
			}
		}
	}
	return p
}

// notes says what the plan measures, for the check's details.
func (p splitPlan) notes(host string) []string {
	var out []string
	if h := p.header; h != nil {
		out = append(out, fmt.Sprintf("%s: Git routes requests with header %s to %s first (header route %s): the split is measured on the other requests, told apart by the metric label %s, which Istio adds with a Telemetry tagOverride (see examples/istio-telemetry/); without it their requests count in the split",
			shortHost(host), headerMatch(h), h.Subset, mesh.HeaderRouteName, mesh.MetricLabel(h.Header)))
	}
	if m := p.mirror; m != nil {
		out = append(out, fmt.Sprintf("%s: the route mirrors %g%% of its requests to %s; Istio reports the copies on the receiving side only, so the split is measured on requests their callers reported (reporter=source)",
			shortHost(host), m.Percent, m.Subset))
	}
	if len(p.affinity) > 0 {
		var as []string
		for _, a := range p.affinity {
			as = append(as, a.String()+" at "+a.Source)
		}
		out = append(out, fmt.Sprintf("%s: per-request split test skipped: %s; requests that share a hash key are not independent draws, so the binomial test of the shares against the weights does not apply (only that a 0%% destination gets no requests is checked)",
			shortHost(host), strings.Join(as, "; ")))
	}
	return out
}

func headerMatch(h *mesh.HeaderRoute) string {
	return fmt.Sprintf("%s %s %q", h.Header, h.Match, h.Value)
}

func unrouted(wc metrics.WindowCounts, seen map[string]bool) string {
	var extra []string
	for v, c := range wc.ByVersion {
		if !seen[v] && c.Requests > 0 {
			extra = append(extra, fmt.Sprintf("%s %d", v, c.Requests))
		}
	}
	sort.Strings(extra)
	return strings.Join(extra, ", ")
}

// versionOf is the destination_version a subset's requests are reported
// with: the target's resolved one, else the subset's name.
func versionOf(t target, subset string) string {
	for _, sub := range t.Subsets {
		if sub.Name == subset && sub.Version != "" {
			return sub.Version
		}
	}
	return subset
}

// checkHeaderRoute counts the requests carrying the header route's header:
// every one must reach its subset. The line says how many did.
func (s *State) checkHeaderRoute(ctx context.Context, t target, p splitPlan, wc metrics.WindowCounts) (string, bool, error) {
	h := p.header
	sel := s.selector(t.Host)
	sel.Reporter = p.sel.Reporter
	sel.Extra = []string{metrics.HeaderMatcher(mesh.MetricLabel(h.Header), h.Match, h.Value, false)}
	tagged, err := metrics.Window(ctx, s.Metrics, sel, wc.Start, wc.End)
	if err != nil {
		return "", false, err
	}
	want := versionOf(t, h.Subset)
	n, at := tagged.Total(), tagged.ByVersion[want].Requests
	if tagged.Series == 0 {
		return fmt.Sprintf("header route: no request with %s in the window (none sent, or Istio's metrics lack the label %s)", headerMatch(h), mesh.MetricLabel(h.Header)), true, nil
	}
	line := fmt.Sprintf("header route: %d of %d requests with %s reached %s", at, n, headerMatch(h), h.Subset)
	if at != n {
		delete(tagged.ByVersion, want)
		return line + " MISMATCH (others at " + unrouted(tagged, nil) + ")", false, nil
	}
	return line, true, nil
}

// checkMirror compares the mirrored copies' share of the route's requests
// with the mirror percentage: copies are the mirror subset's requests
// reported by the receiving side beyond those its callers reported.
func (s *State) checkMirror(ctx context.Context, t target, p splitPlan, users metrics.WindowCounts) (string, bool, error) {
	m := p.mirror
	sel := p.sel
	sel.Reporter = "destination"
	dst, err := metrics.Window(ctx, s.Metrics, sel, users.Start, users.End)
	if err != nil {
		return "", false, err
	}
	v := versionOf(t, m.Subset)
	copies := dst.ByVersion[v].Requests - users.ByVersion[v].Requests
	n := users.Total()
	if copies < 0 || n == 0 {
		return fmt.Sprintf("mirror: no copies measured (%d user requests)", n), true, nil
	}
	lo, hi := stats.Wilson(copies, n, s.Z)
	line := fmt.Sprintf("mirror to %s: %d copies of %d requests, %.1f%% [%.1f, %.1f] vs Git %g%%", m.Subset, copies, n, pct(copies, n), lo*100, hi*100, m.Percent)
	if w := m.Percent / 100; w < lo || w > hi {
		return line + " MISMATCH", false, nil
	}
	return line + " ok", true, nil
}

// checkCanaryRouting runs the header route's and the mirror's checks.
func (s *State) checkCanaryRouting(ctx context.Context, t target, p splitPlan, wc metrics.WindowCounts) ([]string, bool, error) {
	var lines []string
	ok := true
	if p.header != nil {
		l, good, err := s.checkHeaderRoute(ctx, t, p, wc)
		if err != nil {
			return nil, false, err
		}
		lines, ok = append(lines, l), ok && good
	}
	if p.mirror != nil {
		l, good, err := s.checkMirror(ctx, t, p, wc)
		if err != nil {
			return nil, false, err
		}
		lines, ok = append(lines, l), ok && good
	}
	return lines, ok, nil
}
