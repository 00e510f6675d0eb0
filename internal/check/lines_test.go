package check

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
)

const linesDoc = `# comment
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Namespace
    metadata:
      name: a
      labels:
        istio.io/rev: canary
---

---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  http:
    - route:
        - destination: {host: r, subset: v1}
          weight: 90
        - destination: {host: r, subset: v3}
`

func TestLocatorLine(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "m.yaml"), []byte(linesDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newLocator(root)
	l.plain["m.yaml"] = true
	list := source.Provenance{File: "m.yaml", Doc: 0, Line: 2, Item: 0}
	vs := source.Provenance{File: "m.yaml", Doc: 2, Line: 14, Item: -1}
	tests := []struct {
		name string
		prov source.Provenance
		path string
		want int
	}{
		{"document start", vs, "", 14},
		{"weight", vs, "spec.http[0].route[0].weight", 21},
		{"missing weight falls back to the destination entry", vs, "spec.http[0].route[1].weight", 22},
		{"missing index falls back to the list key", vs, "spec.http[3].route", 18},
		{"flow mapping key", vs, "metadata.name", 16},
		{"item of a List", list, "metadata.name", 8},
		{"quoted key with dots", list, `metadata.labels."istio.io/rev"`, 10},
		{"unknown file keeps the provenance line", source.Provenance{File: "nope.yaml", Line: 7}, "spec", 7},
		{"non-plain file keeps the provenance line", source.Provenance{File: "tpl.yaml", Line: 3}, "spec", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.line(tt.prov, tt.path); got != tt.want {
				t.Errorf("line = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestSplitPath(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"spec.http[0].route[1].weight", []string{"spec", "http[0]", "route[1]", "weight"}},
		{`metadata.labels."istio.io/rev"`, []string{"metadata", "labels", "istio.io/rev"}},
	}
	for _, tt := range tests {
		if got := splitPath(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitPath(%q) = %q", tt.in, got)
		}
	}
	if name, idx := splitIndexes("a[1][2]"); name != "a" || !reflect.DeepEqual(idx, []int{1, 2}) {
		t.Errorf("splitIndexes = %q %v", name, idx)
	}
}
