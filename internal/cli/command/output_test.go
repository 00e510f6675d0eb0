package command

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestWriteDataEscapes: JSON and YAML encoders escape C0 controls, but
// leave bidi and C1 controls raw; WriteData escapes those too, and the data
// reads back exactly (issue 15 finding 12).
func TestWriteDataEscapes(t *testing.T) {
	v := map[string]any{
		"file":                "a\n✓ all good\x1b[31m\u202e.yaml",
		"name\u2066key\u2069": []any{"csi\u009b31m", "sep\u2028", "plain ünïcödé ✓", "tab\tend"},
		"n":                   int64(3),
	}
	for _, f := range []Format{JSON, YAML} {
		var b bytes.Buffer
		if err := WriteData(&b, f, v); err != nil {
			t.Fatal(err)
		}
		for _, r := range b.String() {
			if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e || r == 0x2066 || r == 0x2069 || r == 0x2028) {
				t.Errorf("%s: raw %U in\n%s", f, r, b.String())
				break
			}
		}
		var back map[string]any
		var err error
		if f == JSON {
			err = json.Unmarshal(b.Bytes(), &back)
		} else {
			err = yaml.Unmarshal(b.Bytes(), &back)
		}
		if n, ok := back["n"].(float64); ok {
			back["n"] = int64(n)
		}
		if err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("%s: read back %#v (%v), want %#v\n%s", f, back, err, v, b.String())
		}
	}
	// Clean data keeps the encoder's exact output.
	clean := map[string]any{"a": []any{"x", "ü"}}
	var b bytes.Buffer
	if err := WriteData(&b, YAML, clean); err != nil {
		t.Fatal(err)
	}
	if want, _ := yaml.Marshal(clean); b.String() != string(want) {
		t.Errorf("clean YAML changed: %q, want %q", b.String(), want)
	}
}
