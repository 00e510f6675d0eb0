package lab

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// LabApplication reads the example's Argo CD Application from path and
// returns a copy pointed at the lab: repoURL = the lab Git server,
// destination = the lab API server. The example's file stays unchanged.
func LabApplication(path, repoURL, server string) (*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the example Application: %w", err)
	}
	objs, err := DecodeYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var app *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Application" {
			if app != nil {
				return nil, fmt.Errorf("%s: more than one Application", path)
			}
			app = o
		}
	}
	if app == nil {
		return nil, fmt.Errorf("%s: no Application in the file", path)
	}
	return PointApplication(app, repoURL, server)
}

// PointApplication rewrites a copy of app's source repoURL (single source or
// every entry of spec.sources) and destination to the lab.
func PointApplication(app *unstructured.Unstructured, repoURL, server string) (*unstructured.Unstructured, error) {
	out := app.DeepCopy()
	if out.GetNamespace() == "" {
		out.SetNamespace(ArgoCDNamespace)
	}
	if _, ok, _ := unstructured.NestedMap(out.Object, "spec", "source"); ok {
		if err := unstructured.SetNestedField(out.Object, repoURL, "spec", "source", "repoURL"); err != nil {
			return nil, fmt.Errorf("setting repoURL: %w", err)
		}
	}
	if srcs, ok, _ := unstructured.NestedSlice(out.Object, "spec", "sources"); ok {
		for i := range srcs {
			if m, ok := srcs[i].(map[string]any); ok {
				m["repoURL"] = repoURL
			}
		}
		if err := unstructured.SetNestedSlice(out.Object, srcs, "spec", "sources"); err != nil {
			return nil, fmt.Errorf("setting sources: %w", err)
		}
	}
	unstructured.RemoveNestedField(out.Object, "spec", "destination", "name")
	if err := unstructured.SetNestedField(out.Object, server, "spec", "destination", "server"); err != nil {
		return nil, fmt.Errorf("setting destination: %w", err)
	}
	return out, nil
}
