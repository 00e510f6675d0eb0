package source

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nopHelm is a Helm engine that renders nothing: the tests here are about
// what source reads before the chart is rendered.
type nopHelm struct{}

func (nopHelm) RenderChart(context.Context, ChartRequest) (*RenderedChart, error) {
	return &RenderedChart{}, nil
}

// mkfifo makes a named pipe at rel under root. Opening it for reading
// blocks until a writer comes, so a test that opens it hangs; the cleanup
// opens it for writing to release such a reader.
func mkfifo(t *testing.T, root, rel string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	})
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

// within runs fn and fails the test if it does not return in time (a read
// of a special file blocks forever, a hostile pattern takes minutes).
func within[T any](t *testing.T, d time.Duration, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("did not return within %s", d)
		panic("unreachable")
	}
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
	helmApp := func(h *HelmSource) *Application {
		return &Application{Name: "app", Sources: []AppSource{{RepoURL: "https://example.com/repo.git", Path: "chart", Helm: h}}}
	}
	chart := map[string]string{"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n"}
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
			out := within(t, 10*time.Second, func() renderOut {
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
	apps := within(t, 10*time.Second, func() []Application {
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
	err := within(t, 10*time.Second, func() error {
		_, err := ReadFile(filepath.Join(root, "pipe.yaml"), 1<<20)
		return err
	})
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}
