package source

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeRepo creates files (path -> content) under a fresh temp dir. A
// content starting with "symlink:" creates a symlink to the rest.
func writeRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(c, "symlink:"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if strings.HasSuffix(p, "/") {
			continue
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func obj(kind, name string) string {
	return "apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n"
}

func render(t testing.TB, root string, app *Application, opts Options) (*Result, error) {
	t.Helper()
	if app == nil {
		app = &Application{Name: "app"}
	}
	src := AppSource{RepoURL: "https://example.com/repo.git"}
	if len(app.Sources) > 0 {
		src = app.Sources[0]
	}
	return Render(context.Background(), root, app, src, opts)
}

func dirApp(path string, d *DirectorySource) *Application {
	return &Application{Name: "app", Destination: Destination{Namespace: "dest"},
		Sources: []AppSource{{RepoURL: "https://example.com/repo.git", Path: path, Directory: d}}}
}

// names lists objects as Kind/name in order.
func names(res *Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}

func ignoredMap(res *Result) map[string]IgnoreReason {
	m := map[string]IgnoreReason{}
	for _, ig := range res.Ignored {
		m[ig.File] = ig.Reason
	}
	return m
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// chartYAML is a minimal chart's Chart.yaml.
const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

// helmApp is an Application with a Helm source at chart/.
func helmApp(h *HelmSource) *Application {
	return &Application{Name: "app", Sources: []AppSource{{RepoURL: "https://example.com/repo.git", Path: "chart", Helm: h}}}
}
