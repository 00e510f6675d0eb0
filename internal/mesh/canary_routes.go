package mesh

import (
	"fmt"
	"sort"

	networking "istio.io/api/networking/v1"
)

// CanaryRouting is what a header or mirror step adds to a VirtualService:
// gitshift's header route (nil when absent) and the weighted route's
// mirror (nil when it mirrors nothing).
type CanaryRouting struct {
	Header *HeaderRoute `json:"headerRoute,omitempty"`
	Mirror *Mirror      `json:"mirror,omitempty"`
}

// CanaryRouting reads gitshift's header route and the mirror of the http
// route that name selects (SelectHTTPRoute).
func (vs *VirtualService) CanaryRouting(name string) (CanaryRouting, error) {
	var out CanaryRouting
	var choices []RouteChoice
	http := vs.Spec.GetHttp()
	for i, r := range http {
		if r.GetName() == HeaderRouteName {
			if out.Header != nil {
				return out, fmt.Errorf("VirtualService %s has two http routes named %s", vs.Ref(), HeaderRouteName)
			}
			h, err := HeaderRouteOf(r)
			if err != nil {
				return out, fmt.Errorf("VirtualService %s: %w", vs.Ref(), err)
			}
			out.Header = &h
		}
		weighted := false
		for _, d := range r.GetRoute() {
			weighted = weighted || d.GetWeight() != 0
		}
		choices = append(choices, RouteChoice{Index: i, Name: r.GetName(), Destinations: len(r.GetRoute()), Weighted: weighted})
	}
	i, err := SelectHTTPRoute(choices, name)
	if err != nil {
		return out, fmt.Errorf("VirtualService %s: %w", vs.Ref(), err)
	}
	out.Mirror, err = MirrorOf(http[i])
	if err != nil {
		return out, fmt.Errorf("VirtualService %s: %w", vs.Ref(), err)
	}
	return out, nil
}

// HeaderRouteOf reads a route in the shape gitshift writes for a header
// step: one match with one header condition, one destination.
func HeaderRouteOf(r *networking.HTTPRoute) (HeaderRoute, error) {
	bad := func(why string) (HeaderRoute, error) {
		return HeaderRoute{}, fmt.Errorf("http route %s %s; gitshift writes one header match and one destination there: remove the route or restore it", HeaderRouteName, why)
	}
	ms := r.GetMatch()
	if len(ms) != 1 || len(r.GetRoute()) != 1 {
		return bad(fmt.Sprintf("has %d matches and %d destinations", len(ms), len(r.GetRoute())))
	}
	m := ms[0]
	if len(m.GetHeaders()) != 1 || m.GetUri() != nil || m.GetMethod() != nil || m.GetAuthority() != nil || m.GetScheme() != nil ||
		len(m.GetQueryParams()) > 0 || len(m.GetWithoutHeaders()) > 0 || m.GetPort() != 0 || len(m.GetSourceLabels()) > 0 {
		return bad("matches more than one header")
	}
	var h HeaderRoute
	for name, sm := range m.GetHeaders() {
		h.Header = name
		h.Match, h.Value = StringMatchOf(sm)
	}
	if h.Match == "" {
		return bad("has a header condition without exact, prefix or regex")
	}
	h.Subset = r.GetRoute()[0].GetDestination().GetSubset()
	return h, nil
}

// StringMatchOf returns the kind and value of an Istio string match ("" for
// an empty one).
func StringMatchOf(sm *networking.StringMatch) (kind, value string) {
	switch {
	case sm == nil:
	case sm.GetExact() != "":
		return MatchExact, sm.GetExact()
	case sm.GetPrefix() != "":
		return MatchPrefix, sm.GetPrefix()
	case sm.GetRegex() != "":
		return MatchRegex, sm.GetRegex()
	}
	return "", ""
}

// MirrorOf reads a route's mirror with Istio's defaults: without
// mirrorPercentage (or the older mirrorPercent) every request is copied.
// The newer `mirrors` list is reported, not read.
func MirrorOf(r *networking.HTTPRoute) (*Mirror, error) {
	if len(r.GetMirrors()) > 0 {
		return nil, fmt.Errorf("http route %s uses the mirrors list; gitshift reads and writes only mirror and mirrorPercentage", routeName(r))
	}
	d := r.GetMirror()
	if d == nil {
		return nil, nil
	}
	m := &Mirror{Host: d.GetHost(), Subset: d.GetSubset(), Percent: 100}
	switch {
	case r.GetMirrorPercentage() != nil:
		m.Percent = r.GetMirrorPercentage().GetValue()
	case r.GetMirrorPercent() != nil:
		m.Percent = float64(r.GetMirrorPercent().GetValue())
	}
	return m, nil
}

func routeName(r *networking.HTTPRoute) string {
	if r.GetName() != "" {
		return fmt.Sprintf("%q", r.GetName())
	}
	return "(unnamed)"
}

// MatchShadow describes an http route that can never match because an
// earlier route catches every request it would (Istio uses the first match).
type MatchShadow struct {
	Route, By int // indexes in spec.http
}

// ShadowedRoutes returns the routes placed after a catch-all route (one
// without match conditions, or with a match that accepts every request):
// Istio evaluates routes in order and takes the first that matches, so
// nothing reaches them.
func ShadowedRoutes(vs *VirtualService) []MatchShadow {
	var out []MatchShadow
	catchAll := -1
	for i, r := range vs.Spec.GetHttp() {
		if catchAll >= 0 {
			out = append(out, MatchShadow{Route: i, By: catchAll})
			continue
		}
		if matchesAll(r.GetMatch()) {
			catchAll = i
		}
	}
	return out
}

// matchesAll reports whether a route's match list accepts every request: no
// match at all, or a match with no condition, or a URI prefix "/" alone.
func matchesAll(ms []*networking.HTTPMatchRequest) bool {
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if len(m.GetHeaders()) > 0 || len(m.GetWithoutHeaders()) > 0 || len(m.GetQueryParams()) > 0 || m.GetMethod() != nil ||
			m.GetAuthority() != nil || m.GetScheme() != nil || m.GetPort() != 0 || len(m.GetSourceLabels()) > 0 ||
			m.GetSourceNamespace() != "" || len(m.GetGateways()) > 0 {
			continue
		}
		if u := m.GetUri(); u != nil {
			if k, v := StringMatchOf(u); !(k == MatchPrefix && v == "/") {
				continue
			}
		}
		return true
	}
	return false
}

// MirrorDestinations lists every mirror destination of vs's http routes, for
// checks (route index, host and subset), in route order.
func MirrorDestinations(vs *VirtualService) []Destination {
	var out []Destination
	for i, r := range vs.Spec.GetHttp() {
		var ds []*networking.Destination
		if r.GetMirror() != nil {
			ds = append(ds, r.GetMirror())
		}
		for _, mp := range r.GetMirrors() {
			ds = append(ds, mp.GetDestination())
		}
		for j, d := range ds {
			path := fmt.Sprintf("spec.http[%d].mirror", i)
			if r.GetMirror() == nil || j > 0 {
				path = fmt.Sprintf("spec.http[%d].mirrors[%d].destination", i, j-btoi(r.GetMirror() != nil))
			}
			out = append(out, Destination{Host: d.GetHost(), FQDN: ResolveHost(d.GetHost(), vs.Namespace), Subset: d.GetSubset(), Path: path})
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// HeaderNames returns the header names vs's http routes match on, sorted.
func HeaderNames(vs *VirtualService) []string {
	seen := map[string]bool{}
	for _, r := range vs.Spec.GetHttp() {
		for _, m := range r.GetMatch() {
			for h := range m.GetHeaders() {
				seen[h] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
