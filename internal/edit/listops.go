package edit

import (
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Whole-item and whole-entry insertions and deletions. An insertion adds
// complete lines (block style) or an item with its separator (flow style);
// the matching deletion removes exactly that text again, so inserting and
// then deleting gives back the original bytes.

// itemInsertion returns the splice that inserts tree as a new item of seq
// just before its item before, in the list's style: a block item on lines
// of their own (above any comment lines that sit directly over before), a
// flow item with its separator on before's line, or on lines of its own
// when before starts its own line (pretty-printed JSON).
func (f *File) itemInsertion(seq, before *yaml.Node, tree tmap) (Splice, error) {
	start, err := f.nodeStart(before)
	if err != nil {
		return Splice{}, err
	}
	if seq.Style&yaml.FlowStyle != 0 {
		l := f.flowLayout(before)
		if indent := f.Src[f.lineBegin(start):start]; before.Line != seq.Line && blank(indent) {
			at := f.lineBegin(start)
			return Splice{Start: at, End: at, Text: string(indent) + l.value(tree, string(indent)) + "," + f.eol}, nil
		}
		return Splice{Start: start, End: start, Text: l.flowText(tree) + ", "}, nil
	}
	dash, err := f.itemDash(before, start)
	if err != nil {
		return Splice{}, err
	}
	from := f.lineBegin(dash)
	prefix := string(f.Src[from : dash+1]) // indentation and the dash
	for from > 0 {
		prev := f.lineBegin(from - 1)
		line := string(f.Src[prev:f.lineEnd(prev)])
		trimmed := strings.TrimLeft(line, " ")
		if !strings.HasPrefix(trimmed, "#") || len(line)-len(trimmed) != dash-f.lineBegin(dash) {
			break
		}
		from = prev
	}
	keyCol := before.Column - 1
	var first string
	var lines []string
	if before.Style&yaml.FlowStyle != 0 {
		l := f.flowLayout(before)
		first = l.flowText(tree)
	} else {
		l := f.blockLayout(before)
		lines = l.blockMap(tree, keyCol)
		first, lines = strings.TrimLeft(lines[0], " "), lines[1:]
	}
	gap := keyCol - (dash - f.lineBegin(dash)) - 1
	if gap < 1 {
		gap = 1
	}
	text := prefix + strings.Repeat(" ", gap) + first + f.eol
	for _, l := range lines {
		text += l + f.eol
	}
	return Splice{Start: from, End: from, Text: text}, nil
}

// itemDash returns the offset of the dash of a block list item starting at
// start, refusing items whose dash line holds anything else before it.
func (f *File) itemDash(item *yaml.Node, start int) (int, error) {
	dash := start - 1
	for dash >= 0 && (f.Src[dash] == ' ' || f.Src[dash] == '\t' || breakLen(f.Src, dash) > 0) {
		dash--
	}
	if dash < 0 || f.Src[dash] != '-' || !blank(f.Src[f.lineBegin(dash):dash]) {
		return 0, f.errorf(item, "cannot find the list item's dash on a line of its own; edit the list by hand")
	}
	return dash, nil
}

// deleteItem removes item idx of seq with exactly the text it occupies: its
// lines in a block list, the item and one separator in a flow list.
func (f *File) deleteItem(e *Edits, seq *yaml.Node, idx int) error {
	item := seq.Content[idx]
	start, err := f.nodeStart(item)
	if err != nil {
		return err
	}
	end, err := f.nodeEnd(item)
	if err != nil {
		return err
	}
	if seq.Style&yaml.FlowStyle != 0 {
		return f.deleteFlow(e, idx, idx, start, end, func(i int) (int, error) { return f.nodeStart(seq.Content[i]) },
			func(i int) (int, error) { return f.nodeEnd(seq.Content[i]) }, len(seq.Content))
	}
	dash, err := f.itemDash(item, start)
	if err != nil {
		return err
	}
	f.deleteLines(e, f.lineBegin(dash), end)
	return nil
}

// deleteLines removes the whole lines from the one starting at from to the
// one holding end, with their line break (or, at the end of a file without
// a final line break, the break before them).
func (f *File) deleteLines(e *Edits, from, end int) {
	to := f.lineEnd(end)
	if to < len(f.Src) {
		to += breakLen(f.Src, to)
	} else if from > 0 {
		from--
		if from > 0 && f.Src[from] == '\n' && f.Src[from-1] == '\r' {
			from--
		}
	}
	e.add(from, to, "")
}

// deleteFlow removes elements first..last (spanning start..end) of a flow
// collection of n elements with one separator: up to the next element (its
// whole lines when both start lines of their own), or from the previous
// element when they are the last.
func (f *File) deleteFlow(e *Edits, first, last, start, end int, startOf, endOf func(int) (int, error), n int) error {
	switch {
	case last+1 < n:
		next, err := startOf(last + 1)
		if err != nil {
			return err
		}
		if blank(f.Src[f.lineBegin(start):start]) && f.lineBegin(next) > f.lineEnd(end) && blank(f.Src[f.lineBegin(next):next]) {
			e.add(f.lineBegin(start), f.lineBegin(next), "")
			return nil
		}
		e.add(start, next, "")
	case first > 0:
		prev, err := endOf(first - 1)
		if err != nil {
			return err
		}
		e.add(prev, end, "")
	default:
		e.add(start, end, "")
	}
	return nil
}

// entriesInsertion returns the splice that appends tree's entries to
// mapping m in its style: lines at m's indentation for a block mapping,
// ", key: value" (or lines of their own when m is pretty-printed) for a
// flow one.
func (f *File) entriesInsertion(m *yaml.Node, tree tmap) (Splice, error) {
	end, err := f.entryEnd(m)
	if err != nil {
		return Splice{}, err
	}
	if m.Style&yaml.FlowStyle != 0 {
		l := f.flowLayout(m)
		last := m.Content[len(m.Content)-2]
		ks, err := f.nodeStart(last)
		if err != nil {
			return Splice{}, err
		}
		var b strings.Builder
		indent := f.Src[f.lineBegin(ks):ks]
		own := last.Line != m.Line && blank(indent)
		for _, kv := range tree {
			if own {
				b.WriteString("," + f.eol + string(indent) + l.key(kv.k) + ": " + l.value(kv.v, string(indent)))
			} else {
				b.WriteString(", " + l.key(kv.k) + ": " + l.flowText(kv.v))
			}
		}
		return Splice{Start: end, End: end, Text: b.String()}, nil
	}
	at := f.lineEnd(end)
	lines := f.blockLayout(m).blockMap(tree, m.Content[0].Column-1)
	return Splice{Start: at, End: at, Text: f.eol + strings.Join(lines, f.eol)}, nil
}

// deleteEntries removes the entries of mapping m whose keys are given, runs
// of neighbours together, with exactly the text they occupy.
func (f *File) deleteEntries(e *Edits, m *yaml.Node, keys []*yaml.Node) error {
	var idx []int
	for i := 0; i+1 < len(m.Content); i += 2 {
		for _, k := range keys {
			if m.Content[i] == k {
				idx = append(idx, i/2)
			}
		}
	}
	sort.Ints(idx)
	n := len(m.Content) / 2
	startOf := func(i int) (int, error) { return f.nodeStart(m.Content[2*i]) }
	endOf := func(i int) (int, error) { return f.entryEndAt(m, i) }
	for a := 0; a < len(idx); {
		b := a
		for b+1 < len(idx) && idx[b+1] == idx[b]+1 {
			b++
		}
		first, last := idx[a], idx[b]
		a = b + 1
		start, err := startOf(first)
		if err != nil {
			return err
		}
		end, err := endOf(last)
		if err != nil {
			return err
		}
		if m.Style&yaml.FlowStyle != 0 {
			if err := f.deleteFlow(e, first, last, start, end, startOf, endOf, n); err != nil {
				return err
			}
			continue
		}
		if !blank(f.Src[f.lineBegin(start):start]) {
			return f.errorf(m.Content[2*first], "%s shares its line with other text (a list dash?): edit it by hand", m.Content[2*first].Value)
		}
		f.deleteLines(e, f.lineBegin(start), end)
	}
	return nil
}

// entryEndAt is the offset after the text of entry i of mapping m.
func (f *File) entryEndAt(m *yaml.Node, i int) (int, error) {
	k, v := m.Content[2*i], m.Content[2*i+1]
	if v.Kind == yaml.ScalarNode && v.Value == "" && v.Style == 0 {
		return f.nodeEnd(k)
	}
	return f.nodeEnd(v)
}

func blank(b []byte) bool { return strings.Trim(string(b), " \t") == "" }
