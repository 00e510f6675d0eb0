package source

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestAppPathRules(t *testing.T) {
	files := map[string]string{"app/a.yaml": obj("A", "a"), "top.yaml": obj("T", "t"), "file.yaml": obj("F", "f")}
	tests := []struct {
		path, wantErr string
	}{
		{path: "", wantErr: ""},
		{path: ".", wantErr: ""},
		{path: "app", wantErr: ""},
		{path: "app/../app", wantErr: ""},
		{path: "../outside", wantErr: "app path outside root"},
		{path: "app/../../x", wantErr: "app path outside root"},
		{path: "/etc", wantErr: "app path is absolute"},
		{path: "missing", wantErr: "app path does not exist"},
		{path: "file.yaml", wantErr: "app path is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			root := writeRepo(t, files)
			app := dirApp(tt.path, nil)
			app.Origin = Provenance{File: "argocd/app.yaml", Line: 1}
			_, err := render(t, root, app, Options{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var me *ManifestError
			if !errors.As(err, &me) || me.File != "argocd/app.yaml" || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ManifestError at the Application containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTypeDetection(t *testing.T) {
	kust := "resources: [a.yaml]\n"
	tests := []struct {
		name    string
		files   map[string]string
		src     AppSource
		want    Type
		wantErr string
	}{
		{name: "plain-directory", files: map[string]string{"app/a.yaml": obj("A", "a")}, want: TypeDirectory},
		{name: "kustomization-wins-over-chart", files: map[string]string{"app/Chart.yaml": "name: c\nversion: 0.1.0\napiVersion: v2\n", "app/kustomization.yaml": kust, "app/a.yaml": obj("A", "a")}, want: TypeKustomize},
		{name: "Kustomization-file", files: map[string]string{"app/Kustomization": kust, "app/a.yaml": obj("A", "a")}, want: TypeKustomize},
		{name: "chart-in-subdir-is-directory", files: map[string]string{"app/sub/Chart.yaml": "name: c\n", "app/a.yaml": obj("A", "a")}, want: TypeDirectory},
		{name: "directory-block-with-defaults-autodetects", files: map[string]string{"app/kustomization.yml": kust, "app/a.yaml": obj("A", "a")}, src: AppSource{Directory: &DirectorySource{}}, want: TypeKustomize},
		{name: "explicit-directory-wins", files: map[string]string{"app/kustomization.yaml": kust, "app/a.yaml": obj("A", "a")}, src: AppSource{Directory: &DirectorySource{Recurse: true}}, want: TypeDirectory},
		{name: "two-blocks-error", files: map[string]string{"app/a.yaml": obj("A", "a")}, src: AppSource{Directory: &DirectorySource{Recurse: true}, Kustomize: &KustomizeSource{NamePrefix: "x-"}}, wantErr: "multiple application sources defined: Kustomize,Directory"},
		{name: "plugin-unsupported", files: map[string]string{"app/a.yaml": obj("A", "a")}, src: AppSource{Plugin: map[string]any{"name": "cmp"}}, wantErr: `config management plugin "cmp" runs a program: not rendered offline`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			src := tt.src
			src.Path = "app"
			app := &Application{Name: "app", Sources: []AppSource{src}}
			res, err := render(t, root, app, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != tt.want {
				t.Errorf("type = %s, want %s", res.Type, tt.want)
			}
		})
	}
}

func TestPluginErrorIsUnsupported(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/a.yaml": obj("A", "a")})
	app := &Application{Name: "app", Sources: []AppSource{{Path: "app", Plugin: map[string]any{}}}}
	_, err := render(t, root, app, Options{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Type != TypePlugin {
		t.Fatalf("err = %v", err)
	}
}

func TestArgoCDSourceOverrides(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"app/a.yaml":                obj("A", "a"),
		"app/sub/b.yaml":            obj("B", "b"),
		"app/sub/c.yaml":            obj("C", "c"),
		"app/.argocd-source.yaml":   "directory:\n  recurse: true\n  exclude: sub/c.yaml\npath: elsewhere\n",
		"app/.argocd-source-x.yaml": "directory:\n  exclude: null\n  include: '{a.yaml,sub/*}'\n",
	})
	app := dirApp("app", nil)
	app.Name = "x"
	res, err := render(t, root, app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(names(res)); !reflect.DeepEqual(got, []string{"A/a", "B/b", "C/c"}) {
		t.Errorf("objects = %v", got)
	}
	if res.Source.Path != "app" || res.Source.Directory == nil || res.Source.Directory.Exclude != "" {
		t.Errorf("effective source = %+v", res.Source)
	}
	if !reflect.DeepEqual(res.ReadFiles[:2], []string{"app/.argocd-source-x.yaml", "app/.argocd-source.yaml"}) {
		t.Errorf("read files = %v", res.ReadFiles)
	}
	// The generic file alone: c.yaml excluded. Other app names ignore -x.
	app.Name = "other"
	res, err = render(t, root, app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(names(res)); !reflect.DeepEqual(got, []string{"A/a", "B/b"}) {
		t.Errorf("objects = %v", got)
	}
}

func TestEffectiveNamespace(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/m.yaml": obj("ConfigMap", "cm") + "---\n" + obj("Namespace", "ns") +
		"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: own}\n"})
	res, err := render(t, root, dirApp("app", nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Objects {
		got = append(got, o.GetName()+"="+o.EffectiveNamespace("dest")+"/"+o.GetNamespace())
	}
	want := []string{"cm=dest/", "ns=/", "cr=/", "s=own/own"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestVersionParsing(t *testing.T) {
	if _, err := render(t, writeRepo(t, map[string]string{"a.yaml": obj("A", "a")}), nil, Options{ArgoCDVersion: "three"}); err == nil {
		t.Fatal("want error for invalid version")
	}
	for _, v := range []string{"2.14", "v2.14.21", "3", "3.1.0"} {
		if _, err := parseVersion(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestNormalizeArgoCDVersion(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"3", "", true}, {"3.x", "", true}, {"3.1", "3.1", true}, {"v2.14.21", "v2.14.21", true},
		{"2.x", "2.14", true}, {"2", "2.14", true}, {"2.14", "2.14", true},
		{"latest", "", false}, {"3.1-rc1", "", false}, {"three", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeArgoCDVersion(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeArgoCDVersion(%q) = %q, %v", tt.in, got, err)
		}
		if err == nil {
			if _, err := parseVersion(got); err != nil {
				t.Errorf("%q normalised to %q, which Render rejects: %v", tt.in, got, err)
			}
		}
	}
}
