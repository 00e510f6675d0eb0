package source

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickDecodeOnRepositoryManifests runs quickDecode on every YAML
// document of this repository (test fixtures, the chart, the lab's
// manifests), or under $GITSHIFT_QUICK_ROOT (e.g. the Go module cache,
// which holds Kubernetes', Istio's and Argo CD's): whatever it takes must
// decode as Argo CD's decoder does.
func TestQuickDecodeOnRepositoryManifests(t *testing.T) {
	root, err := filepath.Abs("../..")
	if r := os.Getenv("GITSHIFT_QUICK_ROOT"); r != "" {
		root = r
	}
	if err != nil {
		t.Fatal(err)
	}
	taken, chunks := 0, 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: not this test's business
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 1<<20 {
			return nil
		}
		for _, c := range yamlChunks(decodeBOM(data)) {
			if c.sepErr != "" {
				continue
			}
			chunks++
			if _, ok := checkQuick(t, c.text); ok {
				taken++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quickDecode took %d of %d documents", taken, chunks)
}
