package clitest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile is a file or object name from issue 15: a newline that prints a
// fake result line of gitshift's own, then an escape sequence that turns
// the terminal red, then a bidi override.
const Hostile = "a\n✓ all good\x1b[31m\u202e.yaml"

// HostileShown is Hostile as text output must show it.
const HostileShown = `a\n✓ all good\x1b[31m\u202e.yaml`

// AssertTerminalSafe fails when out, printed on a terminal, could do
// anything but show text: a control character other than newline and tab,
// an escape sequence, a C1 control, a bidi control or invalid UTF-8, or a
// line that a name started ("✓ all good" at the start of a line; error
// messages keep their own line breaks, but indent every line after the
// first).
func AssertTerminalSafe(t testing.TB, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8 in %q", what, out)
	}
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f,
			r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069,
			r == 0x2028 || r == 0x2029:
			t.Errorf("%s: raw %U in output:\n%q", what, r, out)
			return
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "✓ all good") {
			t.Errorf("%s: a name started a line of its own:\n%s", what, out)
			return
		}
	}
}
