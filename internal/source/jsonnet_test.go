package source

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// cm is a Jsonnet ConfigMap named n with data {v: v}.
func cm(n, v string) string {
	return `{apiVersion: "v1", kind: "ConfigMap", metadata: {name: ` + n + `}, data: {v: ` + v + `}}`
}

// TestJsonnet follows Argo CD 2.14's findManifests/makeJsonnetVm: every
// .jsonnet file of the walk is evaluated with a fresh VM; the output is
// an array of objects or one object; extVars/tlas (code or string) have
// the build environment substituted; libs are relative to the repository
// root and searched after the importing file's directory, the last first.
func TestJsonnet(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		dir       *DirectorySource
		maxSize   int64
		wantObjs  []string // Kind/name in order
		wantData  map[string]string
		wantRead  []string
		wantErr   string
		wantKind  errkind.Kind
		wantError bool
	}{
		{
			name:     "object",
			files:    map[string]string{"app/a.jsonnet": cm(`"a"`, `"1"`)},
			wantObjs: []string{"ConfigMap/a"},
		},
		{
			name:     "array-of-objects-null-dropped",
			files:    map[string]string{"app/a.jsonnet": "[" + cm(`"a"`, `"1"`) + ", null, " + cm(`"b"`, `"2"`) + "]"},
			wantObjs: []string{"ConfigMap/a", "ConfigMap/b"},
		},
		{
			name:     "list-is-flattened",
			files:    map[string]string{"app/a.jsonnet": `{apiVersion: "v1", kind: "List", items: [` + cm(`"a"`, `"1"`) + `]}`},
			wantObjs: []string{"ConfigMap/a"},
		},
		{
			name:  "extvars-string-and-code-with-env",
			files: map[string]string{"app/a.jsonnet": cm(`std.extVar("name")`, `std.toString(std.extVar("n") + 1)`)},
			dir: &DirectorySource{Jsonnet: JsonnetSource{ExtVars: []JsonnetVar{
				{Name: "name", Value: "x-$ARGOCD_APP_NAME"}, {Name: "n", Value: "41", Code: true}}}},
			wantObjs: []string{"ConfigMap/x-app"},
			wantData: map[string]string{"x-app": "42"},
		},
		{
			name:  "tlas-string-and-code",
			files: map[string]string{"app/a.jsonnet": "function(name, n) " + cm("name", "std.toString(n * 2)")},
			dir: &DirectorySource{Jsonnet: JsonnetSource{TLAs: []JsonnetVar{
				{Name: "name", Value: "t"}, {Name: "n", Value: "{a: 21}.a", Code: true}}}},
			wantObjs: []string{"ConfigMap/t"},
			wantData: map[string]string{"t": "42"},
		},
		{
			name: "libs-from-repo-root-last-wins-file-dir-first",
			files: map[string]string{
				"app/a.jsonnet":           `local l = import "l.libsonnet"; local m = import "m.libsonnet"; ` + cm("l.n", "m.v"),
				"lib1/l.libsonnet":        `{n: "from-lib1"}`,
				"lib2/l.libsonnet":        `{n: "from-lib2"}`,
				"lib2/m.libsonnet":        `{v: "lib2"}`,
				"app/m.libsonnet":         `{v: "next-to-file"}`,
				"app/README.libsonnet":    `error "a .libsonnet file is never evaluated on its own"`,
				"unused/x.libsonnet":      `{}`,
				"app/sub/.keep.libsonnet": `{}`,
			},
			dir:      &DirectorySource{Jsonnet: JsonnetSource{Libs: []string{"lib1", "lib2"}}},
			wantObjs: []string{"ConfigMap/from-lib2"},
			wantData: map[string]string{"from-lib2": "next-to-file"},
			wantRead: []string{"app/a.jsonnet", "app/m.libsonnet", "lib2/l.libsonnet"},
		},
		{
			name: "app-path-is-a-library-path",
			files: map[string]string{
				"app/sub/a.jsonnet":    `local c = import "common.libsonnet"; ` + cm("c.n", `"1"`),
				"app/common.libsonnet": `{n: "common"}`,
			},
			dir:      &DirectorySource{Recurse: true},
			wantObjs: []string{"ConfigMap/common"},
		},
		{
			name:     "jsonnet-not-counted-against-the-combined-limit",
			files:    map[string]string{"app/a.yaml": obj("A", "a"), "app/b.jsonnet": `{kind:"B",metadata:{name:"b"}}`},
			maxSize:  60,
			wantObjs: []string{"A/a", "B/b"},
		},
		{
			name:     "evaluation-error-names-the-file",
			files:    map[string]string{"app/a.jsonnet": `error "boom"`},
			wantErr:  "app/a.jsonnet:1: failed to evaluate jsonnet: RUNTIME ERROR: boom at app/a.jsonnet:1:1-13",
			wantKind: errkind.Invalid,
		},
		{
			name:     "syntax-error-names-the-line",
			files:    map[string]string{"app/a.jsonnet": "// c\nlocal x = ;\n{}"},
			wantErr:  "app/a.jsonnet:2: failed to evaluate jsonnet: app/a.jsonnet:2:11-12 Unexpected: \";\" while parsing terminal",
			wantKind: errkind.Invalid,
		},
		{
			name: "error-in-an-import-names-the-importing-line-and-the-import",
			files: map[string]string{
				"app/a.jsonnet":   "local l = import 'l.libsonnet';\nl.x",
				"app/l.libsonnet": "{\n  x: error 'deep',\n}",
			},
			wantErr:  "app/a.jsonnet:2: failed to evaluate jsonnet: RUNTIME ERROR: deep at app/l.libsonnet:2:6-18",
			wantKind: errkind.Invalid,
		},
		{
			name:     "array-with-a-string-is-invalid",
			files:    map[string]string{"app/a.jsonnet": `["x"]`},
			wantErr:  "app/a.jsonnet: failed to unmarshal generated json",
			wantKind: errkind.Invalid,
		},
		{
			name:     "absolute-import-refused",
			files:    map[string]string{"app/a.jsonnet": `import "/etc/hostname"`},
			wantErr:  `jsonnet import "/etc/hostname" resolves outside the repository`,
			wantKind: errkind.Invalid,
		},
		{
			name:     "relative-import-leaving-the-repo-refused",
			files:    map[string]string{"app/a.jsonnet": `importstr "../../../../../../../../etc/hostname"`},
			wantErr:  "resolves outside the repository",
			wantKind: errkind.Invalid,
		},
		{
			name:     "symlinked-import-leaving-the-repo-refused",
			files:    map[string]string{"app/a.jsonnet": `import "x.libsonnet"`, "app/x.libsonnet": "symlink:/etc/hostname"},
			wantErr:  "out-of-bounds symlinks",
			wantKind: errkind.Invalid,
		},
		{
			name:     "lib-outside-the-repo-refused",
			files:    map[string]string{"app/a.jsonnet": cm(`"a"`, `"1"`)},
			dir:      &DirectorySource{Jsonnet: JsonnetSource{Libs: []string{"../elsewhere"}}},
			wantErr:  "directory.jsonnet.libs: file '../elsewhere' resolved to outside repository root",
			wantKind: errkind.Invalid,
		},
		{
			name:     "missing-import",
			files:    map[string]string{"app/a.jsonnet": `import "nope.libsonnet"`},
			wantErr:  `couldn't open import "nope.libsonnet"`,
			wantKind: errkind.Invalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			res, err := render(t, root, dirApp("app", tt.dir), Options{MaxCombinedManifestSize: tt.maxSize})
			if sourcetest.WantError(t, err, tt.wantErr, tt.wantKind) {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("err spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res); !reflect.DeepEqual(got, tt.wantObjs) {
				t.Errorf("objects = %v, want %v", got, tt.wantObjs)
			}
			for _, o := range res.Objects {
				if want, ok := tt.wantData[o.GetName()]; ok {
					if got := o.Object["data"].(map[string]any)["v"]; got != want {
						t.Errorf("%s data.v = %v, want %v", o.GetName(), got, want)
					}
				}
			}
			for _, f := range tt.wantRead {
				if !contains(strings.Join(res.ReadFiles, "\n")+"\n", f+"\n") {
					t.Errorf("ReadFiles %v lack %s", res.ReadFiles, f)
				}
			}
		})
	}
}

// TestJsonnetImportOfANamedPipeDoesNotBlock: the importer stats before it
// opens, so a named pipe fails the source instead of hanging it.
func TestJsonnetImportOfANamedPipeDoesNotBlock(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/a.jsonnet": `importstr "fifo.txt"`})
	sourcetest.Mkfifo(t, filepath.Join(root, "app", "fifo.txt"))
	err := sourcetest.Within(t, 5*time.Second, func() error {
		_, err := render(t, root, dirApp("app", nil), Options{})
		return err
	})
	var me *ManifestError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want a ManifestError about a file that is not regular", err)
	}
}
