package mesh

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/source"
)

// objects decodes a multi-document YAML string into source objects.
func objects(t *testing.T, file, text string) []source.Object {
	t.Helper()
	var out []source.Object
	dec := yamlv3.NewDecoder(bytes.NewBufferString(text))
	for doc := 0; ; doc++ {
		var n yamlv3.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		b, err := yamlv3.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s doc %d: %v", file, doc, err)
		}
		if m == nil {
			continue
		}
		out = append(out, source.Object{
			Unstructured: &unstructured.Unstructured{Object: m},
			Source:       source.Provenance{File: file, Doc: doc, Line: n.Content[0].Line, Item: -1},
		})
	}
	return out
}

func fileObjects(t *testing.T, paths ...string) []source.Object {
	t.Helper()
	var out []source.Object
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, objects(t, p, string(b))...)
	}
	return out
}

func bookinfo(t *testing.T) *Model {
	t.Helper()
	const dir = "../../examples/bookinfo-gitops/"
	return Build(fileObjects(t, dir+"base/bookinfo.yaml", dir+"base/destination-rule.yaml",
		dir+"base/gateway.yaml", dir+"canary/reviews-traffic-90-10.yaml"), "bookinfo")
}
