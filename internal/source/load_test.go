package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseApplications(t *testing.T) {
	data, err := os.ReadFile("testdata/valid-applications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := ParseApplications(data, "argocd/apps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 {
		t.Fatalf("got %d apps", len(apps))
	}
	a := apps[0]
	if a.Name != "bookinfo" || a.Namespace != "argocd" || a.Destination.Namespace != "bookinfo" ||
		len(a.Sources) != 1 || a.Sources[0].Path != "examples/bookinfo-gitops" || !a.Sources[0].Directory.Recurse ||
		!a.SyncPolicy.Automated.SelfHeal {
		t.Errorf("app 0 = %+v", a)
	}
	if want := (Provenance{File: "argocd/apps.yaml", Doc: 0, Line: 2, Item: -1}); a.Origin != want {
		t.Errorf("origin = %+v, want %+v", a.Origin, want)
	}
	m := apps[1]
	if m.Origin.Doc != 2 || m.Origin.Line != 25 || len(m.Sources) != 2 || m.Sources[1].Ref != "values" ||
		!reflect.DeepEqual(m.Sources[0].Helm.Parameters, []HelmParameter{{Name: "weight", Value: "10"}}) {
		t.Errorf("app 1 = %+v", m)
	}
}

func TestFindApplications(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid-applications.yaml")
	invalid, _ := os.ReadFile("testdata/invalid-application-syntax.yaml")
	root := writeRepo(t, map[string]string{
		"argocd/apps.yaml":            string(valid),
		"argocd/broken.yml":           string(invalid),
		"other/broken.yaml":           "Application: [unclosed\n",
		"chart/Chart.yaml":            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/templates/app.yaml":    "kind: Application\n{{ if .Values.x }}\n",
		".git/config.yaml":            "kind: Application\n: :\n",
		"examples/app.json":           `{"kind":"Application"}`,
		"examples/plain/deploy.yaml":  obj("Deployment", "d"),
		"examples/plain/not-app.yaml": "kind: Application\napiVersion: other.io/v1\nmetadata: {name: n}\n",
	})
	apps, err := FindApplications(root)
	if len(apps) != 2 || apps[0].Origin.File != "argocd/apps.yaml" {
		t.Errorf("apps = %+v", apps)
	}
	var me *ManifestError
	// The unclosed `[` is on line 7 (go-yaml says "line 6": it counts
	// parser problems from 0).
	if !errors.As(err, &me) || me.File != "argocd/broken.yml" || me.Line != 7 {
		t.Fatalf("err = %v (%#v)", err, me)
	}
}

func TestManifestCandidates(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"a.yaml": "", "b/c.yml": "", "b/d.json": "", "e.YAML": "", "README.md": "", ".git/x.yaml": "", "f.jsonnet": "",
	})
	if err := os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	got, err := ManifestCandidates(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.yaml", "b/c.yml", "b/d.json", "f.jsonnet"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
