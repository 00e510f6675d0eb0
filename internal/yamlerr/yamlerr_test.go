package yamlerr

import (
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// The cases run through the real decoders, so a go-yaml upgrade that
// changes its numbering fails here rather than in a user's error message.
func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		// The line a person must fix, or where parsing gave up; for an
		// unclosed bracket v2 names where it gave up, v3 the bracket.
		wantV2, wantV3 int
	}{
		{"unclosed flow sequence", "a: 1\nb: [1, 2,\n  3, 4\nc: 3\nd: 4\n", 4, 2},
		{"block sequence out of step", "x: 0\ny: 0\na: 1\nb:\n  - x\n - y\nc: 2\n", 6, 6},
		{"mapping key out of step", "a: 1\nb:\n  c: 1\n d: 2\n", 4, 4},
		{"undefined tag handle", "a: 1\nb: !e!x 2\n", 2, 2},
		{"mapping value in a scalar (scanner)", "a: 1\n  b: 2\n", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			for _, d := range []struct {
				dec  string
				err  error
				want int
			}{
				{"sigs.k8s.io/yaml (go-yaml v2)", sigsyaml.Unmarshal([]byte(tc.doc), &v), tc.wantV2},
				{"go-yaml v3", yamlv3.Unmarshal([]byte(tc.doc), &v), tc.wantV3},
			} {
				dec, err := d.dec, d.err
				if err == nil {
					t.Fatalf("%s: no error for %q", dec, tc.doc)
				}
				got, _, ok := Line(err.Error())
				if !ok || got != d.want {
					t.Errorf("%s: %q -> line %d (ok %v), want %d", dec, err, got, ok, d.want)
				}
			}
		})
	}
}

func TestLineWithoutLine(t *testing.T) {
	if _, msg, ok := Line("yaml: control characters are not allowed"); ok || msg == "" {
		t.Errorf("ok %v msg %q, want no line and the text kept", ok, msg)
	}
}

func TestLineInTypeErrors(t *testing.T) {
	var v struct{ A int }
	err := sigsyaml.Unmarshal([]byte("a: 1\nb: 2\n"), &v) // fine
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		B []int `json:"b" yaml:"b"`
	}
	err = yamlv3.Unmarshal([]byte("a: 1\nb: x\n"), &w)
	if err == nil {
		t.Fatal("no type error")
	}
	if got, msg, ok := Line(err.Error()); !ok || got != 2 || msg == "" {
		t.Errorf("%q -> line %d %q (ok %v), want line 2", err, got, msg, ok)
	}
}
