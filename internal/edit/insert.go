package edit

import (
	"bytes"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// mapGet returns the value node of key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// hasMerge reports whether m uses merge keys (<<), whose values the byte
// editor cannot follow.
func hasMerge(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "<<" && m.Content[i].Style == 0 {
			return true
		}
	}
	return false
}

// lookup walks path from document doc's root; numeric elements index sequences.
func (f *File) lookup(doc int, path []string) (*yaml.Node, error) {
	if doc < 0 || doc >= len(f.Docs) {
		return nil, &Error{File: f.Name, Msg: "document " + strconv.Itoa(doc) + " does not exist"}
	}
	n := f.Docs[doc].Content[0]
	for i, p := range path {
		if n.Kind == yaml.AliasNode {
			return nil, f.errorf(n, "%s is an alias; edit its anchor by hand", strings.Join(path[:i], "."))
		}
		switch n.Kind {
		case yaml.MappingNode:
			if hasMerge(n) {
				return nil, f.errorf(n, "%s uses a merge key (<<); cannot edit it in place", strings.Join(path[:i], "."))
			}
			v := mapGet(n, p)
			if v == nil {
				return nil, f.errorf(n, "key %q not found (looking for %s)", p, strings.Join(path, "."))
			}
			n = v
		case yaml.SequenceNode:
			k, err := strconv.Atoi(p)
			if err != nil || k < 0 || k >= len(n.Content) {
				return nil, f.errorf(n, "no item %q in the list (looking for %s)", p, strings.Join(path, "."))
			}
			n = n.Content[k]
		default:
			return nil, f.errorf(n, "%s is a scalar, not a map or list (looking for %s)", strings.Join(path[:i], "."), strings.Join(path, "."))
		}
	}
	return n, nil
}

// entryEnd is the offset after the text of mapping m's last entry.
func (f *File) entryEnd(m *yaml.Node) (int, error) {
	k, v := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	if v.Kind == yaml.ScalarNode && v.Value == "" && v.Style == 0 {
		return f.nodeEnd(k) // "key:" with an empty value
	}
	return f.nodeEnd(v)
}

// keyInsertion returns the splice that appends "key: value" to mapping m, in
// m's own style: a new line at m's indentation for block mappings, ", key:
// value" before the closing brace for flow mappings.
//
// Keys are double-quoted like the mapping's first key, so a JSON file stays
// JSON; an empty flow mapping in a .json file is JSON too.
func (f *File) keyInsertion(m *yaml.Node, key, value string) (Splice, error) {
	if m.Style&yaml.FlowStyle != 0 {
		if len(m.Content) > 0 && m.Content[0].Style&yaml.DoubleQuotedStyle != 0 ||
			len(m.Content) == 0 && strings.EqualFold(path.Ext(f.Name), ".json") {
			key = strconv.Quote(key)
		}
		if len(m.Content) == 0 {
			off, err := f.nodeStart(m)
			if err != nil {
				return Splice{}, err
			}
			off = f.skipProperties(off)
			return Splice{Start: off + 1, End: off + 1, Text: key + ": " + value}, nil
		}
		end, err := f.entryEnd(m)
		if err != nil {
			return Splice{}, err
		}
		// A flow mapping written one entry per line (pretty-printed JSON)
		// gets the new entry on a line of its own, indented like the last.
		last := m.Content[len(m.Content)-2]
		if last.Line != m.Line {
			if ks, err := f.nodeStart(last); err == nil {
				if indent := string(f.Src[f.lineBegin(ks):ks]); strings.Trim(indent, " \t") == "" {
					return Splice{Start: end, End: end, Text: "," + f.eol + indent + key + ": " + value}, nil
				}
			}
		}
		return Splice{Start: end, End: end, Text: ", " + key + ": " + value}, nil
	}
	if len(m.Content) == 0 {
		return Splice{}, f.errorf(m, "cannot add %q to an empty mapping", key)
	}
	end, err := f.entryEnd(m)
	if err != nil {
		return Splice{}, err
	}
	at := f.lineEnd(end)
	indent := strings.Repeat(" ", m.Content[0].Column-1)
	return Splice{Start: at, End: at, Text: f.eol + indent + key + ": " + value}, nil
}

// cloneItem returns the splice that appends to sequence seq a copy of its
// item tmpl, with the scalars in subst replaced, comments dropped (they
// describe the original, not the copy), and the extra splices (relative to
// the original text, e.g. a key insertion into tmpl) applied. Copying a
// neighbour keeps the file's own indentation, quoting and key order.
func (f *File) cloneItem(seq, tmpl *yaml.Node, subst map[*yaml.Node]string, extra []Splice) (Splice, error) {
	if hasAnchorOrAlias(tmpl) {
		return Splice{}, f.errorf(tmpl, "cannot copy a list item that uses anchors or aliases; add it by hand")
	}
	last := seq.Content[len(seq.Content)-1]
	lastEnd, err := f.nodeEnd(last)
	if err != nil {
		return Splice{}, err
	}
	tmplStart, err := f.nodeStart(tmpl)
	if err != nil {
		return Splice{}, err
	}
	tmplEnd, err := f.nodeEnd(tmpl)
	if err != nil {
		return Splice{}, err
	}
	var quoted []span
	var splices []Splice
	var walkErr error
	walk(tmpl, func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode || walkErr != nil {
			return
		}
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			walkErr = f.errorf(n, "cannot copy a list item holding a block scalar; add it by hand")
			return
		}
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 || subst[n] != "" {
			s, err := f.scalarSpan(n)
			if err != nil {
				walkErr = err
				return
			}
			quoted = append(quoted, s)
			if v, ok := subst[n]; ok {
				splices = append(splices, Splice{Start: s.Start, End: s.End, Text: v})
			}
		}
	})
	if walkErr != nil {
		return Splice{}, walkErr
	}
	if seq.Style&yaml.FlowStyle != 0 {
		// An item that starts its own line (pretty-printed JSON, one item
		// per line) is copied onto new lines after the last item, indented
		// like the original; the copy's other lines keep their own
		// indentation, which is already right. Items sharing a line are
		// copied onto that line.
		indent := string(f.Src[f.lineBegin(tmplStart):tmplStart])
		ownLine := tmpl.Line != seq.Line && strings.Trim(indent, " \t") == ""
		if !ownLine {
			if strings.ContainsAny(string(f.Src[tmplStart:tmplEnd]), "\r\n") {
				return Splice{}, f.errorf(tmpl, "cannot copy a multi-line item of a flow list that shares its first line with other text; add it by hand")
			}
			text, err := relApply(f.Src, tmplStart, tmplEnd, append(splices, extra...))
			if err != nil {
				return Splice{}, err
			}
			return Splice{Start: lastEnd, End: lastEnd, Text: ", " + text}, nil
		}
		for _, c := range f.commentSpans(tmplStart, tmplEnd, quoted) {
			splices = append(splices, Splice{Start: c.Start, End: c.End})
		}
		text, err := relApply(f.Src, tmplStart, tmplEnd, append(splices, extra...))
		if err != nil {
			return Splice{}, err
		}
		copied := indent + strings.Join(nonBlankLines(text), f.eol)
		// The copy goes on the line after the last item, so a comment
		// after that item stays with it; a trailing comma is kept as the
		// list's style.
		rest := f.Src[lastEnd:f.lineEnd(lastEnd)]
		after := bytes.TrimLeft(rest, " \t")
		comma := len(after) > 0 && after[0] == ','
		if comma {
			after = bytes.TrimLeft(after[1:], " \t")
		}
		if len(after) > 0 && after[0] != '#' {
			// Something else follows on the line (e.g. the closing "]").
			return Splice{Start: lastEnd, End: lastEnd, Text: "," + f.eol + copied}, nil
		}
		if comma {
			return Splice{Start: lastEnd, End: lastEnd + len(rest), Text: string(rest) + f.eol + copied + ","}, nil
		}
		return Splice{Start: lastEnd, End: lastEnd + len(rest), Text: "," + string(rest) + f.eol + copied}, nil
	}
	// Block list: copy whole lines, from the line of the item's dash.
	dash := tmplStart - 1
	for dash >= 0 && (f.Src[dash] == ' ' || f.Src[dash] == '\t' || breakLen(f.Src, dash) > 0) {
		dash--
	}
	from := f.lineBegin(max(dash, 0))
	if dash < 0 || f.Src[dash] != '-' || strings.TrimLeft(string(f.Src[from:dash]), " ") != "" {
		return Splice{}, f.errorf(tmpl, "cannot find the list item's dash; add the item by hand")
	}
	to := f.lineEnd(tmplEnd)
	for _, c := range f.commentSpans(from, to, quoted) {
		splices = append(splices, Splice{Start: c.Start, End: c.End})
	}
	text, err := relApply(f.Src, from, to, append(splices, extra...))
	if err != nil {
		return Splice{}, err
	}
	at := f.lineEnd(lastEnd)
	return Splice{Start: at, End: at, Text: f.eol + strings.Join(nonBlankLines(text), f.eol)}, nil
}

// nonBlankLines splits text into lines, dropping those left blank (full-line
// comments removed, blank lines), so a copy can be joined with the file's
// own line breaks.
func nonBlankLines(text string) []string {
	var lines []string
	for _, l := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// relApply applies splices that fall inside src[from:to] to that range.
func relApply(src []byte, from, to int, splices []Splice) (string, error) {
	rel := make([]Splice, 0, len(splices))
	for i, s := range splices {
		if s.Start < from || s.End > to {
			continue
		}
		rel = append(rel, Splice{Start: s.Start - from, End: s.End - from, Text: s.Text, seq: i})
	}
	b, err := applySplices(src[from:to], rel)
	return string(b), err
}

func walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		walk(c, fn)
	}
}

func hasAnchorOrAlias(n *yaml.Node) bool {
	found := false
	walk(n, func(c *yaml.Node) {
		if c.Anchor != "" || c.Kind == yaml.AliasNode {
			found = true
		}
	})
	return found
}

// plainSafe reports whether v written plain reads back as the string v, so
// copies of string fields (subset names, parameter names) keep their type.
// It must read back the same in block and in flow context (where ",", "[",
// "]", "{" and "}" end a scalar).
func plainSafe(v string) bool {
	for _, doc := range []string{v, "[" + v + "]"} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil || len(n.Content) != 1 {
			return false
		}
		c := n.Content[0]
		if c.Kind == yaml.SequenceNode && doc != v {
			if len(c.Content) != 1 {
				return false
			}
			c = c.Content[0]
		}
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" || c.Value != v || c.Style != 0 {
			return false
		}
	}
	return true
}

// stringLike renders string v in n's quoting style, quoting a plain value
// that would otherwise read as a number or boolean.
func stringLike(n *yaml.Node, v string) string {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && !plainSafe(v) {
		return strconv.Quote(v)
	}
	return quoteLike(n, v)
}
