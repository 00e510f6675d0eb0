package source

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// laughs is a "billion laughs" manifest: depth levels of anchors, each an
// array of nine aliases of the one before, 9^depth strings in all.
func laughs(depth int) string {
	var b strings.Builder
	b.WriteString(obj("ConfigMap", "lol") + "data:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < depth; i++ {
		p := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "  a%d: &a%d [%s]\n", i, i, strings.Repeat(p+", ", 8)+p)
	}
	return b.String()
}

// TestAliasBombsAreRefused: YAML aliases that expand exponentially are
// refused before they cost memory, whichever path reads the file (kustomize
// expands aliases without a limit of its own).
func TestAliasBombsAreRefused(t *testing.T) {
	bomb := laughs(5) // 59049 strings: ~300 MiB through kustomize
	tests := []struct {
		name  string
		files map[string]string
		app   *Application
		file  string
	}{
		{"directory", map[string]string{"app/a.yaml": bomb}, dirApp("app", nil), "app/a.yaml"},
		{"kustomize-resource", map[string]string{"k/a.yaml": bomb, "k/kustomization.yaml": "resources: [a.yaml]\n"},
			&Application{Name: "app", Sources: []AppSource{{Path: "k"}}}, "k/a.yaml"},
		{"kustomize-patch", map[string]string{"k/a.yaml": obj("ConfigMap", "lol"), "k/p.yaml": bomb, "k/kustomization.yaml": "resources: [a.yaml]\npatches:\n- path: p.yaml\n"},
			&Application{Name: "app", Sources: []AppSource{{Path: "k"}}}, "k/p.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			var err error
			n := allocated(func() { _, err = render(t, root, tt.app, Options{}) })
			var me *ManifestError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.file) || !strings.Contains(err.Error(), "aliasing") {
				t.Fatalf("err = %v, want a *ManifestError naming %s and the aliasing", err, tt.file)
			}
			if n > maxAlloc {
				t.Errorf("refusing it allocated %d MiB", n>>20)
			}
		})
	}
}
