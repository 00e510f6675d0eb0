package source

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// nopHelm is a Helm engine that renders nothing: the tests here are about
// what source reads before the chart is rendered.
type nopHelm struct{}

func (nopHelm) RenderChart(context.Context, ChartRequest) (*RenderedChart, error) {
	return &RenderedChart{}, nil
}

// mkfifo makes a named pipe at rel under root.
func mkfifo(t *testing.T, root, rel string) {
	sourcetest.Mkfifo(t, filepath.Join(root, filepath.FromSlash(rel)))
}

// mksocket binds a unix socket at rel under root.
func mksocket(t *testing.T, root, rel string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	t.Cleanup(func() { l.Close() })
}

type renderOut struct {
	res *Result
	err error
}

// TestSpecialFilesAreNeverOpened: a named pipe, socket or device with a
// manifest name is skipped in a directory source like Argo CD does
// (getPotentiallyValidManifestFile: only regular files), and refused with a
// clear error where gitshift must read it (value files, overrides,
// kustomize inputs); nothing blocks.
func TestSpecialFilesAreNeverOpened(t *testing.T) {
	chart := map[string]string{"chart/Chart.yaml": chartYAML}
	tests := []struct {
		name        string
		files       map[string]string
		fifo, sock  string
		app         *Application
		wantIgnored map[string]IgnoreReason
		wantErr     string // empty: render succeeds
	}{
		{
			name:        "fifo-in-directory-source-skipped",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			fifo:        "app/pipe.yaml",
			app:         dirApp("app", nil),
			wantIgnored: map[string]IgnoreReason{"app/pipe.yaml": IgnoredNotRegular},
		},
		{
			name:        "fifo-in-subdirectory-with-recurse-skipped",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			fifo:        "app/sub/pipe.json",
			app:         dirApp("app", &DirectorySource{Recurse: true}),
			wantIgnored: map[string]IgnoreReason{"app/sub/pipe.json": IgnoredNotRegular},
		},
		{
			name:        "fifo-below-recurse-off-not-listed-as-skipped-manifest",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			fifo:        "app/sub/pipe.yaml",
			app:         dirApp("app", nil),
			wantIgnored: map[string]IgnoreReason{},
		},
		{
			name:        "socket-in-directory-source-skipped",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			sock:        "app/s.yaml",
			app:         dirApp("app", nil),
			wantIgnored: map[string]IgnoreReason{"app/s.yaml": IgnoredNotRegular},
		},
		{
			name:    "fifo-helm-value-file-refused",
			files:   chart,
			fifo:    "chart/values-prod.yaml",
			app:     helmApp(&HelmSource{ValueFiles: []string{"values-prod.yaml"}}),
			wantErr: "chart/values-prod.yaml: not a regular file",
		},
		{
			name:    "fifo-helm-file-parameter-refused",
			files:   chart,
			fifo:    "chart/cert.pem",
			app:     helmApp(&HelmSource{FileParameters: []HelmFileParameter{{Name: "cert", Path: "cert.pem"}}}),
			wantErr: "chart/cert.pem: not a regular file",
		},
		{
			name:    "fifo-argocd-source-override-refused",
			files:   map[string]string{"app/a.yaml": obj("A", "a")},
			fifo:    "app/.argocd-source.yaml",
			app:     dirApp("app", nil),
			wantErr: "app/.argocd-source.yaml: not a regular file",
		},
		{
			name:    "fifo-app-specific-override-refused",
			files:   map[string]string{"app/a.yaml": obj("A", "a")},
			fifo:    "app/.argocd-source-app.yaml",
			app:     dirApp("app", nil),
			wantErr: "app/.argocd-source-app.yaml: not a regular file",
		},
		{
			name:    "fifo-kustomize-resource-refused",
			files:   map[string]string{"k/kustomization.yaml": "resources: [pipe.yaml]\n"},
			fifo:    "k/pipe.yaml",
			app:     &Application{Name: "app", Sources: []AppSource{{Path: "k"}}},
			wantErr: "k/pipe.yaml: not a regular file",
		},
		{
			name:    "fifo-kustomization-file-refused",
			files:   map[string]string{"k/a.yaml": obj("A", "a")},
			fifo:    "k/kustomization.yaml",
			app:     &Application{Name: "app", Sources: []AppSource{{Path: "k"}}},
			wantErr: "k/kustomization.yaml: not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			if tt.fifo != "" {
				mkfifo(t, root, tt.fifo)
			}
			if tt.sock != "" {
				mksocket(t, root, tt.sock)
			}
			out := sourcetest.Within(t, 10*time.Second, func() renderOut {
				res, err := render(t, root, tt.app, Options{Helm: nopHelm{}})
				return renderOut{res, err}
			})
			if tt.wantErr != "" {
				if out.err == nil || !strings.Contains(out.err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", out.err, tt.wantErr)
				}
				var me *ManifestError
				if !errors.As(out.err, &me) {
					t.Errorf("err %T is not a *ManifestError (Argo CD would block on it too)", out.err)
				}
				return
			}
			if out.err != nil {
				t.Fatal(out.err)
			}
			if got := ignoredMap(out.res); len(got) != len(tt.wantIgnored) || !mapsEqual(got, tt.wantIgnored) {
				t.Errorf("ignored = %v, want %v", got, tt.wantIgnored)
			}
			if got := names(out.res); len(got) != 1 || got[0] != "A/a" {
				t.Errorf("objects = %v, want [A/a]", got)
			}
		})
	}
}

func mapsEqual(a, b map[string]IgnoreReason) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestRepoScansSkipSpecialFiles: the whole-repository scans (Applications,
// manifest candidates) neither open nor list special files.
func TestRepoScansSkipSpecialFiles(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid-applications.yaml")
	root := writeRepo(t, map[string]string{"argocd/apps.yaml": string(valid)})
	mkfifo(t, root, "argocd/pipe.yaml")
	mksocket(t, root, "s.yml")
	apps := sourcetest.Within(t, 10*time.Second, func() []Application {
		apps, err := FindApplications(root)
		if err != nil {
			t.Error(err)
		}
		return apps
	})
	if len(apps) != 2 {
		t.Errorf("apps = %d, want 2", len(apps))
	}
	cands, err := ManifestCandidates(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 1 || cands[0] != "argocd/apps.yaml" {
		t.Errorf("candidates = %v, want only argocd/apps.yaml", cands)
	}
}

// TestReadFileRefusesSpecialFiles: the exported reader used by check.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	root := t.TempDir()
	mkfifo(t, root, "pipe.yaml")
	err := sourcetest.Within(t, 10*time.Second, func() error {
		_, err := ReadFile(filepath.Join(root, "pipe.yaml"), 1<<20)
		return err
	})
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}
