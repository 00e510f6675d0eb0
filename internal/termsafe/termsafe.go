// Package termsafe makes untrusted text safe to print on a terminal. File
// names, object names and messages come from repositories other people
// write: a newline in a file name would print a line of gitshift's own
// output ("✓ all good"), an escape sequence would recolour, move the cursor
// or retitle the terminal, a bidi control would reorder what the reader
// sees. termsafe shows each such character as a visible escape (\n, \x1b,
// \u202e) and leaves everything else, normal Unicode included, alone.
//
// Text output prints every value through Sprintf/Fprintf (the format is
// gitshift's own, the arguments are escaped) or Text; messages whose lines
// are structure go through Lines. JSON, YAML and SARIF need none of this:
// their encoders escape control characters themselves.
package termsafe

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text returns s with every control character (newline and tab included),
// invalid UTF-8 byte, bidi control and line separator escaped: one line,
// exactly as it reads.
func Text(s string) string { return escape(s, false) }

// Lines is Text for multi-line messages: newlines and tabs stay; every
// other control character is escaped. Callers indent continuation lines
// so that no line of a message can pass for a line of their own.
func Lines(s string) string { return escape(s, true) }

// Sprintf formats like fmt.Sprintf with every argument shown through Text
// (%q arguments through Go's quoting, which escapes them already). The
// format itself is trusted: its newlines stay.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, wrap(args)...)
}

// Fprintf is Sprintf onto w.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, wrap(args)...)
}

// wrap escapes every argument but numbers and booleans, which print no
// control character and may be a %*d width.
func wrap(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch reflect.ValueOf(a).Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			out[i] = a
		default:
			out[i] = arg{a}
		}
	}
	return out
}

// arg formats its value with the verb, flags, width and precision it is
// given, and escapes the result. Text values are escaped before they are
// padded, so that columns count what the reader sees.
type arg struct{ v any }

func (a arg) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), a.v) // Go's quoting escapes already
		return
	}
	spec := "%"
	if f.Flag('#') {
		spec += "#"
	}
	if p, ok := f.Precision(); ok {
		spec += "." + strconv.Itoa(p)
	}
	s := Text(fmt.Sprintf(spec+string(verb), a.v))
	if w, ok := f.Width(); ok && utf8.RuneCountInString(s) < w {
		pad := strings.Repeat(" ", w-utf8.RuneCountInString(s))
		if f.Flag('-') {
			s += pad
		} else {
			s = pad + s
		}
	}
	io.WriteString(f, s)
}

func escape(s string, keepLines bool) string {
	if clean(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether s needs no escaping (the common case, checked
// without allocating).
func clean(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(keepLines && (c == '\n' || c == '\t')) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) {
			return false
		}
		i += n
	}
	return true
}

// unsafeRune: C1 controls (U+009B is a one-character escape sequence on
// some terminals), bidi controls (they reorder the text shown), and the
// Unicode line and paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// JSON returns an encoded JSON document with the characters encoding/json
// leaves raw but a terminal acts on (C1 controls, bidi controls; it escapes
// the C0 ones and the line separators itself) written as \u escapes, which
// decode to the same text. Outside strings, JSON holds only ASCII.
func JSON(b []byte) []byte {
	if clean(string(b), true) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r >= utf8.RuneSelf && unsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// JSONWriter passes JSON documents written to it through JSON; a rune split
// between two writes is held back until it is whole.
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w: w} }

type jsonWriter struct {
	w    io.Writer
	tail []byte
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	b := append(j.tail, p...)
	cut := len(b)
	// Hold back an incomplete rune at the end (at most 3 bytes).
	for k := 1; k <= 3 && k <= len(b); k++ {
		if c := b[len(b)-k]; c >= 0xc0 {
			if !utf8.FullRune(b[len(b)-k:]) {
				cut = len(b) - k
			}
			break
		}
	}
	j.tail = append([]byte(nil), b[cut:]...)
	if _, err := j.w.Write(JSON(b[:cut])); err != nil {
		return 0, err
	}
	return len(p), nil
}
