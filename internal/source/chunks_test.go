package source

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestYAMLChunksMatchReader: each chunk's text is byte for byte what
// apimachinery's YAMLReader returns, whether yamlChunks slices the input
// (no carriage return) or rebuilds the lines (CRLF), with and without a
// final newline.
func TestYAMLChunksMatchReader(t *testing.T) {
	seeds := append([]string{
		"kind: A",
		"kind: A\n---\nkind: B",
		"kind: A\r\n---\r\nkind: B",
		"kind: A\r\nx: 1\n---\nkind: B\r",
		"---",
		"---\n",
		"\n\n",
		"a\n---\n---\nb\n--- # c\nc",
	}, append(splitSeeds, fastFileSeeds...)...)
	for _, s := range seeds {
		var want [][]byte
		r := kubeyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader([]byte(s))))
		for {
			b, err := r.Read()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					want = append(want, nil) // the chunk holding sepErr
				}
				break
			}
			want = append(want, append([]byte(nil), b...))
		}
		got := yamlChunks([]byte(s))
		if len(got) != len(want) {
			t.Errorf("%q: %d chunks, YAMLReader gives %d", s, len(got), len(want))
			continue
		}
		for i, c := range got {
			if c.sepErr == "" && !bytes.Equal(c.text, want[i]) {
				t.Errorf("%q chunk %d: %q, YAMLReader gives %q", s, i, c.text, want[i])
			}
		}
	}
}
