// Package edit makes byte-minimal edits to YAML files: it uses yaml nodes only
// to locate scalars (line and column), then splices bytes into the original
// buffer. Only the bytes of the scalars that change are rewritten; comments,
// quoting, indentation, key order, anchors, line endings and the other
// documents of the file stay byte-identical. Generic YAML encoders cannot do
// this: re-encoding a node tree reflows comments and quoting.
//
// It must never import client-go (see the dependency fence test).
package edit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Error is an input error at a place in a file. Callers show it to users as is.
type Error struct {
	File string
	Line int
	Msg  string
	// Err is the cause callers may test for (e.g. *mesh.RouteSelectionError).
	Err error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorKind: the file's content is invalid input.
func (e *Error) ErrorKind() errkind.Kind { return errkind.Invalid }

// File is a parsed YAML stream plus the original bytes it came from.
type File struct {
	Name string
	Src  []byte
	Docs []*yaml.Node // DocumentNodes, in order
	// lineStart[i] is the byte offset of line i+1.
	lineStart []int
	// eol is the file's line ending, used for inserted lines.
	eol string
}

// Parse parses every document of src. name is used in error messages.
func Parse(name string, src []byte) (*File, error) {
	f := &File{Name: name, Src: src, eol: "\n"}
	if bytes.Contains(src, []byte("\r\n")) {
		f.eol = "\r\n"
	}
	f.indexLines()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("not valid YAML: %v", err)}
		}
		f.Docs = append(f.Docs, &n)
	}
	return f, nil
}

func (f *File) errorf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: f.Name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// indexLines records line starts with the same line-break rules as the YAML
// scanner (CRLF, CR, LF, NEL, LS, PS), so node lines map to byte offsets.
func (f *File) indexLines() {
	src := f.Src
	start := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		start = 3 // the scanner does not count the BOM as a column
	}
	f.lineStart = []int{start}
	for i := start; i < len(src); {
		n := breakLen(src, i)
		if n == 0 {
			i++
			continue
		}
		i += n
		f.lineStart = append(f.lineStart, i)
	}
}

// breakLen returns the length of the line break at src[i], or 0.
func breakLen(src []byte, i int) int {
	switch {
	case src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n':
		return 2
	case src[i] == '\r' || src[i] == '\n':
		return 1
	case src[i] == 0xC2 && i+1 < len(src) && src[i+1] == 0x85:
		return 2
	case src[i] == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9):
		return 3
	}
	return 0
}

// offset maps a node's 1-based line and column (counted in characters) to a
// byte offset in Src.
func (f *File) offset(line, col int) (int, error) {
	if line < 1 || line > len(f.lineStart) {
		return 0, &Error{File: f.Name, Line: line, Msg: "position outside the file"}
	}
	off := f.lineStart[line-1]
	for c := 1; c < col; c++ {
		if off >= len(f.Src) {
			return 0, &Error{File: f.Name, Line: line, Msg: "column outside the line"}
		}
		_, w := utf8.DecodeRune(f.Src[off:])
		off += w
	}
	return off, nil
}

// nodeStart is the byte offset where the node's text (anchor, tag or value) begins.
func (f *File) nodeStart(n *yaml.Node) (int, error) { return f.offset(n.Line, n.Column) }

// lineEnd returns the offset of the line break ending the line that holds
// off (or len(Src)), i.e. after any trailing comment.
func (f *File) lineEnd(off int) int {
	for i := off; i < len(f.Src); i++ {
		if breakLen(f.Src, i) > 0 {
			return i
		}
	}
	return len(f.Src)
}

// lineBegin returns the offset of the start of the line holding off.
func (f *File) lineBegin(off int) int {
	lo, hi := 0, len(f.lineStart)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lineStart[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return f.lineStart[lo]
}
