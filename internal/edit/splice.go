package edit

import (
	"fmt"
	"sort"
	"strings"
)

// Change is one edit as users see it: a scalar that changed or a line that
// was inserted.
type Change struct {
	Line int    `json:"line"`
	What string `json:"what"`          // e.g. "weight of reviews/v3"
	Old  string `json:"old,omitempty"` // "" for an insertion
	New  string `json:"new"`
}

// Splice replaces Src[Start:End] with Text (Start == End inserts). Splices
// with the same Start apply in the order they were added.
type Splice struct {
	Start, End int
	Text       string
	seq        int
}

// Edits collects the splices for one file; Apply makes the new bytes.
type Edits struct {
	File    *File
	Splices []Splice
	Changes []Change
}

func (e *Edits) replace(s span, text string) {
	e.add(s.Start, s.End, text)
}

func (e *Edits) add(start, end int, text string) {
	e.Splices = append(e.Splices, Splice{Start: start, End: end, Text: text, seq: len(e.Splices)})
}

// Apply returns the file's bytes with every splice applied.
func (e *Edits) Apply() ([]byte, error) { return applySplices(e.File.Src, e.Splices) }

func applySplices(src []byte, splices []Splice) ([]byte, error) {
	ss := append([]Splice(nil), splices...)
	sort.SliceStable(ss, func(i, j int) bool {
		if ss[i].Start != ss[j].Start {
			return ss[i].Start < ss[j].Start
		}
		return ss[i].seq < ss[j].seq
	})
	var b strings.Builder
	pos := 0
	for _, s := range ss {
		if s.Start < pos || s.End < s.Start || s.End > len(src) {
			return nil, fmt.Errorf("internal error: overlapping edits at byte %d", s.Start)
		}
		b.Write(src[pos:s.Start])
		b.WriteString(s.Text)
		pos = s.End
	}
	b.Write(src[pos:])
	return []byte(b.String()), nil
}

// commentSpans returns the comment ranges in src[from:to] (each from '#' to
// the end of its line), skipping quoted scalars listed in quoted. Plain
// scalars cannot contain " #", so only quoted ones need skipping.
func (f *File) commentSpans(from, to int, quoted []span) []span {
	var out []span
	src := f.Src
	for i := from; i < to; i++ {
		for _, q := range quoted {
			if i >= q.Start && i < q.End {
				i = q.End
				break
			}
		}
		if i >= to {
			break
		}
		if src[i] != '#' || (i > 0 && src[i-1] != ' ' && src[i-1] != '\t' && breakLen(src, i-1) == 0) {
			continue
		}
		end := f.lineEnd(i)
		start := i
		for start > from && (src[start-1] == ' ' || src[start-1] == '\t') {
			start--
		}
		out = append(out, span{start, end})
		i = end
	}
	return out
}

// Append adds o's splices and changes (edits of the same file, made by
// separate calls) to e. Their ranges must not overlap; Apply checks.
func (e *Edits) Append(o *Edits) {
	for _, s := range o.Splices {
		e.add(s.Start, s.End, s.Text)
	}
	e.Changes = append(e.Changes, o.Changes...)
}
