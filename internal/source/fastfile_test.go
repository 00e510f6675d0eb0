package source

import (
	"reflect"
	"testing"
)

var fastFileSeeds = []string{
	obj("A", "a") + "---\n" + obj("B", "b"),
	obj("A", "a") + "---\n" + obj("B", "b") + "---\n",
	"---\n" + obj("A", "a") + "--- # c\n" + obj("B", "b"),
	"# head\n" + obj("A", "a") + "---\n# only a comment\n---\n" + obj("B", "b"),
	obj("A", "a") + "---\nnull\n---\n" + obj("B", "b"),
	"kind: A\nx: &a {b: 1}\n---\nkind: B\ny: *a\n",
	"kind: A\nx: yes\n---\nkind: B\non: 1\n",
	"kind: A\nx: |\n  ---\n  y\n---\nkind: B\n",
	"kind: A\n---\nkind: B\n...\n",
	"%YAML 1.1\n---\nkind: A\n---\nkind: B\n",
	"kind: A\r\n---\r\nkind: B\r\n",
	"kind: A\n---\n{kind: B, x: [1, 2]}\n",
	"kind: A\n---\n- kind: B\n",
	"kind: A\n---\nkind: B\nkind: C\n",
	"kind: A\n---\n  kind: B\n ---\n",
	"kind: A\n---\nmetadata: {name: x}\n",
}

// TestFastFileMatchesChunks: whenever the whole-file decode vouches for
// its result, it is the chunk-by-chunk result (which the differential
// tests hold equal to apimachinery's).
func TestFastFileMatchesChunks(t *testing.T) {
	for _, s := range fastFileSeeds {
		checkFastFile(t, []byte(s))
	}
}

func FuzzFastFileMatchesChunks(f *testing.F) {
	for _, s := range fastFileSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastFile(t, data)
	})
}

func checkFastFile(t *testing.T, data []byte) {
	t.Helper()
	chunks := yamlChunks(data)
	fast, ok := fastFile(data, chunks)
	if !ok {
		return
	}
	slow, err := splitChunks(chunks)
	if err != nil {
		t.Fatalf("%q: whole-file decode vouched for %d documents, chunk by chunk fails: %v", data, len(fast), err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nwhole file: %#v\nby chunk:   %#v", data, fast, slow)
	}
}

// TestFastFileIsTaken: the common multi-document file takes the fast path.
func TestFastFileIsTaken(t *testing.T) {
	data := []byte(obj("A", "a") + "---\n" + obj("B", "b") + "---\n")
	if docs, ok := fastFile(data, yamlChunks(data)); !ok || len(docs) != 2 {
		t.Fatalf("fastFile = %d docs, %v", len(docs), ok)
	}
}
