package edit

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/mesh"
)

// Target names one VirtualService http route inside a file.
type Target struct {
	// Doc is the 0-based document index, or -1 to search every document.
	Doc int
	// Item is the index in a `kind: List` document's items, or -1.
	Item      int
	Name      string
	Namespace string // "" matches any (the namespace may come from the Application)
	// Route is the http route's name or 0-based index; "" selects the only
	// route that splits traffic (mesh.SelectHTTPRoute).
	Route string
}

func (t Target) String() string {
	if t.Namespace != "" {
		return t.Namespace + "/" + t.Name
	}
	return t.Name
}

// destination is one entry of an http route's `route` list.
type destination struct {
	item   *yaml.Node // the HTTPRouteDestination mapping
	subset *yaml.Node // destination.subset, or nil
	host   *yaml.Node
	weight *yaml.Node // nil when absent
	key    string     // subset, or host when there is no subset
	value  int        // weight as read (absent: implied)
}

type route struct {
	list  *yaml.Node // the `route:` sequence
	dests []destination
	label string // for messages
}

// findVirtualService returns the root mapping of the VirtualService t names.
func (f *File) findVirtualService(t Target) (*yaml.Node, error) {
	var found []*yaml.Node
	for i, d := range f.Docs {
		if t.Doc >= 0 && i != t.Doc || len(d.Content) == 0 {
			continue
		}
		root := d.Content[0]
		if t.Item >= 0 {
			items := mapGet(root, "items")
			if items == nil || items.Kind != yaml.SequenceNode || t.Item >= len(items.Content) {
				continue
			}
			root = items.Content[t.Item]
		}
		kind, api := mapGet(root, "kind"), mapGet(root, "apiVersion")
		meta := mapGet(root, "metadata")
		name, ns := mapGet(meta, "name"), mapGet(meta, "namespace")
		if kind == nil || kind.Value != "VirtualService" || api == nil || !strings.HasPrefix(api.Value, "networking.istio.io/") ||
			name == nil || name.Value != t.Name || t.Namespace != "" && ns != nil && ns.Value != t.Namespace {
			continue
		}
		found = append(found, root)
	}
	switch len(found) {
	case 0:
		return nil, &Error{File: f.Name, Msg: fmt.Sprintf("no VirtualService %s in this file", t)}
	case 1:
		return found[0], nil
	}
	return nil, f.errorf(found[1], "VirtualService %s is defined more than once", t)
}

// findRoute selects the http route and reads its destinations.
func (f *File) findRoute(vs *yaml.Node, t Target) (*route, error) {
	http := mapGet(mapGet(vs, "spec"), "http")
	if http == nil || http.Kind != yaml.SequenceNode || len(http.Content) == 0 {
		return nil, f.errorf(vs, "VirtualService %s has no http routes", t)
	}
	idx, err := mesh.SelectHTTPRoute(routeChoices(http), t.Route)
	if err != nil {
		e := f.errorf(http, "VirtualService %s: %v", t, err).(*Error)
		e.Err = err // callers say how to name the route
		return nil, e
	}
	r := http.Content[idx]
	if r.Kind == yaml.AliasNode {
		return nil, f.errorf(r, "http route index %d of VirtualService %s is an alias (*%s): editing its anchor would change both routes; edit the file by hand", idx, t, r.Value)
	}
	rt := &route{label: routeLabel(r, idx)}
	rt.list = mapGet(r, "route")
	if rt.list != nil && rt.list.Kind == yaml.AliasNode {
		return nil, f.errorf(rt.list, "route of http route %s of VirtualService %s is an alias (*%s): editing its anchor would change both routes; edit the file by hand", rt.label, t, rt.list.Value)
	}
	if rt.list == nil || rt.list.Kind != yaml.SequenceNode || len(rt.list.Content) == 0 {
		return nil, f.errorf(r, "http route %s of VirtualService %s has no route destinations", rt.label, t)
	}
	seen := map[string]bool{}
	for _, item := range rt.list.Content {
		if item.Kind != yaml.MappingNode || hasMerge(item) {
			return nil, f.errorf(item, "route destination is not a plain mapping (alias or merge key): edit it by hand")
		}
		d := destination{item: item, weight: mapGet(item, "weight")}
		dm := mapGet(item, "destination")
		if dm == nil || dm.Kind != yaml.MappingNode {
			return nil, f.errorf(item, "route destination has no destination mapping")
		}
		d.host, d.subset = mapGet(dm, "host"), mapGet(dm, "subset")
		switch {
		case d.subset != nil:
			d.key = d.subset.Value
		case d.host != nil:
			d.key = d.host.Value
		default:
			return nil, f.errorf(dm, "destination has neither subset nor host")
		}
		if seen[d.key] {
			return nil, f.errorf(item, "destination %q appears twice in route %s; cannot tell them apart", d.key, rt.label)
		}
		seen[d.key] = true
		if d.weight != nil {
			if d.weight.Kind == yaml.AliasNode {
				return nil, f.errorf(d.weight, "weight of %s is an alias (*%s): edit the file by hand", d.key, d.weight.Value)
			}
			if d.weight.Kind != yaml.ScalarNode {
				return nil, f.errorf(d.weight, "weight of %s is not a scalar", d.key)
			}
			v, err := f.readWeight(d.weight, d.key)
			if err != nil {
				return nil, err
			}
			d.value = v
		}
		rt.dests = append(rt.dests, d)
	}
	for i := range rt.dests {
		if rt.dests[i].weight == nil {
			rt.dests[i].value = impliedWeight(len(rt.dests))
		}
	}
	return rt, nil
}

// impliedWeight is Istio's weight for a destination without one: a single
// destination gets all traffic, otherwise an unset weight is 0.
func impliedWeight(n int) int {
	if n == 1 {
		return 100
	}
	return 0
}

// routeChoices describes the http routes for mesh.SelectHTTPRoute, the rule
// the rollout and the weight readers use on the rendered object too.
func routeChoices(http *yaml.Node) []mesh.RouteChoice {
	out := make([]mesh.RouteChoice, len(http.Content))
	for i, r := range http.Content {
		r = resolveAlias(r)
		c := mesh.RouteChoice{Index: i}
		if n := mapGet(r, "name"); n != nil {
			c.Name = n.Value
		}
		if list := resolveAlias(mapGet(r, "route")); list != nil && list.Kind == yaml.SequenceNode {
			c.Destinations = len(list.Content)
			for _, d := range list.Content {
				c.Weighted = c.Weighted || nonZero(mapGet(resolveAlias(d), "weight"))
			}
		}
		out[i] = c
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// nonZero reports whether a weight is written with a value other than 0.
func nonZero(w *yaml.Node) bool {
	w = resolveAlias(w)
	if w == nil || w.Kind != yaml.ScalarNode {
		return w != nil
	}
	switch v, _ := renderedScalar(w); x := v.(type) {
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

func routeLabel(r *yaml.Node, i int) string {
	if n := mapGet(r, "name"); n != nil && n.Value != "" {
		return fmt.Sprintf("%q (index %d)", n.Value, i)
	}
	return fmt.Sprintf("index %d", i)
}

func (r *route) weights() Weights {
	w := make(Weights, len(r.dests))
	for i, d := range r.dests {
		w[i] = Weight{Subset: d.key, Weight: d.value}
	}
	return w
}

// VirtualServiceWeights reads the weights of the route t names.
func (f *File) VirtualServiceWeights(t Target) (Weights, error) {
	vs, err := f.findVirtualService(t)
	if err != nil {
		return nil, err
	}
	r, err := f.findRoute(vs, t)
	if err != nil {
		return nil, err
	}
	return r.weights(), nil
}
