package edit

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KeyValue is one value to set: Key is a single key under the mapping being
// edited (for parameters: the full dotted parameter name).
type KeyValue struct {
	Key   string
	Value string
}

// SplitPath splits a dotted key path ("spec.sources.0.helm"). Keys that
// contain dots are not supported.
func SplitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// Value reads the scalar at path in document doc.
func (f *File) Value(doc int, path []string) (string, error) {
	n, err := f.lookup(doc, path)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", f.errorf(n, "%s is not a scalar", strings.Join(path, "."))
	}
	return n.Value, nil
}

// SetMapValues sets keys of the mapping at path in document doc (a Helm
// values file, or an Application's helm.valuesObject). An existing scalar is
// rewritten in its own quoting style; a missing key is appended to the
// mapping in the mapping's style. The mapping itself must exist: gitshift
// does not guess a chart's values layout.
func (f *File) SetMapValues(doc int, path []string, vals []KeyValue) (*Edits, error) {
	m, err := f.lookup(doc, path)
	if err != nil {
		return nil, err
	}
	if m.Kind != yaml.MappingNode {
		return nil, f.errorf(m, "%s is not a mapping", strings.Join(path, "."))
	}
	if hasMerge(m) {
		return nil, f.errorf(m, "%s uses a merge key (<<); cannot edit it in place", strings.Join(path, "."))
	}
	e := &Edits{File: f}
	added := 0
	for _, kv := range vals {
		what := strings.Join(append(append([]string(nil), path...), kv.Key), ".")
		v := mapGet(m, kv.Key)
		if v == nil {
			if err := f.shared(m, strings.Join(path, ".")); err != nil {
				return nil, err
			}
			s, err := f.keyInsertion(m, kv.Key, kv.Value)
			if err != nil {
				return nil, err
			}
			// Every key added to an empty flow mapping lands right after
			// its "{": all but the first need a separator.
			if added > 0 && m.Style&yaml.FlowStyle != 0 && len(m.Content) == 0 {
				s.Text = ", " + s.Text
			}
			added++
			e.add(s.Start, s.End, s.Text)
			e.Changes = append(e.Changes, Change{Line: m.Line, What: what, New: kv.Value})
			continue
		}
		if err := f.setScalar(e, v, what, kv.Value); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// setScalar rewrites scalar n to value in n's quoting style, if it differs.
func (f *File) setScalar(e *Edits, n *yaml.Node, what, value string) error {
	if n.Kind == yaml.AliasNode {
		return f.errorf(n, "%s is an alias; edit its anchor by hand", what)
	}
	if n.Kind != yaml.ScalarNode {
		return f.errorf(n, "%s is not a scalar", what)
	}
	if n.Value == value {
		return nil
	}
	if err := f.shared(n, what); err != nil {
		return err
	}
	s, err := f.scalarSpan(n)
	if err != nil {
		return err
	}
	e.replace(s, quoteLike(n, value))
	e.Changes = append(e.Changes, Change{Line: n.Line, What: what, Old: n.Value, New: value})
	return nil
}

// SetParameters sets Argo CD helm.parameters entries (name/value items of the
// list at path). A missing parameter is appended as a copy of the last entry.
// Values are written as strings, as the Application schema requires.
func (f *File) SetParameters(doc int, path []string, vals []KeyValue) (*Edits, error) {
	seq, err := f.lookup(doc, path)
	if err != nil {
		return nil, err
	}
	if seq.Kind != yaml.SequenceNode || len(seq.Content) == 0 {
		return nil, f.errorf(seq, "%s is not a non-empty list", strings.Join(path, "."))
	}
	e := &Edits{File: f}
	for _, kv := range vals {
		var item *yaml.Node
		for _, it := range seq.Content {
			if n := mapGet(it, "name"); n != nil && n.Value == kv.Key {
				item = it
			}
		}
		what := "helm parameter " + kv.Key
		if item == nil {
			tmpl := seq.Content[len(seq.Content)-1]
			name, value := mapGet(tmpl, "name"), mapGet(tmpl, "value")
			if name == nil || value == nil || name.Kind != yaml.ScalarNode || value.Kind != yaml.ScalarNode {
				return nil, f.errorf(tmpl, "cannot copy parameter entry: it lacks name or value")
			}
			if err := f.shared(seq, strings.Join(path, ".")); err != nil {
				return nil, err
			}
			s, err := f.cloneItem(seq, tmpl, map[*yaml.Node]string{
				name: stringLike(name, kv.Key), value: stringLike(value, kv.Value),
			}, nil)
			if err != nil {
				return nil, err
			}
			e.add(s.Start, s.End, s.Text)
			e.Changes = append(e.Changes, Change{Line: tmpl.Line, What: what, New: kv.Value})
			continue
		}
		v := mapGet(item, "value")
		if v == nil {
			return nil, f.errorf(item, "%s has no value key", what)
		}
		if v.Kind == yaml.ScalarNode && v.Value != kv.Value {
			if err := f.shared(v, what); err != nil {
				return nil, err
			}
			s, err := f.scalarSpan(v)
			if err != nil {
				return nil, err
			}
			e.replace(s, stringLike(v, kv.Value))
			e.Changes = append(e.Changes, Change{Line: v.Line, What: what, Old: v.Value, New: kv.Value})
			continue
		}
		if err := f.setScalar(e, v, what, kv.Value); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// SetBlockValues edits values inside a YAML string held in a literal block
// scalar (an Application's `helm.values: |`): it edits the inner YAML like a
// file, then maps each inner splice back to the outer bytes line by line.
// Only literal blocks (|, |-, |+) whose lines map one-to-one are supported;
// folded or quoted strings are refused.
func (f *File) SetBlockValues(doc int, blockPath, path []string, vals []KeyValue) (*Edits, error) {
	n, err := f.lookup(doc, blockPath)
	if err != nil {
		return nil, err
	}
	where := strings.Join(blockPath, ".")
	if n.Kind != yaml.ScalarNode || n.Style&yaml.LiteralStyle == 0 {
		return nil, f.errorf(n, "%s is not a literal block (|): edit it by hand or move the values to valuesObject", where)
	}
	inner, err := Parse(fmt.Sprintf("%s:%d (%s)", f.Name, n.Line, where), []byte(n.Value))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(n.Value, "\n")
	indent := -1
	for i, l := range lines {
		if l == "" {
			continue
		}
		outer := f.lineText(n.Line + 1 + i)
		if indent < 0 && strings.HasSuffix(outer, l) && strings.TrimLeft(outer[:len(outer)-len(l)], " ") == "" {
			indent = len(outer) - len(l)
		}
		if indent < 0 || len(outer) < indent || outer[indent:] != l {
			return nil, &Error{File: f.Name, Line: n.Line + 1 + i, Msg: where + ": cannot map the block's lines back to the file; edit it by hand"}
		}
	}
	ie, err := inner.SetMapValues(0, path, vals)
	if err != nil {
		return nil, err
	}
	if len(ie.Splices) > 0 {
		if err := f.shared(n, where); err != nil {
			return nil, err
		}
	}
	e := &Edits{File: f}
	pad := strings.Repeat(" ", max(indent, 0))
	for _, s := range ie.Splices {
		start, end := f.blockOffset(inner, n.Line, indent, s.Start), f.blockOffset(inner, n.Line, indent, s.End)
		e.add(start, end, strings.ReplaceAll(s.Text, "\n", f.eol+pad))
	}
	for _, c := range ie.Changes {
		c.Line += n.Line
		c.What = where + ": " + c.What
		e.Changes = append(e.Changes, c)
	}
	return e, nil
}

// blockOffset maps an offset in a block scalar's value to the outer file.
func (f *File) blockOffset(inner *File, header, indent, off int) int {
	line := 0
	for line+1 < len(inner.lineStart) && inner.lineStart[line+1] <= off {
		line++
	}
	return f.lineStart[header+line] + indent + off - inner.lineStart[line]
}

// lineText returns line (1-based) without its line break.
func (f *File) lineText(line int) string {
	if line < 1 || line > len(f.lineStart) {
		return ""
	}
	start := f.lineStart[line-1]
	return string(f.Src[start:f.lineEnd(start)])
}

// Has reports whether path exists in document doc.
func (f *File) Has(doc int, path []string) bool {
	_, err := f.lookup(doc, path)
	return err == nil
}

// Kind returns the YAML kind of the node at path ("" when absent): "map",
// "list" or "scalar", so callers can tell a values mapping from a leaf.
func (f *File) Kind(doc int, path []string) string {
	n, err := f.lookup(doc, path)
	if err != nil {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return ""
}
