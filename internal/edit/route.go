package edit

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
	networking "istio.io/api/networking/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// RouteState is a VirtualService route as a canary step sees it: the
// weighted route's weights and mirror, and gitshift's header route.
type RouteState struct {
	Weights Weights `json:"weights"`
	// Header is gitshift's header route (mesh.HeaderRouteName); nil when
	// the VirtualService has none.
	Header *mesh.HeaderRoute `json:"headerRoute,omitempty"`
	// Mirror is the weighted route's mirror; nil when it mirrors nothing.
	Mirror *mesh.Mirror `json:"mirror,omitempty"`
}

// RouteChange is one edit of a route. A nil field leaves that part as it is.
type RouteChange struct {
	Weights Weights
	Header  *HeaderChange
	Mirror  *MirrorChange
}

// HeaderChange sets gitshift's header route, or removes it when Set is nil.
type HeaderChange struct{ Set *mesh.HeaderRoute }

// MirrorChange sets the weighted route's mirror, or removes it when Set is
// nil. With Only, a removal leaves a mirror to another subset alone (the
// rollout removes only the mirror it added; a person's stays).
type MirrorChange struct {
	Set  *mesh.Mirror
	Only string
}

// headerNodes are the nodes of gitshift's header route that an edit rewrites.
type headerNodes struct {
	item                      *yaml.Node // the http route mapping
	index                     int        // its position in spec.http
	name, kind, value, subset *yaml.Node
	route                     mesh.HeaderRoute
}

// mirrorNodes are the weighted route's mirror entries.
type mirrorNodes struct {
	key, node   *yaml.Node // `mirror:` and its mapping
	pctKey, pct *yaml.Node // `mirrorPercentage:` and its mapping (nil when absent)
	value       *yaml.Node // mirrorPercentage.value
	subset      *yaml.Node
	mirror      mesh.Mirror
}

// RouteState reads the route t names as a canary step sees it.
func (f *File) RouteState(t Target) (RouteState, error) {
	_, r, err := f.find(t)
	if err != nil {
		return RouteState{}, err
	}
	return f.routeState(r, t)
}

func (f *File) find(t Target) (*yaml.Node, *route, error) {
	vs, err := f.findVirtualService(t)
	if err != nil {
		return nil, nil, err
	}
	r, err := f.findRoute(vs, t)
	return vs, r, err
}

func (f *File) routeState(r *route, t Target) (RouteState, error) {
	st := RouteState{Weights: r.weights()}
	h, err := f.headerRoute(r, t)
	if err != nil {
		return st, err
	}
	if h != nil {
		st.Header = &h.route
	}
	m, err := f.mirror(r)
	if err != nil {
		return st, err
	}
	if m != nil {
		st.Mirror = &m.mirror
	}
	return st, nil
}

// headerRoute finds gitshift's header route in spec.http (nil when absent)
// and checks it has the shape gitshift writes.
func (f *File) headerRoute(r *route, t Target) (*headerNodes, error) {
	var found *headerNodes
	for i, item := range r.http.Content {
		if n := mapGet(item, "name"); n == nil || n.Value != mesh.HeaderRouteName {
			continue
		}
		if found != nil {
			return nil, f.errorf(item, "VirtualService %s has two http routes named %s", t, mesh.HeaderRouteName)
		}
		h := &headerNodes{item: item, index: i}
		var hr networking.HTTPRoute
		if err := decodeInto(item, &hr); err != nil {
			return nil, f.errorf(item, "http route %s: %v", mesh.HeaderRouteName, err)
		}
		var err error
		if h.route, err = mesh.HeaderRouteOf(&hr); err != nil {
			return nil, f.errorf(item, "%v", err)
		}
		headers := mapGet(seqItem(mapGet(item, "match"), 0), "headers")
		if headers == nil || headers.Kind != yaml.MappingNode || len(headers.Content) != 2 {
			return nil, f.errorf(item, "http route %s: cannot locate its header match", mesh.HeaderRouteName)
		}
		if sm := headers.Content[1]; sm.Kind == yaml.MappingNode && len(sm.Content) == 2 {
			h.kind, h.value = sm.Content[0], sm.Content[1]
		}
		h.name = headers.Content[0]
		h.subset = mapGet(mapGet(seqItem(mapGet(item, "route"), 0), "destination"), "subset")
		if h.kind == nil || h.value == nil || h.subset == nil || h.value.Kind != yaml.ScalarNode || h.subset.Kind != yaml.ScalarNode {
			return nil, f.errorf(item, "http route %s: cannot locate its header match or destination subset in the file", mesh.HeaderRouteName)
		}
		found = h
	}
	return found, nil
}

// mirror reads the weighted route's mirror entries (nil when none).
func (f *File) mirror(r *route) (*mirrorNodes, error) {
	var hr networking.HTTPRoute
	if err := decodeInto(r.node, &hr); err != nil {
		return nil, f.errorf(r.node, "http route %s: %v", r.label, err)
	}
	m, err := mesh.MirrorOf(&hr)
	if err != nil || m == nil {
		if err != nil {
			return nil, f.errorf(r.node, "%v", err)
		}
		return nil, nil
	}
	if mapGet(r.node, "mirror_percent") != nil || mapGet(r.node, "mirrorPercent") != nil {
		return nil, f.errorf(r.node, "http route %s uses the deprecated mirrorPercent; gitshift writes mirrorPercentage: change it by hand", r.label)
	}
	mn := &mirrorNodes{mirror: *m}
	for i := 0; i+1 < len(r.node.Content); i += 2 {
		switch r.node.Content[i].Value {
		case "mirror":
			mn.key, mn.node = r.node.Content[i], r.node.Content[i+1]
		case "mirrorPercentage", "mirror_percentage":
			mn.pctKey, mn.pct = r.node.Content[i], r.node.Content[i+1]
		}
	}
	mn.subset = mapGet(mn.node, "subset")
	mn.value = mapGet(mn.pct, "value")
	if mn.node == nil || mn.node.Kind != yaml.MappingNode || mn.pct != nil && (mn.value == nil || mn.value.Kind != yaml.ScalarNode) {
		return nil, f.errorf(r.node, "http route %s: cannot locate its mirror in the file", r.label)
	}
	return mn, nil
}

// decodeInto converts a YAML node to an Istio message through JSON, the way
// mesh parses rendered objects.
func decodeInto(n *yaml.Node, into any) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("not representable as JSON: %w", err)
	}
	return json.Unmarshal(b, into)
}

func seqItem(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// Equal compares two states: weights as sets (a missing subset is 0), the
// header routes and the mirrors.
func (s RouteState) Equal(o RouteState) bool {
	return s.Weights.Equal(o.Weights) && mesh.SameHeaderRoute(s.Header, o.Header) && mesh.SameMirror(s.Mirror, o.Mirror)
}

// String renders the state for messages: "v1=100,v3=0 header x-canary
// exact "1" -> v3 mirror v3=20".
func (s RouteState) String() string {
	out := s.Weights.String()
	if s.Header != nil {
		out += " header " + s.Header.String()
	}
	if s.Mirror != nil {
		out += " mirror " + s.Mirror.String()
	}
	return out
}

// Apply returns s with c applied, as the edit should leave it.
func (s RouteState) Apply(c RouteChange) RouteState {
	out := s
	if c.Weights != nil {
		out.Weights = c.Weights
	}
	if c.Header != nil {
		out.Header = c.Header.Set
	}
	if c.Mirror != nil {
		switch {
		case c.Mirror.Set != nil:
			m := *c.Mirror.Set
			out.Mirror = &m
		case s.Mirror != nil && c.Mirror.Only != "" && s.Mirror.Subset != c.Mirror.Only:
		default:
			out.Mirror = nil
		}
	}
	return out
}
