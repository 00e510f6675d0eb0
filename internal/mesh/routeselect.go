package mesh

import (
	"fmt"
	"strconv"
	"strings"
)

// RouteChoice is what route selection needs to know of one http route.
type RouteChoice struct {
	Index int    // position in spec.http
	Name  string // "" when unnamed
	// Destinations is the number of entries of the route's `route` list;
	// Weighted says whether any of them has a non-zero weight.
	Destinations int
	Weighted     bool
}

// splits reports whether the route divides traffic by weight: several
// destinations, or a weight written. A single unweighted destination (a
// header match for testers, a mirror) takes no part in a canary split.
func (c RouteChoice) splits() bool { return c.Destinations > 1 || c.Weighted }

func (c RouteChoice) String() string {
	if c.Name != "" {
		return fmt.Sprintf("%q (index %d)", c.Name, c.Index)
	}
	return fmt.Sprintf("index %d", c.Index)
}

// RouteSelectionError says why no single http route was selected.
type RouteSelectionError struct {
	Want string // the name or index asked for; "" when none was
	// Candidates are the routes that could be meant: every route when Want
	// matched none, the routes that split traffic when none was named.
	Candidates []RouteChoice
}

func (e *RouteSelectionError) Error() string {
	names := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		names[i] = c.String()
	}
	switch {
	case e.Want != "":
		return fmt.Sprintf("no http route %q (routes: %s)", e.Want, strings.Join(names, ", "))
	case len(e.Candidates) == 0:
		return "no http routes"
	}
	return fmt.Sprintf("%d http routes split traffic (%s): name one", len(e.Candidates), strings.Join(names, ", "))
}

// SelectHTTPRoute is gitshift's one rule for which http route of a
// VirtualService a shift, a rollout or a weight reader means. It returns
// the position in routes of:
//   - when name is given: the route called name, else the route at that
//     0-based index; no such route is an error;
//   - when name is "": the only route, else the only route that splits
//     traffic (several destinations or a weight); none or several such
//     routes is an error listing the candidates.
//
// gitshift's own header route (HeaderRouteName) is never selected, and
// indices count the routes without it: inserting it before the weighted
// route must not change which route an index names.
//
// The errors are *RouteSelectionError.
func SelectHTTPRoute(all []RouteChoice, name string) (int, error) {
	var routes []RouteChoice
	var pos []int
	for i, r := range all {
		if r.Name == HeaderRouteName {
			continue
		}
		r.Index = len(routes)
		routes = append(routes, r)
		pos = append(pos, i)
	}
	i, err := selectRoute(routes, name)
	if err != nil {
		return -1, err
	}
	return pos[i], nil
}

func selectRoute(routes []RouteChoice, name string) (int, error) {
	if name != "" {
		for i, r := range routes {
			if r.Name == name {
				return i, nil
			}
		}
		for i, r := range routes {
			if strconv.Itoa(r.Index) == name {
				return i, nil
			}
		}
		return -1, &RouteSelectionError{Want: name, Candidates: routes}
	}
	if len(routes) == 1 {
		return 0, nil
	}
	found := -1
	var splitting []RouteChoice
	for i, r := range routes {
		if r.splits() {
			found = i
			splitting = append(splitting, r)
		}
	}
	if len(splitting) == 1 {
		return found, nil
	}
	if len(splitting) == 0 {
		splitting = routes
	}
	return -1, &RouteSelectionError{Candidates: splitting}
}

// HTTPRoute selects one http route of vs with SelectHTTPRoute.
func (vs *VirtualService) HTTPRoute(name string) (Route, error) {
	var routes []Route
	var choices []RouteChoice
	for _, r := range vs.Routes() {
		if r.Protocol != HTTP {
			continue
		}
		weighted := false
		for _, d := range r.Destinations {
			weighted = weighted || d.Weight != 0
		}
		routes = append(routes, r)
		choices = append(choices, RouteChoice{Index: r.Index, Name: r.Name, Destinations: len(r.Destinations), Weighted: weighted})
	}
	i, err := SelectHTTPRoute(choices, name)
	if err != nil {
		return Route{}, fmt.Errorf("VirtualService %s: %w", vs.Ref(), err)
	}
	return routes[i], nil
}

// SubsetWeights sums the route's written weights per subset, as Istio
// applies them: a single destination without weight receives all traffic
// (100).
func (r Route) SubsetWeights() map[string]int32 {
	out := map[string]int32{}
	for _, d := range r.Destinations {
		w := d.Weight
		if len(r.Destinations) == 1 && w == 0 {
			w = 100
		}
		out[d.Subset] += w
	}
	return out
}
