package shift

import (
	"errors"
	"fmt"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/mesh"
)

// routing reports whether the request changes or expects gitshift's header
// route or the route's mirror; a weights-only shift reads neither (a route
// with a mirrors list still shifts).
func (r *Request) routing() bool {
	return r.Header != nil || r.Mirror != nil || r.ExpectRouting != nil
}

// change is the edit the request asks for, with want as the weights.
func (r *Request) change(want edit.Weights) edit.RouteChange {
	return edit.RouteChange{Weights: want, Header: r.Header, Mirror: r.Mirror}
}

// renderedState reads the route from the rendered object as a step sees it
// (weights, and with routing gitshift's header route and the mirror), with
// the same route selection and naming rules as the editor.
func renderedState(f *found, route string, routing bool) (edit.RouteState, error) {
	b, err := sigsyaml.Marshal(f.obj.Object)
	if err != nil {
		return edit.RouteState{}, err
	}
	file, err := edit.Parse(f.obj.Source.String(), b)
	if err != nil {
		return edit.RouteState{}, err
	}
	t := edit.Target{Doc: 0, Item: -1, Name: f.obj.GetName(), Route: route}
	var st edit.RouteState
	if routing {
		st, err = file.RouteState(t)
	} else {
		st.Weights, err = file.VirtualServiceWeights(t)
	}
	if err != nil {
		var ee *edit.Error
		if errors.As(err, &ee) {
			ee.Line = 0 // lines of the re-encoded object mean nothing to the user
			return edit.RouteState{}, &InputError{Err: fmt.Errorf("VirtualService %s (rendered from %s): %s", f.obj.GetName(), f.obj.Source, ee.Msg), Field: routeField(err)}
		}
		return edit.RouteState{}, err
	}
	return st, nil
}

// routingOf is a state's header route and mirror.
func routingOf(s edit.RouteState) mesh.CanaryRouting {
	return mesh.CanaryRouting{Header: s.Header, Mirror: s.Mirror}
}

// sameExpected compares Git's routing with what the caller expects: the
// header route, and the mirror when either targets the subset the caller's
// mirror change is about (a person's mirror elsewhere is not the caller's).
func sameExpected(got, want mesh.CanaryRouting, only string) bool {
	own := func(m *mesh.Mirror) *mesh.Mirror {
		if m == nil || (only != "" && m.Subset != only) {
			return nil
		}
		return m
	}
	return mesh.SameHeaderRoute(got.Header, want.Header) && mesh.SameMirror(own(got.Mirror), own(want.Mirror))
}

// describeRouting is a routing for commit subjects and conflicts.
func describeRouting(r mesh.CanaryRouting) string {
	s := ""
	if r.Header != nil {
		s += " header " + r.Header.String()
	}
	if r.Mirror != nil {
		s += " mirror " + r.Mirror.String()
	}
	return s
}

// mirrorOnly is the subset a mirror change is about ("" for any).
func mirrorOnly(c *edit.MirrorChange) string {
	switch {
	case c == nil:
		return ""
	case c.Set != nil:
		return c.Set.Subset
	}
	return c.Only
}

// routingTrailers describe the header route and mirror a shift leaves,
// unless the caller is a rollout (its step trailers say what the step set;
// the rollout reads them back, so a person's mirror must not appear there).
func routingTrailers(r mesh.CanaryRouting, caller []gitrepo.Trailer) []gitrepo.Trailer {
	for _, t := range caller {
		if strings.EqualFold(t.Key, "Gitshift-Rollout") {
			return nil
		}
	}
	var out []gitrepo.Trailer
	if r.Header != nil {
		out = append(out, gitrepo.Trailer{Key: TrailerHeaderRoute, Value: r.Header.String()})
	}
	if r.Mirror != nil {
		out = append(out, gitrepo.Trailer{Key: TrailerMirror, Value: r.Mirror.String()})
	}
	return out
}

// Trailers of a shift that leaves a header route or a mirror (the rollout
// writes the same keys on its steps).
const (
	TrailerHeaderRoute = "Gitshift-Header-Route"
	TrailerMirror      = "Gitshift-Mirror"
)
