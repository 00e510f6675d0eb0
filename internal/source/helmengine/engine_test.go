package helmengine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
	_ "github.com/gitshift/gitshift/internal/source/helmengine"
)

const cmTemplate = `{{- /* header comment */ -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  namespace: {{ .Release.Namespace }}
data:
  a: {{ .Values.a | quote }}
  b: {{ .Values.b | quote }}
  c: {{ .Values.c | quote }}
  d: {{ .Values.d | quote }}
  e: {{ .Values.e | quote }}
  keep: {{ .Values.nested.keep | quote }}
  over: {{ .Values.nested.over | quote }}
  list: {{ .Values.list | toJson | quote }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "mychart.name" . }}
`

func chartRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"charts/mychart/Chart.yaml":             "apiVersion: v2\nname: mychart\nversion: 0.1.0\n",
		"charts/mychart/values.yaml":            "a: chart\nb: chart\nc: chart\nd: chart\ne: chart\nnested: {keep: chart, over: chart}\nlist: [x]\n",
		"charts/mychart/values-1.yaml":          "b: file1\nc: file1\nd: file1\ne: file1\nnested: {over: file1}\n",
		"charts/mychart/templates/cm.yaml":      cmTemplate,
		"charts/mychart/templates/_helpers.tpl": `{{ define "mychart.name" }}{{ .Release.Name }}-svc{{ end }}`,
		"charts/mychart/templates/NOTES.txt":    "thanks",
		"charts/mychart/templates/empty.yaml":   "{{- if false }}\nkind: Nope\n{{- end }}\n",
		"charts/mychart/templates/tests/t.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations: {helm.sh/hook: test}\n",
		"charts/mychart/crds/crd.yaml":          "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: foos.example.com}\n",
		"envs/prod.yaml":                        "c: file2\nd: file2\ne: file2\n",
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func renderHelm(t *testing.T, root string, h *source.HelmSource) (*source.Result, error) {
	t.Helper()
	app := &source.Application{Name: "myapp", Destination: source.Destination{Namespace: "dest"}}
	src := source.AppSource{RepoURL: "https://example.com/r.git", Path: "charts/mychart", Helm: h}
	app.Sources = []source.AppSource{src}
	return source.Render(context.Background(), root, app, src, source.Options{})
}

func find(res *source.Result, kind string) *source.Object {
	for i := range res.Objects {
		if res.Objects[i].GetKind() == kind {
			return &res.Objects[i]
		}
	}
	return nil
}

func TestHelmValuePrecedence(t *testing.T) {
	files := []string{"values-1.yaml", "../../envs/prod.yaml"}
	tests := []struct {
		name string
		helm *source.HelmSource
		want map[string]string
	}{
		{
			name: "chart-defaults-only",
			helm: nil,
			want: map[string]string{"a": "chart", "b": "chart", "e": "chart", "keep": "chart", "over": "chart"},
		},
		{
			name: "valueFiles-in-order-then-values-then-parameters",
			helm: &source.HelmSource{ValueFiles: files, Values: "d: values\ne: values\n",
				Parameters: []source.HelmParameter{{Name: "e", Value: "param"}}},
			want: map[string]string{"a": "chart", "b": "file1", "c": "file2", "d": "values", "e": "param", "keep": "chart", "over": "file1"},
		},
		{
			name: "valuesObject-replaces-values-string",
			helm: &source.HelmSource{ValueFiles: files, Values: "d: values\n", ValuesObject: map[string]any{"e": "object", "nested": map[string]any{"over": "object"}}},
			want: map[string]string{"b": "file1", "c": "file2", "d": "file2", "e": "object", "keep": "chart", "over": "object"},
		},
		{
			name: "parameters-beat-valuesObject-set-string-beats-set",
			helm: &source.HelmSource{ValuesObject: map[string]any{"d": "object", "e": "object"}, Parameters: []source.HelmParameter{
				{Name: "d", Value: "param"}, {Name: "e", Value: "1,2", ForceString: true}, {Name: "list", Value: "{p,q}"}}},
			want: map[string]string{"d": "param", "e": "1,2", "list": `["p","q"]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := renderHelm(t, chartRepo(t), tt.helm)
			if err != nil {
				t.Fatal(err)
			}
			cm := find(res, "ConfigMap")
			if cm == nil {
				t.Fatalf("no ConfigMap in %v", res.Objects)
			}
			data := cm.Object["data"].(map[string]any)
			for k, v := range tt.want {
				if data[k] != v {
					t.Errorf("%s = %v, want %q", k, data[k], v)
				}
			}
		})
	}
}

func TestHelmRelease(t *testing.T) {
	res, err := renderHelm(t, chartRepo(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != source.TypeHelm {
		t.Fatalf("type = %s", res.Type)
	}
	cm := find(res, "ConfigMap")
	if cm.GetName() != "myapp-cm" || cm.GetNamespace() != "dest" {
		t.Errorf("release name/namespace: %s/%s", cm.GetNamespace(), cm.GetName())
	}
	if got := cm.Source.String(); got != "charts/mychart/templates/cm.yaml:2" {
		t.Errorf("provenance = %s", got)
	}
	if svc := find(res, "Service"); svc == nil || svc.GetName() != "myapp-svc" || svc.Source.String() != "charts/mychart/templates/cm.yaml:17" || svc.Source.Doc != 1 {
		t.Errorf("service = %+v", svc)
	}
	if find(res, "CustomResourceDefinition") == nil || find(res, "Pod") == nil {
		t.Errorf("CRDs and test hooks are included by default: %d objects", len(res.Objects))
	}
	if len(res.Objects) != 4 {
		t.Errorf("want 4 objects (partials, NOTES.txt and empty renders dropped), got %d", len(res.Objects))
	}
	read := strings.Join(res.ReadFiles, ",")
	if !strings.Contains(read, "charts/mychart/values.yaml") || !strings.Contains(read, "charts/mychart/templates/_helpers.tpl") {
		t.Errorf("chart files must be consumed: %v", res.ReadFiles)
	}

	res, err = renderHelm(t, chartRepo(t), &source.HelmSource{ReleaseName: "rel", Namespace: "helmns", SkipCrds: true, SkipTests: true,
		ValueFiles: []string{"../../envs/prod.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	cm = find(res, "ConfigMap")
	if cm.GetName() != "rel-cm" || cm.GetNamespace() != "helmns" || find(res, "CustomResourceDefinition") != nil || find(res, "Pod") != nil {
		t.Errorf("releaseName/namespace/skipCrds/skipTests not applied: %v", res.Objects)
	}
	if !strings.Contains(strings.Join(res.ReadFiles, ","), "envs/prod.yaml") {
		t.Errorf("value file not recorded as read: %v", res.ReadFiles)
	}
}

func TestHelmValueFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		helm    *source.HelmSource
		wantErr string
	}{
		{"missing-value-file", &source.HelmSource{ValueFiles: []string{"nope.yaml"}}, "no such file"},
		{"missing-ignored", &source.HelmSource{ValueFiles: []string{"nope.yaml"}, IgnoreMissingValueFiles: true}, ""},
		{"outside-repo", &source.HelmSource{ValueFiles: []string{"../../../x.yaml"}}, "outside repository root"},
		{"absolute-is-repo-relative", &source.HelmSource{ValueFiles: []string{"/envs/prod.yaml"}}, ""},
		{"remote", &source.HelmSource{ValueFiles: []string{"https://x/values.yaml"}}, "cannot be read offline"},
		{"template-error", &source.HelmSource{Values: "nested: 5\n"}, "helm template failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderHelm(t, chartRepo(t), tt.helm)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestHelmArgoCDSourceOverride(t *testing.T) {
	root := chartRepo(t)
	if err := os.WriteFile(filepath.Join(root, "charts/mychart/.argocd-source-myapp.yaml"),
		[]byte("helm:\n  parameters:\n  - name: a\n    value: override\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := renderHelm(t, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := find(res, "ConfigMap").Object["data"].(map[string]any)["a"]; got != "override" {
		t.Errorf("a = %v", got)
	}
}
