package helmengine_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

const outsideSecret = "outside-data-must-not-render"

// escapeLayout is a repository at <base>/repo with a chart at chart/, and
// a chart at <base>/outside/dep that holds data the repository must not
// reach.
func escapeLayout(t *testing.T) (base, root string) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "repo")
	write(t, base, map[string]string{
		"outside/dep/Chart.yaml":         "apiVersion: v2\nname: dep\nversion: 0.1.0\n",
		"outside/dep/templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-outside\ndata:\n  x: " + outsideSecret + "\n",
		"outside/secret.txt":             outsideSecret,
		"repo/chart/templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inside\n",
		"repo/libs/dep/Chart.yaml":       "apiVersion: v2\nname: dep\nversion: 0.1.0\n",
		"repo/libs/dep/templates/d.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-libs\n",
	})
	return base, root
}

func write(t *testing.T, root string, files map[string]string) { sourcetest.WriteFiles(t, root, files) }

// tgz packs dir as a chart archive (<name>/... entries).
func tgz(t *testing.T, dir, name, out string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err == nil {
		err = os.WriteFile(out, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func chartYAML(deps string) string {
	s := "apiVersion: v2\nname: chart\nversion: 0.1.0\n"
	if deps != "" {
		s += "dependencies:\n" + deps
	}
	return s
}

func dep(repo string) string {
	return "- name: dep\n  version: 0.1.0\n  repository: " + repo + "\n"
}

func renderChart(t *testing.T, root string) (*source.Result, error) {
	t.Helper()
	app := &source.Application{Name: "app", Destination: source.Destination{Namespace: "dest"}}
	src := source.AppSource{RepoURL: "https://example.com/r.git", Path: "chart"}
	app.Sources = []source.AppSource{src}
	return renderApp(t, root, app, src)
}

// renderApp renders src, failing the test if that blocks.
func renderApp(t *testing.T, root string, app *source.Application, src source.AppSource) (*source.Result, error) {
	t.Helper()
	type out struct {
		res *source.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := source.Render(context.Background(), root, app, src, source.Options{})
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(20 * time.Second):
		t.Fatal("render did not return (blocked on a special file?)")
		return nil, nil
	}
}

// TestHelmReadsNothingOutsideTheRepository: a chart reaches files outside
// the repository neither through a `file://` dependency (refused like an
// out-of-bounds value file: invalid, naming Chart.yaml and the dependency)
// nor through a symlink (Argo CD refuses every out-of-bounds symlink).
func TestHelmReadsNothingOutsideTheRepository(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, base, root string)
		// wantErr: the error says this; wantFile: a *ManifestError names it.
		wantErr, wantFile string
	}{
		{
			name: "file-dependency-relative-escape",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://../../outside/dep"))})
			},
			wantErr: `dependency "dep": repository file://../../outside/dep is outside the repository`, wantFile: "chart/Chart.yaml",
		},
		{
			name: "file-dependency-absolute-outside",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://" + filepath.Join(base, "outside", "dep")))})
			},
			wantErr: `dependency "dep": repository file://` + "", wantFile: "chart/Chart.yaml",
		},
		{
			name: "file-dependency-absolute-into-the-checkout",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://" + filepath.Join(root, "libs", "dep")))})
			},
			wantErr: "absolute", wantFile: "chart/Chart.yaml",
		},
		{
			name: "file-dependency-through-in-repo-symlink-to-outside",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://../link"))})
				symlink(t, filepath.Join(base, "outside", "dep"), filepath.Join(root, "link"))
			},
			wantErr: "out-of-bounds symlinks",
		},
		{
			name: "charts-subdirectory-symlinked-out",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep(""))})
				symlink(t, "../../../outside/dep", filepath.Join(root, "chart", "charts", "dep"))
			},
			wantErr: "out-of-bounds symlinks",
		},
		{
			name: "charts-archive-symlinked-out",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep(""))})
				tgz(t, filepath.Join(base, "outside", "dep"), "dep", filepath.Join(base, "outside", "dep-0.1.0.tgz"))
				symlink(t, filepath.Join(base, "outside", "dep-0.1.0.tgz"), filepath.Join(root, "chart", "charts", "dep-0.1.0.tgz"))
			},
			wantErr: "out-of-bounds symlinks",
		},
		{
			name: "files-get-of-a-symlink-out",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{
					"chart/Chart.yaml":          chartYAML(""),
					"chart/templates/leak.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  x: {{ .Files.Get \"secret.txt\" | quote }}\n",
				})
				symlink(t, "../../outside/secret.txt", filepath.Join(root, "chart", "secret.txt"))
			},
			wantErr: "out-of-bounds symlinks",
		},
		{
			name: "template-symlinked-out",
			setup: func(t *testing.T, base, root string) {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML("")})
				symlink(t, filepath.Join(base, "outside", "dep", "templates", "cm.yaml"), filepath.Join(root, "chart", "templates", "x.yaml"))
			},
			wantErr: "out-of-bounds symlinks",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, root := escapeLayout(t)
			tt.setup(t, base, root)
			res, err := renderChart(t, root)
			if err == nil {
				t.Fatalf("rendered %d objects, want an error %q", len(res.Objects), tt.wantErr)
			}
			if strings.Contains(err.Error(), outsideSecret) {
				t.Errorf("error echoes data from outside the repository: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want containing %q", err, tt.wantErr)
			}
			var me *source.ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("err %T is not a *source.ManifestError (invalid)", err)
			}
			if tt.wantFile != "" && me.File != tt.wantFile {
				t.Errorf("error names %q, want %q", me.File, tt.wantFile)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestHelmFileDependencyInsideRepo: a `file://` dependency elsewhere in the
// repository renders, attributed to where its templates really are, and
// its files count as read.
func TestHelmFileDependencyInsideRepo(t *testing.T) {
	_, root := escapeLayout(t)
	write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://../libs/dep"))})
	res, err := renderChart(t, root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Objects {
		got = append(got, o.GetName()+" "+o.Source.String())
	}
	want := "from-libs libs/dep/templates/d.yaml:1"
	if !strings.Contains(strings.Join(got, ","), want) {
		t.Errorf("objects = %q, want %q", got, want)
	}
	if !strings.Contains(strings.Join(res.ReadFiles, ","), "libs/dep/Chart.yaml") {
		t.Errorf("read files %v lack the dependency's", res.ReadFiles)
	}
}

// TestHelmRemoteDependencyIsNotChecked: a dependency from a chart
// repository that charts/ lacks needs the network (Argo CD runs `helm
// dependency build`): not checked, naming Chart.yaml and the dependency.
func TestHelmRemoteDependencyIsNotChecked(t *testing.T) {
	for _, repo := range []string{"https://charts.example.com", "oci://registry.example.com/charts", "\"@example\"", "alias:example", "http://127.0.0.1:1/charts"} {
		t.Run(repo, func(t *testing.T) {
			_, root := escapeLayout(t)
			write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep(repo))})
			_, err := renderChart(t, root)
			var ue *source.UnsupportedError
			if !errors.As(err, &ue) || ue.File != "chart/Chart.yaml" || !strings.Contains(err.Error(), `dependency "dep"`) {
				t.Fatalf("err = %v, want a *source.UnsupportedError naming chart/Chart.yaml and dependency \"dep\"", err)
			}
		})
	}
}

// TestHelmSpecialAndHugeChartFiles: nothing in a chart blocks the render or
// is loaded over Helm's own per-file limit.
func TestHelmSpecialAndHugeChartFiles(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string)
		wantErr string
	}{
		{"fifo-helmignore", func(t *testing.T, root string) { mkfifo(t, filepath.Join(root, "chart", ".helmignore")) }, ".helmignore: not a regular file"},
		{"fifo-template", func(t *testing.T, root string) { mkfifo(t, filepath.Join(root, "chart", "templates", "p.yaml")) }, "irregular file"},
		{"fifo-file-dependency", func(t *testing.T, root string) {
			write(t, root, map[string]string{"chart/Chart.yaml": chartYAML(dep("file://../dep.tgz"))})
			mkfifo(t, filepath.Join(root, "dep.tgz"))
		}, "not a regular file"},
		{"huge-template", func(t *testing.T, root string) {
			p := filepath.Join(root, "chart", "templates", "big.yaml")
			write(t, root, map[string]string{"chart/templates/big.yaml": "kind: A\n"})
			if err := os.Truncate(p, 256<<20); err != nil {
				t.Fatal(err)
			}
		}, "larger than the maximum file size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, root := escapeLayout(t)
			if _, err := os.Stat(filepath.Join(root, "chart", "Chart.yaml")); err != nil {
				write(t, root, map[string]string{"chart/Chart.yaml": chartYAML("")})
			}
			tt.setup(t, root)
			_, err := renderChart(t, root)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func mkfifo(t *testing.T, p string) { sourcetest.Mkfifo(t, p) }
