package source

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/benchtest/meshrepo"
)

// quickSeeds are chunks at the edges of what quickDecode takes.
var quickSeeds = []struct {
	chunk string
	ok    bool // quickDecode must take it (the shapes manifests use)
}{
	{"apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: apps}\nspec:\n  selector: {app: a}\n  ports: [{name: http, port: 8080}]\n", true},
	{"# c\napiVersion: apps/v1 # trailing\nkind: Deployment\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: a\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n        image: \"example/app:1\"\n        args: ['--x=1', \"y z\"]\n        env:\n        -\n          name: A\n          value: '1'\n        - name: B\n      - name: side\n", true},
	{"---\nkind: K\nm:\n- a\n- b: 1\n  c: [1, -2, x y, 'q', {d: e}]\n-\n- - nested\n", false},
	{"kind: K\nempty:\nnl: ~\nt: True\nf: FALSE\nby: yes\noct: 012\ne: 1e3\ns: 500m\nd: 2001-12-14\nneg: -1\n", true},
	{"kind: K\nm: {}\ns: []\nq: \"\"\nsq: ''\n", true},
	{"kind: K\na: b\n  c\n", false},          // a multi-line plain scalar
	{"kind: K\na: |\n  x\n", false},          // a block scalar
	{"kind: K\na: &x 1\nb: *x\n", false},     // anchors and aliases
	{"kind: K\na: !!str 1\n", false},         // a tag
	{"kind: K\na: \"x\\ty\"\n", false},       // an escape
	{"kind: K\na: 'it''s'\n", false},         // an escaped quote
	{"kind: K\na: {b: 1,\n  c: 2}\n", false}, // a multi-line flow mapping
	{"kind: K\na: 1\na: 2\n", false},         // a duplicate key
	{"kind: K\non: 1\n", false},              // a YAML 1.1 boolean key
	{"kind: K\na: b: c\n", false},
	{"kind: K\na: café\n", false},
	{"kind: K\n  a: 1\n", false},
	{"kind: K\na:\n    b: 1\n  c: 2\n", false},
	{"kind: K\na: [b, c]x\n", false},
	{"kind: K\na: [b: c]\n", false},
	{"kind: K\na: {b: c,}\n", false},
	{"kind: K\na: x #c\nb: 'y' # c\n", true},
	{"kind: K\na: x#c\n", true},
	{"kind: K\nitems:\n- kind: A\n- kind: B\n", true},
	{"- a\n", false},
	{"plain\n", false},
	{"# only a comment\n\n", true},
	{"kind: 1\n", false},
	{"apiVersion: [v1]\nkind: K\n", false},
	{"a: 1\n", false}, // no kind: the exact path's error
}

// TestQuickDecodeMatchesExact: whatever quickDecode takes, it decodes as
// Argo CD's decoder (sigs.k8s.io/yaml into Unstructured) does; and it
// takes the ordinary shapes of manifests.
func TestQuickDecodeMatchesExact(t *testing.T) {
	for _, s := range quickSeeds {
		got, ok := checkQuick(t, []byte(s.chunk))
		if s.ok && !ok {
			t.Errorf("%q: not taken", s.chunk)
		}
		_ = got
	}
	for i := 0; i < 20; i++ {
		_, content := meshrepo.Manifest(i)
		chunks := yamlChunks([]byte(content))
		if _, ok := quickFile(chunks); !ok {
			t.Errorf("benchmark manifest %d not taken", i)
		}
	}
	for _, s := range scalars11 {
		for _, doc := range []string{
			"kind: K\nv: " + s + "\n",
			"kind: K\nm:\n  " + s + ": v\n",
			"kind: K\nl: [" + s + "]\n",
			"kind: K\nf: {k: " + s + "}\n",
			"kind: K\ns:\n- " + s + "\n",
		} {
			checkQuick(t, []byte(doc))
		}
	}
}

// checkQuick compares quickDecode with the exact path on one chunk.
func checkQuick(t *testing.T, chunk []byte) (map[string]any, bool) {
	t.Helper()
	got, ok := quickDecode(chunk)
	if !ok {
		return nil, false
	}
	u := &unstructured.Unstructured{}
	if err := sigsyaml.Unmarshal(chunk, &u); err != nil {
		t.Fatalf("%q: quickDecode took it, Argo CD's decoder fails: %v", chunk, err)
	}
	var want map[string]any
	if u != nil {
		want = u.Object
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", chunk, got, want)
	}
	return got, true
}

// FuzzQuickMatchesExact holds quickDecode to Argo CD's decoder.
func FuzzQuickMatchesExact(f *testing.F) {
	for _, s := range quickSeeds {
		f.Add([]byte(s.chunk))
	}
	for _, s := range scalars11 {
		f.Add([]byte("kind: K\nm: {a: [" + s + "]}\nn:\n- " + s + ": " + s + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range yamlChunks(data) { // what quickFile hands it
			if c.sepErr == "" {
				checkQuick(t, c.text)
			}
		}
	})
}

// TestCommonValuesArePlainStrings: the shared words decode to themselves.
func TestCommonValuesArePlainStrings(t *testing.T) {
	for k, v := range commonValues {
		if got, ok := plainValue(k); !ok || got != k || v != k {
			t.Errorf("%q decodes to %#v", k, got)
		}
	}
	for k := range commonKeys {
		if !plainStringIn11(k) || strings.ContainsAny(k, " :") {
			t.Errorf("key %q is not a plain string", k)
		}
	}
}
