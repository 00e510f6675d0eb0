package edit

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/mesh"
)

// RouteEdit is the outcome of SetRoute.
type RouteEdit struct {
	Old, New RouteState
	Data     []byte   // the new file content (== Src when nothing changed)
	Changes  []Change // empty when the route is already as asked
}

// SetRoute changes the route t names as c says, byte-minimally: weights as
// SetVirtualServiceWeights does; gitshift's header route inserted just
// before the weighted route (in the list's and the route's own style:
// block, flow or JSON), rewritten scalar by scalar, or removed with exactly
// the lines it occupies; the mirror added as `mirror` and
// `mirrorPercentage` entries at the end of the weighted route, its
// percentage rewritten in place, or both entries removed. The result is
// read back and must be exactly the state asked for.
func (f *File) SetRoute(t Target, c RouteChange) (*RouteEdit, error) {
	if c.Weights != nil {
		if err := c.Weights.Validate(); err != nil {
			return nil, &Error{File: f.Name, Msg: err.Error()}
		}
	}
	if c.Header != nil && c.Header.Set != nil {
		if err := c.Header.Set.Validate(); err != nil {
			return nil, &Error{File: f.Name, Msg: err.Error()}
		}
	}
	if c.Mirror != nil && c.Mirror.Set != nil {
		if err := c.Mirror.Set.Validate(); err != nil {
			return nil, &Error{File: f.Name, Msg: err.Error()}
		}
	}
	_, r, err := f.find(t)
	if err != nil {
		return nil, err
	}
	old, err := f.routeState(r, t)
	if err != nil {
		return nil, err
	}
	e := &Edits{File: f}
	if c.Weights != nil {
		if err := f.setWeights(e, r, c.Weights, t); err != nil {
			return nil, err
		}
	}
	if c.Mirror != nil {
		if err := f.setMirror(e, r, *c.Mirror); err != nil {
			return nil, err
		}
	}
	if c.Header != nil {
		if err := f.setHeaderRoute(e, r, c.Header.Set, t); err != nil {
			return nil, err
		}
	}
	out := &RouteEdit{Old: old, Changes: e.Changes}
	if out.Data, err = e.Apply(); err != nil {
		return nil, err
	}
	nf, err := Parse(f.Name, out.Data)
	if err != nil {
		return nil, fmt.Errorf("internal error: the edited file does not parse: %w", err)
	}
	if out.New, err = nf.RouteState(t); err != nil {
		return nil, fmt.Errorf("internal error: re-reading the edited file: %w", err)
	}
	if want := old.Apply(c); !out.New.Equal(want) {
		return nil, fmt.Errorf("internal error: edited route is %s, want %s", out.New, want)
	}
	return out, nil
}

// template is the destination a new header route or mirror copies its
// host and port from: the route's destination for subset, else its last.
func (r *route) template(subset string) destination {
	for _, d := range r.dests {
		if d.key == subset {
			return d
		}
	}
	return r.dests[len(r.dests)-1]
}

// destTree is a destination for subset with the template's host and port,
// in the template's key order.
func destTree(tmpl destination, subset string) tmap {
	var out tmap
	dm := mapGet(tmpl.item, "destination")
	for i := 0; i+1 < len(dm.Content); i += 2 {
		k, v := dm.Content[i].Value, dm.Content[i+1]
		switch k {
		case "host":
			out = append(out, tkv{"host", tstr(v.Value)})
		case "port":
			if n := mapGet(v, "number"); n != nil && n.Kind == yaml.ScalarNode {
				out = append(out, tkv{"port", tmap{{"number", tnum(n.Value)}}})
			}
		case "subset":
			out = append(out, tkv{"subset", tstr(subset)})
		}
	}
	return out
}

// setHeaderRoute inserts, rewrites or removes gitshift's header route.
func (f *File) setHeaderRoute(e *Edits, r *route, want *mesh.HeaderRoute, t Target) error {
	cur, err := f.headerRoute(r, t)
	if err != nil {
		return err
	}
	switch {
	case want == nil && cur == nil:
		return nil
	case want == nil:
		if err := f.shared(r.http, "the http route list"); err != nil {
			return err
		}
		if err := f.deleteItem(e, r.http, cur.index); err != nil {
			return err
		}
		e.Changes = append(e.Changes, Change{Line: cur.item.Line, What: "header route " + mesh.HeaderRouteName, Old: cur.route.String(), New: "(removed)"})
		return nil
	case cur != nil:
		if cur.route == *want {
			return nil
		}
		if err := f.shared(cur.item, "header route "+mesh.HeaderRouteName); err != nil {
			return err
		}
		for _, s := range []struct {
			n    *yaml.Node
			old  string
			want string
		}{{cur.name, cur.route.Header, want.Header}, {cur.kind, cur.route.Match, want.Match}, {cur.value, cur.route.Value, want.Value}, {cur.subset, cur.route.Subset, want.Subset}} {
			if s.old == s.want {
				continue
			}
			sp, err := f.scalarSpan(s.n)
			if err != nil {
				return err
			}
			e.replace(sp, rewriteString(s.n, s.want))
		}
		e.Changes = append(e.Changes, Change{Line: cur.item.Line, What: "header route " + mesh.HeaderRouteName, Old: cur.route.String(), New: want.String()})
		return nil
	}
	tmpl := r.template(want.Subset)
	if tmpl.subset == nil {
		return f.errorf(tmpl.item, "route %s of %s routes by host, not subset: add the header route by hand", r.label, t)
	}
	if err := f.shared(r.http, "the http route list"); err != nil {
		return err
	}
	tree := tmap{
		{"name", tstr(mesh.HeaderRouteName)},
		{"match", tlist{tmap{{"headers", tmap{{want.Header, tmap{{want.Match, tstr(want.Value)}}}}}}}},
		{"route", tlist{tmap{{"destination", destTree(tmpl, want.Subset)}}}},
	}
	s, err := f.itemInsertion(r.http, r.node, tree)
	if err != nil {
		return err
	}
	e.add(s.Start, s.End, s.Text)
	e.Changes = append(e.Changes, Change{Line: r.node.Line, What: "header route " + mesh.HeaderRouteName, New: want.String()})
	return nil
}

// setMirror adds, changes or removes the weighted route's mirror.
func (f *File) setMirror(e *Edits, r *route, c MirrorChange) error {
	cur, err := f.mirror(r)
	if err != nil {
		return err
	}
	want := c.Set
	switch {
	case want == nil && (cur == nil || c.Only != "" && cur.mirror.Subset != c.Only):
		return nil
	case want == nil:
		if err := f.shared(r.node, "http route "+r.label); err != nil {
			return err
		}
		keys := []*yaml.Node{cur.key}
		if cur.pctKey != nil {
			keys = append(keys, cur.pctKey)
		}
		if err := f.deleteEntries(e, r.node, keys); err != nil {
			return err
		}
		e.Changes = append(e.Changes, Change{Line: cur.key.Line, What: "mirror of route " + r.label, Old: cur.mirror.String(), New: "(removed)"})
		return nil
	case cur != nil:
		if cur.mirror.Subset != want.Subset || cur.subset == nil {
			return f.errorf(cur.key, "route %s already mirrors to %s %s: gitshift changes only the percentage of a mirror to the same subset; remove that mirror first", r.label, cur.mirror.Host, cur.mirror.Subset)
		}
		if cur.mirror.Percent == want.Percent {
			return nil
		}
		pct := strconv.FormatFloat(want.Percent, 'f', -1, 64)
		if err := f.shared(r.node, "http route "+r.label); err != nil {
			return err
		}
		if cur.value != nil {
			sp, err := f.scalarSpan(cur.value)
			if err != nil {
				return err
			}
			e.replace(sp, quoteLike(cur.value, pct))
		} else {
			s, err := f.entriesInsertion(r.node, tmap{{"mirrorPercentage", tmap{{"value", tnum(pct)}}}})
			if err != nil {
				return err
			}
			e.add(s.Start, s.End, s.Text)
		}
		e.Changes = append(e.Changes, Change{Line: cur.key.Line, What: "mirror of route " + r.label, Old: cur.mirror.String(), New: want.String()})
		return nil
	}
	tmpl := r.template(want.Subset)
	if tmpl.subset == nil {
		return f.errorf(tmpl.item, "route %s routes by host, not subset: add the mirror by hand", r.label)
	}
	if err := f.shared(r.node, "http route "+r.label); err != nil {
		return err
	}
	s, err := f.entriesInsertion(r.node, tmap{
		{"mirror", destTree(tmpl, want.Subset)},
		{"mirrorPercentage", tmap{{"value", tnum(strconv.FormatFloat(want.Percent, 'f', -1, 64))}}},
	})
	if err != nil {
		return err
	}
	e.add(s.Start, s.End, s.Text)
	e.Changes = append(e.Changes, Change{Line: r.node.Line, What: "mirror of route " + r.label, New: want.String()})
	return nil
}

// rewriteString renders string v in n's quoting style, escaping as that
// style needs, and quoting a plain value that would not read back as v.
func rewriteString(n *yaml.Node, v string) string {
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return layout{json: true}.scalar(tstr(v))
	case n.Style&yaml.SingleQuotedStyle != 0:
		out := "'"
		for _, c := range v {
			if c == '\'' {
				out += "'"
			}
			out += string(c)
		}
		return out + "'"
	}
	return layout{}.scalar(tstr(v))
}
