package edit

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A small tree for text gitshift inserts (a header route, a mirror), written
// in the style of the place it goes: block YAML with the file's
// indentation, flow YAML, or JSON, on one line or pretty-printed.
type (
	tmap []tkv
	tkv  struct {
		k string
		v any
	}
	tlist []any
	// tstr is a string: plain when that reads back as the same string,
	// else double-quoted (JSON string syntax, which YAML reads too).
	tstr string
	// tnum is written as is (a number).
	tnum string
)

// layout is how text is written where it goes.
type layout struct {
	flow bool // flow collections ({...}, [...])
	json bool // quote keys and strings (a JSON file stays JSON)
	// Block: spaces per nested mapping, and the column of a list's dash
	// relative to its key (0: "indentless" lists, as kubectl writes them).
	indent, seqIn int
	// Flow: pretty-print over lines with this unit ("": one line).
	pretty string
	eol    string
}

func (l layout) scalar(v any) string {
	switch x := v.(type) {
	case tnum:
		return string(x)
	case tstr:
		if !l.json && plainSafe(string(x)) {
			return string(x)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(string(x))
		return strings.TrimSuffix(b.String(), "\n")
	}
	return ""
}

func (l layout) key(k string) string { return l.scalar(tstr(k)) }

// flowText writes v on one line.
func (l layout) flowText(v any) string {
	switch x := v.(type) {
	case tmap:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = l.key(e.k) + ": " + l.flowText(e.v)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case tlist:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = l.flowText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return l.scalar(v)
}

// prettyText writes v over lines, nested levels indented by l.pretty more
// than indent (the indentation of the line v starts on). The first line
// has no indentation of its own.
func (l layout) prettyText(v any, indent string) string {
	inner := indent + l.pretty
	switch x := v.(type) {
	case tmap:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inner + l.key(e.k) + ": " + l.prettyText(e.v, inner)
		}
		return "{" + l.eol + strings.Join(parts, ","+l.eol) + l.eol + indent + "}"
	case tlist:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inner + l.prettyText(e, inner)
		}
		return "[" + l.eol + strings.Join(parts, ","+l.eol) + l.eol + indent + "]"
	}
	return l.scalar(v)
}

// value writes a flow value in the layout's flow form.
func (l layout) value(v any, indent string) string {
	if l.pretty != "" {
		return l.prettyText(v, indent)
	}
	return l.flowText(v)
}

// blockMap returns the lines of a block mapping whose keys are at col.
func (l layout) blockMap(m tmap, col int) []string {
	pad := strings.Repeat(" ", col)
	var out []string
	for _, e := range m {
		switch x := e.v.(type) {
		case tmap:
			out = append(out, pad+l.key(e.k)+":")
			out = append(out, l.blockMap(x, col+l.indent)...)
		case tlist:
			out = append(out, pad+l.key(e.k)+":")
			out = append(out, l.blockList(x, col+l.seqIn)...)
		default:
			out = append(out, pad+l.key(e.k)+": "+l.scalar(e.v))
		}
	}
	return out
}

// blockList returns the lines of a block list whose dashes are at col.
func (l layout) blockList(list tlist, col int) []string {
	pad := strings.Repeat(" ", col)
	var out []string
	for _, it := range list {
		m, ok := it.(tmap)
		if !ok {
			out = append(out, pad+"- "+l.flowText(it))
			continue
		}
		lines := l.blockMap(m, col+2)
		lines[0] = pad + "- " + strings.TrimLeft(lines[0], " ")
		out = append(out, lines...)
	}
	return out
}

// blockLayout learns a block collection's indentation from n (a mapping in
// the file): the step between a key and its nested mapping's keys, and
// where a list's dashes sit relative to its key. Defaults: 2 and 0.
func (f *File) blockLayout(n *yaml.Node) layout {
	l := layout{indent: 2, seqIn: -1, eol: f.eol}
	found := false
	walk(n, func(m *yaml.Node) {
		if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			switch {
			case v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && !found && v.Line > k.Line:
				l.indent, found = v.Column-k.Column, true
			case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && l.seqIn < 0 && v.Line > k.Line:
				l.seqIn = v.Column - k.Column
			}
		}
	})
	if l.indent <= 0 {
		l.indent = 2
	}
	if l.seqIn < 0 {
		l.seqIn = 0
	}
	return l
}

// flowLayout is the layout of a flow collection n: JSON when its keys are
// double-quoted (or, empty, in a .json file), pretty when it spans lines
// with its entries on lines of their own.
func (f *File) flowLayout(n *yaml.Node) layout {
	l := layout{flow: true, eol: f.eol}
	switch {
	case n.Kind == yaml.MappingNode && len(n.Content) > 0:
		l.json = n.Content[0].Style&yaml.DoubleQuotedStyle != 0
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.MappingNode && len(n.Content[0].Content) > 0:
		l.json = n.Content[0].Content[0].Style&yaml.DoubleQuotedStyle != 0
	default:
		l.json = strings.EqualFold(path.Ext(f.Name), ".json")
	}
	if len(n.Content) > 0 && n.Content[0].Line != n.Line {
		open, err1 := f.nodeStart(n)
		first, err2 := f.nodeStart(n.Content[0])
		if err1 == nil && err2 == nil {
			outer, inner := f.indentOf(open), string(f.Src[f.lineBegin(first):first])
			if strings.Trim(inner, " \t") == "" && len(inner) > len(outer) && strings.HasPrefix(inner, outer) {
				l.pretty = inner[len(outer):]
			}
		}
	}
	return l
}

// indentOf returns the leading blanks of the line holding off.
func (f *File) indentOf(off int) string {
	b := f.lineBegin(off)
	e := b
	for e < len(f.Src) && (f.Src[e] == ' ' || f.Src[e] == '\t') {
		e++
	}
	return string(f.Src[b:e])
}
