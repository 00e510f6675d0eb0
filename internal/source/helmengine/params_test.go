package helmengine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// kindsChart renders the Go kind of every value the tests set, the
// subchart's view of its values, and the capabilities.
func kindsChart(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	sourcetest.WriteFiles(t, root, map[string]string{
		"c/Chart.yaml":  "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/values.yaml": "num: 0\nsub: {x: parent-default}\nglobal: {g: chart}\n",
		"c/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: kinds}
data:
  num: {{ kindOf .Values.num | quote }}
  numv: {{ .Values.num | quote }}
  flag: {{ kindOf .Values.flag | quote }}
  list: {{ .Values.list | toJson | quote }}
  file: {{ .Values.file | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  api: {{ .Capabilities.APIVersions.Has "example.com/v1/Thing" | quote }}
`,
		"c/charts/sub/Chart.yaml":  "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"c/charts/sub/values.yaml": "x: sub-default\nyy: sub-default\n",
		"c/charts/sub/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: sub}
data: {x: {{ .Values.x | quote }}, yy: {{ .Values.yy | quote }}, g: {{ .Values.global.g | quote }}}
`,
		"c/files/motd.txt":      "hello, world\n",
		"c/values-myapp.yaml":   "flag: true\n",
		"other/values-sub.yaml": "sub: {yy: from-file}\n",
	})
	return root
}

func renderKinds(t *testing.T, root string, h *source.HelmSource, opts source.Options) (map[string]map[string]any, error) {
	t.Helper()
	app := &source.Application{Name: "myapp", Destination: source.Destination{Namespace: "dest"}}
	src := source.AppSource{RepoURL: "https://example.com/r.git", Path: "c", Helm: h}
	app.Sources = []source.AppSource{src}
	res, err := source.Render(context.Background(), root, app, src, opts)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, o := range res.Objects {
		out[o.GetName()], _ = o.Object["data"].(map[string]any)
	}
	return out, nil
}

// TestHelmParameters: Argo CD passes parameters as `helm --set` and
// `--set-string` (Helm's strvals typing), both maps complete, with the
// build environment substituted; fileParameters as --set-file.
func TestHelmParameters(t *testing.T) {
	tests := []struct {
		name string
		helm *source.HelmSource
		opts source.Options
		want map[string]string // kinds.data
		sub  map[string]string // sub.data
	}{
		{
			name: "set-types-like-helm",
			helm: &source.HelmSource{Parameters: []source.HelmParameter{{Name: "num", Value: "5"}, {Name: "flag", Value: "false"}, {Name: "list", Value: "{a,b}"}}},
			want: map[string]string{"num": "int64", "numv": "5", "flag": "bool", "list": `["a","b"]`},
		},
		{
			name: "set-string-keeps-strings",
			helm: &source.HelmSource{Parameters: []source.HelmParameter{{Name: "num", Value: "5", ForceString: true}, {Name: "flag", Value: "true", ForceString: true}}},
			want: map[string]string{"num": "string", "flag": "string"},
		},
		{
			// Argo CD keeps a name in both maps and passes --set-string last.
			name: "same-name-forced-and-not-ends-as-string",
			helm: &source.HelmSource{Parameters: []source.HelmParameter{{Name: "num", Value: "7", ForceString: true}, {Name: "num", Value: "8"}}},
			want: map[string]string{"num": "string", "numv": "7"},
		},
		{
			name: "commas-escaped-list-index-and-env",
			helm: &source.HelmSource{Parameters: []source.HelmParameter{{Name: "file", Value: "a,b-$ARGOCD_APP_NAME-$$"}, {Name: "list[1]", Value: "z"}}},
			want: map[string]string{"file": "a,b-myapp-$", "list": `[null,"z"]`},
		},
		{
			name: "file-parameter-and-value-file-with-env",
			helm: &source.HelmSource{ValueFiles: []string{"values-$ARGOCD_APP_NAME.yaml"},
				FileParameters: []source.HelmFileParameter{{Name: "file", Path: "files/motd.txt"}}},
			want: map[string]string{"flag": "bool", "file": "hello, world\n"},
		},
		{
			name: "subchart-values-from-parent-file-and-set",
			helm: &source.HelmSource{ValueFiles: []string{"/other/values-sub.yaml"},
				Parameters: []source.HelmParameter{{Name: "sub.x", Value: "from-set"}, {Name: "global.g", Value: "set"}}},
			sub: map[string]string{"x": "from-set", "yy": "from-file", "g": "set"},
		},
		{
			name: "kube-and-api-versions-from-the-source",
			helm: &source.HelmSource{KubeVersion: "1.29.3+k3s1", APIVersions: []string{"example.com/v1/Thing"}},
			opts: source.Options{KubeVersion: "1.20.0"},
			want: map[string]string{"kube": "v1.29.3", "api": "true"},
		},
		{
			name: "kube-and-api-versions-of-the-cluster-by-default",
			opts: source.Options{KubeVersion: "1.31.0", APIVersions: []string{"example.com/v1/Thing"}},
			want: map[string]string{"kube": "v1.31.0", "api": "true"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderKinds(t, kindsChart(t), tt.helm, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got["kinds"][k] != v {
					t.Errorf("kinds.%s = %q, want %q", k, got["kinds"][k], v)
				}
			}
			for k, v := range tt.sub {
				if got["sub"][k] != v {
					t.Errorf("sub.%s = %q, want %q", k, got["sub"][k], v)
				}
			}
		})
	}
}

// TestHelmRefValueFiles: `$ref/path` value files and file parameters of
// multi-source Applications (Argo CD's refSources).
func TestHelmRefValueFiles(t *testing.T) {
	other := t.TempDir()
	sourcetest.WriteFiles(t, other, map[string]string{"env/prod.yaml": "num: 42\n", "env/motd": "from the other repo"})
	otherReal, _ := filepath.EvalSymlinks(other)
	const this, that = "https://example.com/r.git", "git@example.com:org/values.git"
	tests := []struct {
		name     string
		sources  []source.AppSource
		single   bool
		repos    map[string]string
		wantNV   string
		wantFile string
		wantErr  string
		wantKind errkind.Kind
	}{
		{
			name: "same-repository",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/c/values-myapp.yaml", "$vals/other/values-sub.yaml"}}},
				{RepoURL: this + "/", Ref: "vals"}},
			wantNV: "0",
		},
		{
			name: "other-repository-not-mapped",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/env/prod.yaml"}}},
				{RepoURL: that, Ref: "vals"}},
			wantErr: "is in another repository (" + that + ")", wantKind: errkind.Unavailable,
		},
		{
			name: "other-repository-mapped",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/env/prod.yaml"},
					FileParameters: []source.HelmFileParameter{{Name: "file", Path: "$vals/env/motd"}}}},
				{RepoURL: that, Ref: "vals"}},
			repos:  map[string]string{source.NormalizeRepoURL("https://example.com/org/values"): otherReal},
			wantNV: "42", wantFile: "from the other repo",
		},
		{
			name: "mapped-repository-is-its-own-root",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/../r/c/values.yaml"}}},
				{RepoURL: that, Ref: "vals"}},
			repos:   map[string]string{source.NormalizeRepoURL(that): otherReal},
			wantErr: "resolved to outside repository root", wantKind: errkind.Invalid,
		},
		{
			name: "unknown-ref",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$nope/x.yaml"}}},
				{RepoURL: this, Ref: "vals"}},
			wantErr: `source referenced "$nope", which is not one of the available sources ($vals)`, wantKind: errkind.Invalid,
		},
		{
			name: "ref-to-a-chart-source",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/x.yaml"}}},
				{RepoURL: "https://charts.example.com", Chart: "x", Ref: "vals"}},
			wantErr: "Helm charts are not yet not supported for 'ref' sources", wantKind: errkind.Invalid,
		},
		{
			name: "bad-ref-name",
			sources: []source.AppSource{
				{RepoURL: this, Path: "c"},
				{RepoURL: this, Ref: "v.als"}},
			wantErr: "cannot contain any special characters", wantKind: errkind.Invalid,
		},
		{
			// In a single-source Application $vals is an (unknown, empty)
			// variable: /c/values-myapp.yaml from the repository root.
			name:   "single-source-dollar-is-a-variable",
			single: true,
			sources: []source.AppSource{
				{RepoURL: this, Path: "c", Helm: &source.HelmSource{ValueFiles: []string{"$vals/c/values-myapp.yaml"}}}},
			wantNV: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := kindsChart(t)
			app := &source.Application{Name: "myapp", Sources: tt.sources, MultipleSources: !tt.single}
			res, err := source.Render(context.Background(), root, app, tt.sources[0], source.Options{Repos: tt.repos})
			if sourcetest.WantError(t, err, tt.wantErr, tt.wantKind) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var data map[string]any
			for _, o := range res.Objects {
				if o.GetName() == "kinds" {
					data = o.Object["data"].(map[string]any)
				}
			}
			if data["numv"] != tt.wantNV || (tt.wantFile != "" && data["file"] != tt.wantFile) {
				t.Errorf("data = %v, want nv %q file %q", data, tt.wantNV, tt.wantFile)
			}
			if tt.wantNV == "0" && data["flag"] != "bool" {
				t.Errorf("value file through the ref not applied: %v", data)
			}
			for _, f := range res.ReadFiles {
				if strings.HasPrefix(f, "/") || strings.HasPrefix(f, "..") {
					t.Errorf("a file of another repository is listed as read in this one: %s", f)
				}
			}
		})
	}
}

// TestHelmRepositoryChartFromALocalCopy: a chart from a Helm repository
// is not checked, unless the repository is mapped to a directory holding
// the chart; it then renders as its own root (Argo CD's extracted chart).
func TestHelmRepositoryChartFromALocalCopy(t *testing.T) {
	charts := kindsChart(t) // holds c/Chart.yaml
	src := source.AppSource{RepoURL: "https://charts.example.com/stable", Chart: "c", TargetRevision: "0.1.0",
		Helm: &source.HelmSource{Parameters: []source.HelmParameter{{Name: "num", Value: "3"}}}}
	app := &source.Application{Name: "remote", Sources: []source.AppSource{src}}
	_, err := source.Render(context.Background(), t.TempDir(), app, src, source.Options{})
	if k := errkind.Of(err); k != errkind.Unavailable || !strings.Contains(fmt.Sprint(err), "without a local copy") {
		t.Fatalf("err = %v (%v), want not checked", err, k)
	}
	repos := map[string]string{source.NormalizeRepoURL(src.RepoURL): charts}
	res, err := source.Render(context.Background(), t.TempDir(), app, src, source.Options{Repos: repos})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		if o.GetName() == "kinds" && o.Object["data"].(map[string]any)["numv"] != "3" {
			t.Errorf("data %v", o.Object["data"])
		}
	}
	if res.Type != source.TypeHelm || len(res.Objects) != 2 {
		t.Errorf("type %s, %d objects", res.Type, len(res.Objects))
	}
}
