package edit

import (
	"bytes"

	"go.yaml.in/yaml/v3"
)

// span is the byte range [Start, End) of a scalar's text in Src, quotes
// included, anchor and tag excluded.
type span struct{ Start, End int }

// scalarSpan locates a single-line scalar's bytes. It refuses what it cannot
// locate exactly (block scalars, multi-line flow scalars) rather than guess:
// a wrong guess would corrupt the file.
func (f *File) scalarSpan(n *yaml.Node) (span, error) {
	if n.Kind != yaml.ScalarNode {
		return span{}, f.errorf(n, "expected a scalar value")
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return span{}, f.errorf(n, "cannot edit a block scalar (| or >) in place")
	}
	off, err := f.nodeStart(n)
	if err != nil {
		return span{}, err
	}
	off = f.skipProperties(off)
	src := f.Src
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if off >= len(src) || src[off] != '"' {
			return span{}, f.errorf(n, "cannot locate the double-quoted scalar %q", n.Value)
		}
		for i := off + 1; i < len(src); i++ {
			switch {
			case src[i] == '\\':
				i++
			case src[i] == '"':
				return span{off, i + 1}, nil
			case breakLen(src, i) > 0:
				return span{}, f.errorf(n, "cannot edit a multi-line quoted scalar in place")
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if off >= len(src) || src[off] != '\'' {
			return span{}, f.errorf(n, "cannot locate the single-quoted scalar %q", n.Value)
		}
		for i := off + 1; i < len(src); i++ {
			switch {
			case src[i] == '\'' && i+1 < len(src) && src[i+1] == '\'':
				i++
			case src[i] == '\'':
				return span{off, i + 1}, nil
			case breakLen(src, i) > 0:
				return span{}, f.errorf(n, "cannot edit a multi-line quoted scalar in place")
			}
		}
	default:
		end := off + len(n.Value)
		if n.Value == "" || end > len(src) || !bytes.Equal(src[off:end], []byte(n.Value)) || !plainEnds(src, end) {
			return span{}, f.errorf(n, "cannot locate the scalar %q in place (multi-line or unusual form)", n.Value)
		}
		return span{off, end}, nil
	}
	return span{}, f.errorf(n, "unterminated quoted scalar")
}

// plainEnds reports whether a plain scalar may end at src[i].
func plainEnds(src []byte, i int) bool {
	if i >= len(src) {
		return true
	}
	switch src[i] {
	case ' ', '\t', ',', ']', '}', '#':
		return true
	case ':': // a mapping key: the indicator needs a blank or an end after it
		return i+1 == len(src) || plainEnds(src, i+1) && src[i+1] != '#'
	}
	return breakLen(src, i) > 0
}

// skipProperties skips an anchor (&a) and a tag (!t), in either order, and
// the blanks after them: node positions start at the properties.
func (f *File) skipProperties(off int) int {
	src := f.Src
	for k := 0; k < 2 && off < len(src) && (src[off] == '&' || src[off] == '!'); k++ {
		for off < len(src) && src[off] != ' ' && src[off] != '\t' && breakLen(src, off) == 0 {
			off++
		}
		for off < len(src) && (src[off] == ' ' || src[off] == '\t') {
			off++
		}
	}
	return off
}

// flowEnd returns the offset just after the flow collection ({...} or [...])
// that starts at off, skipping quoted strings and comments.
func (f *File) flowEnd(n *yaml.Node, off int) (int, error) {
	src := f.Src
	depth := 0
	// A quote opens a quoted scalar only where a scalar starts (after an
	// indicator); inside a plain scalar (a"b) it is an ordinary character.
	prev := byte('[')
	for i := off; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case c == '"' && scalarStart(prev):
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '\'' && scalarStart(prev):
			for i++; i < len(src); i++ {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || breakLen(src, i-1) > 0):
			i = f.lineEnd(i) - 1
		}
		if i < len(src) && c != ' ' && c != '\t' && breakLen(src, i) == 0 {
			prev = c
		}
	}
	return 0, f.errorf(n, "unterminated flow collection")
}

// scalarStart reports whether a scalar may start after the non-blank
// character prev in a flow collection.
func scalarStart(prev byte) bool {
	switch prev {
	case '{', '[', ',', ':', '?', '-', '!', '&':
		return true
	}
	return false
}

// nodeEnd returns the offset just after the last byte of n's text.
func (f *File) nodeEnd(n *yaml.Node) (int, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" && n.Style == 0 {
			return 0, f.errorf(n, "cannot place an edit after an empty value")
		}
		s, err := f.scalarSpan(n)
		return s.End, err
	case yaml.AliasNode:
		off, err := f.nodeStart(n)
		if err != nil {
			return 0, err
		}
		for off < len(f.Src) && !plainEnds(f.Src, off) {
			off++
		}
		return off, nil
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			off, err := f.nodeStart(n)
			if err != nil {
				return 0, err
			}
			return f.flowEnd(n, f.skipProperties(off))
		}
		if len(n.Content) == 0 {
			return 0, f.errorf(n, "empty block collection")
		}
		return f.nodeEnd(n.Content[len(n.Content)-1])
	}
	return 0, f.errorf(n, "unexpected node kind")
}

// quoteLike renders v in the quoting style of n, so an edit keeps the style.
func quoteLike(n *yaml.Node, v string) string {
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return `"` + v + `"`
	case n.Style&yaml.SingleQuotedStyle != 0:
		return "'" + v + "'"
	}
	return v
}
