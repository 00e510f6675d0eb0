package source

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// splitSeeds are YAML streams at the edges of Argo CD's splitter.
var splitSeeds = []string{
	obj("A", "a") + "---\n" + obj("B", "b"),
	"# c\n--- # first\n" + obj("A", "a") + "---\n---\n\n" + obj("B", "b") + "...\n",
	obj("A", "a") + "...\n" + obj("B", "b"),
	obj("A", "a") + "--- !!map\n" + obj("B", "b"),
	obj("A", "a") + "----\n" + obj("B", "b"),
	"apiVersion: v1\r\nkind: A\r\nmetadata: {name: a}\r\ndata:\r\n  k: |\r\n    x\r\n---\r\n" + obj("B", "b"),
	obj("A", "a") + "  annotations: {x: yes, y: on, n: off, d: 2001-12-14, f: 1.0, o: 0o17, e: 1e3}\n",
	obj("A", "a") + "metadata: {name: b}\n",
	"kind: A\n\tbad: tab\n",
	"---\nnull\n---\n~\n---\n" + obj("A", "a"),
	"replicas: 3\n",
	obj("A", "a") + "---\nfoo: bar\n",
	"[1, 2]\n",
	"a: &x {b: 1}\nc: *x\n<<: *x\nkind: K\n",
	"1: 2\ntrue: false\nkind: A\n",
	"kind: A\nitems: null\n",
	"%YAML 1.1\n---\n" + obj("A", "a"),
	"kind: A\nx: |\n  ---\n  y\n",
}

// TestSplitYAMLMatchesAPIMachinery compares splitYAML with the decoder Argo
// CD uses (apimachinery's YAMLOrJSONDecoder into Unstructured) on YAML
// streams: the same objects, and an error at the same point.
func TestSplitYAMLMatchesAPIMachinery(t *testing.T) {
	for _, s := range splitSeeds {
		checkSplit(t, []byte(s))
	}
}

func FuzzSplitYAMLMatchesAPIMachinery(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	for _, s := range scalars11 {
		f.Add([]byte("kind: K\nm: {" + s + ": [" + s + "]}\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplit(t, data)
	})
}

func checkSplit(t *testing.T, data []byte) {
	t.Helper()
	data = decodeBOM(data)
	if hasJSONPrefix(data) {
		return // newer apimachinery retries JSON streams as YAML; Argo CD 2.14's does not
	}
	var want []map[string]any
	var wantErr error
	d := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), jsonSniffLen)
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u); err != nil {
			if !errors.Is(err, io.EOF) {
				wantErr = err
			}
			break
		}
		if u != nil {
			want = append(want, u.Object)
		}
	}
	docs, err := splitYAML(data)
	var got []map[string]any
	for _, d := range docs {
		got = append(got, d.obj)
	}
	if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %v, err %v\nwant %v, err %v", data, got, err, want, wantErr)
	}
}

// TestSplitYAMLDocIndex: provenance keeps yaml.v3's document numbering,
// which the byte-preserving editor uses to find a document again.
func TestSplitYAMLDocIndex(t *testing.T) {
	for _, s := range splitSeeds {
		docs, err := splitYAML([]byte(s))
		if err != nil {
			continue
		}
		byLine := map[int]int{} // first content line -> yaml.v3 doc index
		dec := yaml.NewDecoder(bytes.NewReader([]byte(s)))
		ok := true
		for i := 0; ; i++ {
			var n yaml.Node
			if err := dec.Decode(&n); err != nil {
				ok = errors.Is(err, io.EOF)
				break
			}
			if len(n.Content) > 0 {
				byLine[n.Content[0].Line] = i
			}
		}
		if !ok {
			continue
		}
		for _, d := range docs {
			if i, found := byLine[d.line]; !found || i != d.doc {
				t.Errorf("%q: doc at line %d has index %d, yaml.v3 says %d (found %v)", s, d.line, d.doc, i, found)
			}
		}
	}
}

// scalars11 are plain scalars where YAML 1.1 (Argo CD's go-yaml v2) and
// YAML 1.2 (yaml.v3, gitshift's fast path) may disagree.
var scalars11 = []string{
	"yes", "Yes", "YES", "no", "on", "On", "OFF", "off", "y", "Y", "n", "N", "true", "False", "TRUE",
	"~", "null", "Null", "NULL", "''", `""`, "'yes'", `"on"`,
	"0", "-1", "+1", "42", "010", "0o17", "0x1F", "0b101", "-0b11", "1_000", "9223372036854775807", "99999999999999999999",
	"1.5", "1.", ".5", "1e3", "-1.5e-3", ".inf", "-.Inf", "+.INF", ".nan", "NaN", "Inf",
	"2001-12-14", "2001-12-14T21:59:43.10-05:00", "12:30", "190:20:30",
	"500m", "128Mi", "10.0.0.1", "1.21", "v1", "-foo", ".foo", "+foo", "foo bar", "<<", "=", "a: b",
}

// TestFastDecodeMatchesArgoCD puts each scalar in a value, a key and a list
// and compares with apimachinery's decoder (checkSplit).
func TestFastDecodeMatchesArgoCD(t *testing.T) {
	for _, s := range scalars11 {
		for _, doc := range []string{
			"kind: K\nv: " + s + "\n",
			"kind: K\nm:\n  " + s + ": v\n",
			"kind: K\nl: [" + s + "]\n",
			"kind: K\nl:\n- " + s + "\n",
		} {
			checkSplit(t, []byte(doc))
		}
	}
}

// TestFastDecodeTakesManifests: ordinary manifests take the fast path (the
// exact one costs about three parses), so the differential tests above
// exercise it.
func TestFastDecodeTakesManifests(t *testing.T) {
	files, _ := filepath.Glob("../../examples/bookinfo-gitops/*/*.yaml")
	if len(files) < 3 {
		t.Fatalf("examples not found: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range yamlChunks(data) {
			if _, ok := fastDecode(c.text); !ok {
				t.Errorf("%s:%d: not decoded by the fast path", f, c.firstLine)
			}
		}
	}
}
