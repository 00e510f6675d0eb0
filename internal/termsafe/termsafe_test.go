package termsafe

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile is the file name of issue 15: a newline that prints a fake
// result line, then an escape sequence that turns the terminal red.
const hostile = "a\n✓ all good\x1b[31m.yaml"

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"base/vs.yaml", "base/vs.yaml"},
		{"ünïcödé/日本語/✓.yaml", "ünïcödé/日本語/✓.yaml"}, // normal Unicode stays
		{`C:\path\a.yaml`, `C:\path\a.yaml`},
		{hostile, `a\n✓ all good\x1b[31m.yaml`},
		{"a\r\tb\x00c\x7f", `a\r\tb\x00c\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"evil\u202etxt.yaml", `evil\u202etxt.yaml`},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"title\x1b]0;pwned\x07", `title\x1b]0;pwned\x07`},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "first\n\tsecond \x1b[2J\rthird\u202e"
	want := "first\n\tsecond \\x1b[2J\\rthird\\u202e"
	if got := Lines(in); got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func TestSprintf(t *testing.T) {
	var b bytes.Buffer
	Fprintf(&b, "file %s (%v) %q %d %-8s|\n", hostile, errors.New("x\x1by"), "q\nq", 42, "ab\tc")
	want := "file a\\n✓ all good\\x1b[31m.yaml (x\\x1by) \"q\\nq\" 42 ab\\tc   |\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Errorf("an argument added a line: %q", b.String())
	}
}

// FuzzText: whatever the input, the output is valid UTF-8 with no control
// character, escape or bidi control, and clean input comes back unchanged.
func FuzzText(f *testing.F) {
	for _, s := range []string{hostile, "plain", "\u202e\u009b\xff", "ü\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			out := escape(s, keep)
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
			}
			for _, r := range out {
				if (r < 0x20 || r == 0x7f || unsafeRune(r)) && !(keep && (r == '\n' || r == '\t')) {
					t.Fatalf("escape(%q, %v) = %q keeps %U", s, keep, out, r)
				}
			}
			if clean(s, keep) != (out == s) {
				t.Fatalf("clean(%q, %v) = %v but escape changed it to %q", s, keep, clean(s, keep), out)
			}
		}
	})
}

func TestJSON(t *testing.T) {
	in := map[string]string{"file": "a\n\x1b[31m\u202e\u009b.yaml"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := JSONWriter(&buf)
	for i := range b { // one byte at a time: runes split across writes
		if _, err := w.Write(b[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	got := buf.String()
	if got != string(JSON(b)) || strings.ContainsRune(got, 0x202e) || strings.ContainsRune(got, 0x9b) {
		t.Errorf("JSON left a control raw: %q", got)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back["file"] != in["file"] {
		t.Errorf("round trip: %q, %v", back, err)
	}
}

func TestSprintfWidthArgument(t *testing.T) {
	type status int
	got := Sprintf("%-*s|%5d|%v|%.2f|%s", 6, "a\x1b", 42, status(3), 1.5, []string{"x\ny"})
	if want := `a\x1b |   42|3|1.50|[x\ny]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
