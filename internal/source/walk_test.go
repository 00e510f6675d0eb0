package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDirectoryWalk(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string
		dir         *DirectorySource
		version     string
		maxSize     int64
		wantObjs    []string // sorted Kind/name
		wantIgnored map[string]IgnoreReason
		wantErr     string
	}{
		{
			name: "recurse-off-lists-subfolder-files",
			files: map[string]string{
				"app/vs.yaml": obj("VirtualService", "vs"), "app/base/a.yaml": obj("Deployment", "a"),
				"app/base/deep/b.yml": obj("Service", "b"), "app/base/README.md": "# docs", "app/canary/c.json": `{"kind":"X"}`,
			},
			wantObjs: []string{"VirtualService/vs"},
			wantIgnored: map[string]IgnoreReason{
				"app/base/a.yaml": IgnoredRecurseOff, "app/base/deep/b.yml": IgnoredRecurseOff, "app/canary/c.json": IgnoredRecurseOff,
			},
		},
		{
			name:     "recurse-on-reads-all",
			files:    map[string]string{"app/vs.yaml": obj("VirtualService", "vs"), "app/base/a.yaml": obj("Deployment", "a"), "app/base/deep/b.yml": obj("Service", "b")},
			dir:      &DirectorySource{Recurse: true},
			wantObjs: []string{"Deployment/a", "Service/b", "VirtualService/vs"},
		},
		{
			name:        "globstar-include-skips-top-level",
			files:       map[string]string{"app/top.yaml": obj("A", "top"), "app/sub/x.yaml": obj("B", "x")},
			dir:         &DirectorySource{Recurse: true, Include: "**/*.yaml"},
			wantObjs:    []string{"B/x"},
			wantIgnored: map[string]IgnoreReason{"app/top.yaml": IgnoredNotIncluded},
		},
		{
			name:     "star-include-matches-subdir",
			files:    map[string]string{"app/top.yaml": obj("A", "top"), "app/sub/x.yaml": obj("B", "x")},
			dir:      &DirectorySource{Recurse: true, Include: "*.yaml"},
			wantObjs: []string{"A/top", "B/x"},
		},
		{
			name:        "brace-alternatives-include",
			files:       map[string]string{"app/a.yaml": obj("A", "a"), "app/sub/b.yaml": obj("B", "b"), "app/c.yaml": obj("C", "c")},
			dir:         &DirectorySource{Recurse: true, Include: "{a.yaml,sub/b.yaml}"},
			wantObjs:    []string{"A/a", "B/b"},
			wantIgnored: map[string]IgnoreReason{"app/c.yaml": IgnoredNotIncluded},
		},
		{
			name:        "exclude-checked-before-include",
			files:       map[string]string{"app/a.yaml": obj("A", "a"), "app/b.yaml": obj("B", "b")},
			dir:         &DirectorySource{Include: "*.yaml", Exclude: "b.yaml"},
			wantObjs:    []string{"A/a"},
			wantIgnored: map[string]IgnoreReason{"app/b.yaml": IgnoredExcluded},
		},
		{
			name:        "invalid-include-pattern-matches-nothing",
			files:       map[string]string{"app/a.yaml": obj("A", "a")},
			dir:         &DirectorySource{Include: "[a"},
			wantIgnored: map[string]IgnoreReason{"app/a.yaml": IgnoredNotIncluded},
		},
		{
			name:        "kindless-first-doc-silently-ignored",
			files:       map[string]string{"app/values.yaml": "replicas: 3\nimage: nginx\n", "app/ok.yaml": obj("A", "a")},
			wantObjs:    []string{"A/a"},
			wantIgnored: map[string]IgnoreReason{"app/values.yaml": IgnoredNotK8s},
		},
		{
			name:    "kindless-first-doc-with-k8s-text-is-error",
			files:   map[string]string{"app/bad.yaml": "apiVersion: v1\nmetadata:\n  name: x\n# kind: forgotten\n"},
			wantErr: "app/bad.yaml:1: failed to unmarshal manifest",
		},
		{
			name:    "json-array-is-error",
			files:   map[string]string{"app/list.json": `[{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}]`},
			wantErr: "app/list.json:1: failed to unmarshal JSON manifest",
		},
		{
			name:    "json-kindless-is-error",
			files:   map[string]string{"app/x.json": `{"a": 1}`},
			wantErr: "Kind' is missing",
		},
		{
			name:     "json-object",
			files:    map[string]string{"app/x.json": "{\n  \"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {\"name\": \"j\"}}"},
			wantObjs: []string{"A/j"},
		},
		{
			name:    "failure-after-good-doc-is-error",
			files:   map[string]string{"app/m.yaml": obj("A", "a") + "---\nfoo: bar\n"},
			wantErr: "app/m.yaml:6: failed to unmarshal manifest",
		},
		{
			name:     "empty-and-null-docs-skipped",
			files:    map[string]string{"app/m.yaml": "---\n---\nnull\n---\n" + obj("A", "a") + "---\n~\n"},
			wantObjs: []string{"A/a"},
		},
		{
			name: "items-flattened-for-any-kind",
			files: map[string]string{
				"app/list.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a1}\n- {apiVersion: v1, kind: A, metadata: {name: a2}}\n",
				"app/odd.yaml":  "apiVersion: x/v1\nkind: Whatever\nmetadata: {name: w}\nitems:\n- {apiVersion: v1, kind: B, metadata: {name: b}}\n",
				"app/null.yaml": "apiVersion: v1\nkind: List\nitems: null\n",
			},
			wantObjs: []string{"A/a1", "A/a2", "B/b"},
		},
		{
			name:        "symlink-out-of-repo-is-error",
			files:       map[string]string{"app/a.yaml": obj("A", "a"), "elsewhere/link.yaml": "symlink:/etc/hostname"},
			wantErr:     "out-of-bounds symlinks",
			wantIgnored: nil,
		},
		{
			name: "symlinks-in-repo",
			files: map[string]string{
				"app/a.yaml": obj("A", "a"), "shared/b.yaml": obj("B", "b"), "app/b.yaml": "symlink:../shared/b.yaml",
				"app/linked": "symlink:../shared", "app/dangling.yaml": "symlink:missing.yaml",
			},
			dir:         &DirectorySource{Recurse: true},
			wantObjs:    []string{"A/a", "B/b"},
			wantIgnored: map[string]IgnoreReason{"app/linked": IgnoredSymlinkDir, "app/dangling.yaml": IgnoredSymlinkOther},
		},
		{
			name: "extension-case-sensitive",
			files: map[string]string{
				"app/A.YAML": obj("A", "a"), "app/b.Yml": obj("B", "b"), "app/c.yaml.txt": obj("C", "c"),
				"app/README.md": "# x", "app/notes.txt": "x", "app/ok.yml": obj("D", "d"),
			},
			wantObjs: []string{"D/d"},
			wantIgnored: map[string]IgnoreReason{
				"app/A.YAML": IgnoredExtension, "app/b.Yml": IgnoredExtension, "app/c.yaml.txt": IgnoredExtension,
			},
		},
		{
			name:     "dot-files-not-special",
			files:    map[string]string{"app/.hidden.yaml": obj("A", "h"), "app/.dir/x.yaml": obj("B", "x")},
			dir:      &DirectorySource{Recurse: true},
			wantObjs: []string{"A/h", "B/x"},
		},
		{
			name:        "skip-marker-honoured-on-3.1",
			files:       map[string]string{"app/a.yaml": "# +argocd:skip-file-rendering\n" + obj("A", "a"), "app/b.yaml": obj("B", "b")},
			version:     "3.1",
			wantObjs:    []string{"B/b"},
			wantIgnored: map[string]IgnoreReason{"app/a.yaml": IgnoredSkipMarker},
		},
		{
			name:     "skip-marker-ignored-on-2.14",
			files:    map[string]string{"app/a.yaml": "# +argocd:skip-file-rendering\n" + obj("A", "a"), "app/b.yaml": obj("B", "b")},
			version:  "2.14",
			wantObjs: []string{"A/a", "B/b"},
		},
		{
			name:        "skip-marker-newest-by-default",
			files:       map[string]string{"app/a.yaml": "# +argocd:skip-file-rendering\n" + obj("A", "a")},
			wantIgnored: map[string]IgnoreReason{"app/a.yaml": IgnoredSkipMarker},
		},
		{
			name:    "jsonnet-object-without-kind-is-invalid",
			files:   map[string]string{"app/main.jsonnet": "{}"},
			wantErr: "app/main.jsonnet: failed to unmarshal generated json: Object 'Kind' is missing",
		},
		{
			name:    "combined-size-limit",
			files:   map[string]string{"app/a.yaml": obj("A", "a"), "app/b.yaml": obj("B", "b")},
			maxSize: 60,
			wantErr: "exceeded max combined manifest file size",
		},
		// Argo CD decodes with apimachinery's YAMLOrJSONDecoder and
		// sigs.k8s.io/yaml (go-yaml v2, YAML 1.1), not with yaml.v3.
		{
			name:     "yaml-1.1-scalars-as-argo-cd",
			files:    map[string]string{"app/m.yaml": obj("A", "a") + "  annotations: {x: yes, y: on, d: 2001-12-14}\n"},
			wantObjs: []string{"A/a"},
		},
		{
			name:     "duplicate-key-last-wins",
			files:    map[string]string{"app/m.yaml": obj("A", "first") + "metadata: {name: second}\n"},
			wantObjs: []string{"A/second"},
		},
		{
			name:     "json-stream-in-yaml-file",
			files:    map[string]string{"app/m.yaml": `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}` + "\n" + `{"apiVersion":"v1","kind":"B","metadata":{"name":"b"}}`},
			wantObjs: []string{"A/a", "B/b"},
		},
		{
			name:    "json-stream-then-yaml-separator-is-error",
			files:   map[string]string{"app/m.yaml": `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}` + "\n---\n" + obj("B", "b")},
			wantErr: "app/m.yaml:2: failed to unmarshal manifest",
		},
		{
			name:     "bare-document-after-end-marker-dropped",
			files:    map[string]string{"app/m.yaml": obj("A", "a") + "...\n" + obj("B", "b")},
			wantObjs: []string{"A/a"},
		},
		{
			name:    "text-after-separator-is-error",
			files:   map[string]string{"app/m.yaml": obj("A", "a") + "--- !!map\n" + obj("B", "b")},
			wantErr: "app/m.yaml:5: failed to unmarshal manifest: invalid Yaml document separator: !!map",
		},
		{
			name:     "separator-with-comment-and-crlf",
			files:    map[string]string{"app/m.yaml": strings.ReplaceAll("--- # one\n"+obj("A", "a")+"---   # two\n# nothing\n---\n"+obj("B", "b"), "\n", "\r\n")},
			wantObjs: []string{"A/a", "B/b"},
		},
		{
			name:     "byte-order-marks",
			files:    map[string]string{"app/a.json": "\xef\xbb\xbf" + `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}`, "app/b.yaml": "\xef\xbb\xbf" + obj("B", "b"), "app/c.json": utf16LE(`{"apiVersion":"v1","kind":"C","metadata":{"name":"c"}}`)},
			wantObjs: []string{"A/a", "B/b", "C/c"},
		},
		{
			name:     "json-file-stray-closing-bracket-accepted",
			files:    map[string]string{"app/a.json": `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}]`},
			wantObjs: []string{"A/a"},
		},
		{
			name:    "json-file-two-objects-is-error",
			files:   map[string]string{"app/a.json": `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}} {"kind":"B"}`},
			wantErr: "only single objects are allowed",
		},
		{
			name:     "duplicates-last-wins",
			files:    map[string]string{"app/a.yaml": obj("A", "same"), "app/b.yaml": obj("A", "same")},
			wantObjs: []string{"A/same"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			res, err := render(t, root, dirApp("app", tt.dir), Options{ArgoCDVersion: tt.version, MaxCombinedManifestSize: tt.maxSize})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sorted(names(res)); !reflect.DeepEqual(got, sorted(tt.wantObjs)) && !(len(got) == 0 && len(tt.wantObjs) == 0) {
				t.Errorf("objects = %v, want %v", got, tt.wantObjs)
			}
			got := ignoredMap(res)
			if len(got) != len(tt.wantIgnored) || (len(got) > 0 && !reflect.DeepEqual(got, tt.wantIgnored)) {
				t.Errorf("ignored = %v, want %v", got, tt.wantIgnored)
			}
		})
	}
}

func TestDirectoryProvenance(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"app/m.yaml": "# header\n---\n" + obj("A", "a") + "---\n\n" + obj("B", "b") +
			"---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: C, metadata: {name: c}}\n",
	})
	res, err := render(t, root, dirApp("app", nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Objects {
		got = append(got, fmt.Sprintf("%s %s doc%d item%d", o.GetName(), o.Source, o.Source.Doc, o.Source.Item))
	}
	want := []string{"a app/m.yaml:3 doc0 item-1", "b app/m.yaml:9 doc1 item-1", "c app/m.yaml:14 doc2 item0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("provenance = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(res.Files, []string{"app/m.yaml"}) {
		t.Errorf("files = %v", res.Files)
	}
}

func TestDuplicateWarning(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"app/a.yaml": obj("A", "same") + "  labels: {v: one}\n",
		"app/b.yaml": obj("A", "same") + "  labels: {v: two}\n  namespace: dest\n",
	})
	res, err := render(t, root, dirApp("app", nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1 || res.Objects[0].GetLabels()["v"] != "two" {
		t.Fatalf("want last object to win, got %v", res.Objects)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Code != WarnDuplicate || res.Warnings[0].Other.File != "app/a.yaml" {
		t.Fatalf("warnings = %+v", res.Warnings)
	}
}

func TestManifestErrorIsTyped(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/bad.yaml": obj("A", "a") + "---\n[1, 2]\n"})
	_, err := render(t, root, dirApp("app", nil), Options{})
	var me *ManifestError
	if !errors.As(err, &me) || me.File != "app/bad.yaml" || me.Line != 6 {
		t.Fatalf("err = %#v", err)
	}
}

// utf16LE encodes ASCII s as UTF-16 little endian with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return string(b)
}

func TestYAMLScalarsAsArgoCD(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"app/m.yaml": obj("A", "a") + "  annotations: {x: yes, n: off, d: 2001-12-14}\nspec: {y: 1, w: 90.0}\n",
	})
	res, err := render(t, root, dirApp("app", nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Objects[0].Object
	want := map[string]any{
		"apiVersion": "v1", "kind": "A",
		"metadata": map[string]any{"name": "a",
			"annotations": map[string]any{"x": true, "false": false, "d": "2001-12-14"}},
		"spec": map[string]any{"true": int64(1), "w": int64(90)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("object = %#v\nwant     %#v", got, want)
	}
}

// TestOutOfBoundsSymlinkByLinkText: Argo CD judges a symlink by its text
// (util/app/path.CheckOutOfBoundsSymlinks), not by where it resolves.
func TestOutOfBoundsSymlinkByLinkText(t *testing.T) {
	tests := []struct {
		name   string
		target func(root string) string
	}{
		{"absolute-target-inside-repo", func(root string) string { return filepath.Join(root, "shared", "b.yaml") }},
		{"relative-target-leaves-and-returns", func(root string) string {
			return filepath.Join("..", "..", filepath.Base(root), "shared", "b.yaml")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, map[string]string{"app/a.yaml": obj("A", "a"), "shared/b.yaml": obj("B", "b")})
			if err := os.Symlink(tt.target(root), filepath.Join(root, "app", "b.yaml")); err != nil {
				t.Fatal(err)
			}
			_, err := render(t, root, dirApp("app", nil), Options{})
			if err == nil || !strings.Contains(err.Error(), "out-of-bounds symlinks") {
				t.Fatalf("err = %v, want out-of-bounds symlinks", err)
			}
		})
	}
}

// TestSymlinkLoopFailsLikeArgoCD: Argo CD skips a symlink whose target is
// missing but fails the source when the link cannot be evaluated (a loop).
func TestSymlinkLoopFailsLikeArgoCD(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/a.yaml": obj("A", "a")})
	for _, l := range [][2]string{{"c.yaml", "app/b.yaml"}, {"b.yaml", "app/c.yaml"}, {"missing.yaml", "app/d.yaml"}} {
		if err := os.Symlink(l[0], filepath.Join(root, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	_, err := render(t, root, dirApp("app", nil), Options{})
	if err == nil || !strings.Contains(err.Error(), "failed to evaluate symlink") {
		t.Fatalf("err = %v, want failed to evaluate symlink", err)
	}
	if err := os.Remove(filepath.Join(root, "app", "b.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "app", "c.yaml")); err != nil {
		t.Fatal(err)
	}
	res, err := render(t, root, dirApp("app", nil), Options{})
	if err != nil {
		t.Fatalf("a dangling symlink must be skipped, got %v", err)
	}
	if len(res.Objects) != 1 {
		t.Errorf("objects %d, want 1", len(res.Objects))
	}
}

// A parser problem in a later document is reported at its own line of the
// file: go-yaml counts parser problems from 0 within the document.
func TestManifestErrorLineInLaterDocument(t *testing.T) {
	content := obj("A", "a") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    - x\n   - y\n"
	want := strings.Count(content[:strings.Index(content, "   - y")], "\n") + 1
	root := writeRepo(t, map[string]string{"app/bad.yaml": content})
	_, err := render(t, root, dirApp("app", nil), Options{})
	var me *ManifestError
	if !errors.As(err, &me) || me.File != "app/bad.yaml" || me.Line != want {
		t.Fatalf("err = %v (%#v), want line %d", err, me, want)
	}
}
