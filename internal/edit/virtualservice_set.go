package edit

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// WeightEdit is the outcome of SetVirtualServiceWeights.
type WeightEdit struct {
	Old, New Weights
	Data     []byte   // the new file content (== Src when nothing changed)
	Changes  []Change // empty when the weights already match
}

// SetVirtualServiceWeights sets the weights of the route t names to want.
//
// Destinations named in want get their weight; a destination that exists but
// is not named is kept at weight 0 rather than removed: that routes the same,
// keeps the diff to one scalar and makes a later shift back a one-line change
// too. A subset that is not yet a destination is added as a copy of the last
// destination (same host, port and layout) with only subset and weight
// changed. A destination without a weight gets a `weight:` key.
func (f *File) SetVirtualServiceWeights(t Target, want Weights) (*WeightEdit, error) {
	if err := want.Validate(); err != nil {
		return nil, &Error{File: f.Name, Msg: err.Error()}
	}
	vs, err := f.findVirtualService(t)
	if err != nil {
		return nil, err
	}
	r, err := f.findRoute(vs, t)
	if err != nil {
		return nil, err
	}
	e := &Edits{File: f}
	if err := f.setWeights(e, r, want, t); err != nil {
		return nil, err
	}
	out := &WeightEdit{Old: r.weights(), Changes: e.Changes}
	if out.Data, err = e.Apply(); err != nil {
		return nil, err
	}
	// Re-read what we wrote: the edit must parse and say exactly what was asked.
	nf, err := Parse(f.Name, out.Data)
	if err != nil {
		return nil, fmt.Errorf("internal error: the edited file does not parse: %w", err)
	}
	if out.New, err = nf.VirtualServiceWeights(t); err != nil {
		return nil, fmt.Errorf("internal error: re-reading the edited file: %w", err)
	}
	if !out.New.Equal(want) {
		return nil, fmt.Errorf("internal error: edited weights are %s, want %s", out.New, want)
	}
	return out, nil
}

// setWeights adds the splices that give r's destinations the weights want.
func (f *File) setWeights(e *Edits, r *route, want Weights, t Target) error {
	var missing Weights
	for _, w := range want {
		if !r.has(w.Subset) {
			missing = append(missing, w)
		}
	}
	final := len(r.dests) + len(missing)
	for _, d := range r.dests {
		nw, _ := want.Get(d.key)
		if err := f.setDestWeight(e, d, nw, final); err != nil {
			return err
		}
	}
	for _, w := range missing {
		if err := f.addDestination(e, r, w, t); err != nil {
			return err
		}
	}
	return nil
}

func (r *route) has(key string) bool {
	for _, d := range r.dests {
		if d.key == key {
			return true
		}
	}
	return false
}

// setDestWeight changes one destination's weight scalar, or adds the key
// when it is absent and its implied value would be wrong.
func (f *File) setDestWeight(e *Edits, d destination, nw, final int) error {
	text := strconv.Itoa(nw)
	if d.weight == nil {
		if nw == impliedWeight(final) {
			return nil
		}
		if err := f.shared(d.item, "destination "+d.key); err != nil {
			return err
		}
		s, err := f.keyInsertion(d.item, "weight", text)
		if err != nil {
			return err
		}
		e.add(s.Start, s.End, s.Text)
		e.Changes = append(e.Changes, Change{Line: d.item.Line, What: "weight of " + d.key, New: text})
		return nil
	}
	if d.value == nw {
		return nil
	}
	if err := f.shared(d.weight, "weight of "+d.key); err != nil {
		return err
	}
	sp, err := f.scalarSpan(d.weight)
	if err != nil {
		return err
	}
	e.replace(sp, quoteLike(d.weight, text))
	e.Changes = append(e.Changes, Change{Line: d.weight.Line, What: "weight of " + d.key, Old: d.weight.Value, New: text})
	return nil
}

// addDestination appends a copy of the route's last destination for subset.
func (f *File) addDestination(e *Edits, r *route, w Weight, t Target) error {
	tmpl := r.dests[len(r.dests)-1]
	if tmpl.subset == nil {
		return f.errorf(tmpl.item, "route %s of %s has no destination %q and routes by host, not subset: add it by hand", r.label, t, w.Subset)
	}
	if err := f.shared(r.list, "route list of http route "+r.label); err != nil {
		return err
	}
	text := strconv.Itoa(w.Weight)
	subst := map[*yaml.Node]string{tmpl.subset: stringLike(tmpl.subset, w.Subset)}
	var extra []Splice
	if tmpl.weight != nil {
		subst[tmpl.weight] = quoteLike(tmpl.weight, text)
	} else {
		s, err := f.keyInsertion(tmpl.item, "weight", text)
		if err != nil {
			return err
		}
		extra = append(extra, s)
	}
	s, err := f.cloneItem(r.list, tmpl.item, subst, extra)
	if err != nil {
		return err
	}
	e.add(s.Start, s.End, s.Text)
	e.Changes = append(e.Changes, Change{Line: tmpl.item.Line, What: "new destination " + w.Subset, New: "weight " + text})
	return nil
}
