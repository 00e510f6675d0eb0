package source

import (
	"reflect"
	"testing"
)

func TestKustomize(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reviews\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: docker.io/istio/reviews:1.0\n"
	files := map[string]string{
		"base/kustomization.yaml":    "resources: [svc.yaml, deploy.yaml]\n",
		"base/svc.yaml":              "# comment\n" + obj("Service", "reviews"),
		"base/deploy.yaml":           deploy,
		"base/unused.yaml":           obj("ConfigMap", "unused"),
		"overlay/kustomization.yaml": "resources: [../base]\nnamespace: prod\n",
	}
	root := writeRepo(t, files)
	app := &Application{Name: "k", Sources: []AppSource{{Path: "overlay", Kustomize: &KustomizeSource{
		NamePrefix: "p-", Images: []string{"docker.io/istio/reviews:2.0"}, CommonLabels: map[string]string{"team": "a"},
	}}}}
	res, err := render(t, root, app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != TypeKustomize {
		t.Fatalf("type %s", res.Type)
	}
	var got []string
	for _, o := range res.Objects {
		got = append(got, o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()+" "+o.Source.String()+" "+o.GetLabels()["team"])
		if _, ok := o.GetAnnotations()[originAnnotation]; ok {
			t.Errorf("origin annotation not stripped")
		}
	}
	want := []string{"Service/prod/p-reviews base/svc.yaml:2 a", "Deployment/prod/p-reviews base/deploy.yaml:1 a"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	img, _, _ := unstructuredString(res.Objects[1].Object, "spec", "template", "spec", "containers")
	if img != "docker.io/istio/reviews:2.0" {
		t.Errorf("image = %q", img)
	}
	wantRead := []string{"base/deploy.yaml", "base/kustomization.yaml", "base/svc.yaml", "overlay/kustomization.yaml"}
	if !reflect.DeepEqual(res.ReadFiles, wantRead) {
		t.Errorf("read = %v", res.ReadFiles)
	}
}

func unstructuredString(m map[string]any, path ...string) (string, bool, error) {
	var cur any = m
	for _, p := range path {
		cur = cur.(map[string]any)[p]
	}
	c := cur.([]any)[0].(map[string]any)
	s, ok := c["image"].(string)
	return s, ok, nil
}

func TestKustomizeBuildErrorNamesFile(t *testing.T) {
	root := writeRepo(t, map[string]string{"k/kustomization.yaml": "resources: [missing.yaml]\n"})
	_, err := render(t, root, &Application{Name: "k", Sources: []AppSource{{Path: "k"}}}, Options{})
	if err == nil || !contains(err.Error(), "k/kustomization.yaml: kustomize build failed") {
		t.Fatalf("err = %v", err)
	}
}
