package source

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hugeSize is far above every limit; the files are sparse, so they cost
// no disk, but reading one costs that much memory.
const hugeSize = 256 << 20

// writeSparse makes a file of size bytes at rel under root, starting with
// head.
func writeSparse(t *testing.T, root, rel, head string, size int64) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
}

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAlloc is what a refused render may allocate: far below hugeSize, so
// only a render that read the file fails it.
const maxAlloc = 32 << 20

// TestSizeLimitsApplyBeforeReading: a file over the limit is refused from
// its size, before a byte of it is read (Argo CD sums the sizes of a
// directory source while walking, before reading any manifest).
func TestSizeLimitsApplyBeforeReading(t *testing.T) {
	chart := map[string]string{"chart/Chart.yaml": chartYAML}
	tests := []struct {
		name    string
		files   map[string]string
		huge    string // repo-relative file made hugeSize bytes
		app     *Application
		wantErr string // and, when unsupported, huge and its size
		// unsupported: the file is one Argo CD reads, so being over
		// gitshift's own limit means "could not check", not invalid.
		unsupported bool
	}{
		{
			name:    "directory-manifest",
			files:   map[string]string{"app/a.yaml": obj("A", "a")},
			huge:    "app/big.yaml",
			app:     dirApp("app", nil),
			wantErr: "app/big.yaml: exceeded max combined manifest file size 10485760",
		},
		{
			name:    "directory-manifest-in-subdirectory",
			files:   map[string]string{"app/a.yaml": obj("A", "a")},
			huge:    "app/sub/big.json",
			app:     dirApp("app", &DirectorySource{Recurse: true}),
			wantErr: "app/sub/big.json: exceeded max combined manifest file size 10485760",
		},
		{
			name:        "helm-value-file",
			files:       chart,
			huge:        "chart/values-big.yaml",
			app:         helmApp(&HelmSource{ValueFiles: []string{"values-big.yaml"}}),
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
		{
			name:        "helm-file-parameter",
			files:       chart,
			huge:        "chart/big.pem",
			app:         helmApp(&HelmSource{FileParameters: []HelmFileParameter{{Name: "x", Path: "big.pem"}}}),
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
		{
			name:        "argocd-source-override",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			huge:        "app/.argocd-source.yaml",
			app:         dirApp("app", nil),
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
		{
			name:        "kustomize-resource",
			files:       map[string]string{"k/kustomization.yaml": "resources: [big.yaml]\n"},
			huge:        "k/big.yaml",
			app:         &Application{Name: "app", Sources: []AppSource{{Path: "k"}}},
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
		{
			name:        "kustomization-file",
			files:       map[string]string{"k/a.yaml": obj("A", "a")},
			huge:        "k/kustomization.yaml",
			app:         &Application{Name: "app", Sources: []AppSource{{Path: "k"}}},
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
		{
			name:        "jsonnet-over-the-input-limit-is-not-read",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			huge:        "app/main.jsonnet",
			app:         dirApp("app", nil),
			wantErr:     "file is 268435456 bytes, over the limit of 10485760 bytes",
			unsupported: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			writeSparse(t, root, tt.huge, "a: b\n", hugeSize)
			var err error
			n := allocated(func() { _, err = render(t, root, tt.app, Options{Helm: nopHelm{}}) })
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
			if tt.unsupported && !strings.HasPrefix(err.Error(), tt.huge+": ") {
				t.Errorf("err = %v, want it to start with the file's name", err)
			}
			var ue *UnsupportedError
			if errors.As(err, &ue) != tt.unsupported {
				t.Errorf("err %T: unsupported = %v, want %v", err, !tt.unsupported, tt.unsupported)
			}
			if n > maxAlloc {
				t.Errorf("refusing the file allocated %d MiB: it was read", n>>20)
			}
		})
	}
}

// TestFindApplicationsBoundsLargeFiles: the repository scan for
// Applications does not load a file over the limit; one that holds an
// Application is reported, naming the file, rather than skipped silently.
func TestFindApplicationsBoundsLargeFiles(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid-applications.yaml")
	root := writeRepo(t, map[string]string{"argocd/apps.yaml": string(valid)})
	writeSparse(t, root, "data/big.yaml", "just: data\n", hugeSize)
	var apps []Application
	var err error
	n := allocated(func() { apps, err = FindApplications(root) })
	if err != nil || len(apps) != 2 {
		t.Fatalf("apps = %d, err = %v; want 2, nil", len(apps), err)
	}
	if n > maxAlloc {
		t.Errorf("scan allocated %d MiB: the big file was loaded", n>>20)
	}
	writeSparse(t, root, "argocd/big.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n", hugeSize)
	n = allocated(func() { apps, err = FindApplications(root) })
	var me *ManifestError
	if !errors.As(err, &me) || me.File != "argocd/big.yaml" || !strings.Contains(me.Msg, "limit") {
		t.Fatalf("err = %v, want a *ManifestError naming argocd/big.yaml and the limit", err)
	}
	if len(apps) != 2 {
		t.Errorf("apps = %d, want the 2 of argocd/apps.yaml", len(apps))
	}
	if n > maxAlloc {
		t.Errorf("scan allocated %d MiB: the big file was loaded", n>>20)
	}
}

// TestReadFileLimit: the exported reader refuses from the size, and reads
// what fits.
func TestReadFileLimit(t *testing.T) {
	root := t.TempDir()
	writeSparse(t, root, "big.yaml", "x", hugeSize)
	var err error
	n := allocated(func() { _, err = ReadFile(filepath.Join(root, "big.yaml"), 1<<20) })
	var se *SizeError
	if !errors.As(err, &se) || se.Size != hugeSize || se.Limit != 1<<20 {
		t.Fatalf("err = %v, want a *SizeError", err)
	}
	if n > maxAlloc {
		t.Errorf("allocated %d MiB", n>>20)
	}
	if err := os.WriteFile(filepath.Join(root, "small.yaml"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := ReadFile(filepath.Join(root, "small.yaml"), 3)
	if err != nil || string(data) != "abc" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
}
