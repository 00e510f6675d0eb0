package deploy

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	configCRD = "../config/crd/gitshift.dev_canarypolicies.yaml"
	chartCRD  = "chart/gitshift/files/gitshift.dev_canarypolicies.yaml"
)

// TestChartCRDMatchesConfig: a chart cannot read files outside its
// directory, so it carries a copy of config/crd (the controller's CRD).
// The copy must be byte-equal (-update copies it, in TestMain), and the rendered CRD must
// equal it but for the chart's labels and annotations.
func TestChartCRDMatchesConfig(t *testing.T) {
	src, err := os.ReadFile(configCRD)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(chartCRD)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, cp) {
		t.Fatalf("%s differs from %s: run go test ./deploy -update", chartCRD, configCRD)
	}

	o, ok := find(objects(t, render(t, nil)), "CustomResourceDefinition", "canarypolicies.gitshift.dev")
	if !ok {
		t.Fatal("the chart renders no CanaryPolicy CRD")
	}
	var want, got map[string]any
	if err := yaml.Unmarshal(src, &want); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(o.raw), &got); err != nil {
		t.Fatal(err)
	}
	meta := got["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if ann["helm.sh/resource-policy"] != "keep" || ann["argocd.argoproj.io/sync-options"] != "Prune=false,Delete=false" {
		t.Errorf("CRD annotations %v: want Helm and Argo CD to keep it by default", ann)
	}
	delete(meta, "labels")
	delete(meta, "annotations")
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the rendered CRD differs from %s beyond labels and annotations", configCRD)
	}
}

// TestChartCRDOptional: crds.install=false renders no CRD (installed
// separately, e.g. by a platform team), crds.keep=false no keep annotation.
func TestChartCRDOptional(t *testing.T) {
	objs := objects(t, render(t, map[string]any{"crds": map[string]any{"install": false}}))
	if _, ok := find(objs, "CustomResourceDefinition", "canarypolicies.gitshift.dev"); ok {
		t.Error("crds.install=false still renders the CRD")
	}
	o, ok := find(objects(t, render(t, map[string]any{"crds": map[string]any{"keep": false}})), "CustomResourceDefinition", "canarypolicies.gitshift.dev")
	if !ok {
		t.Fatal("crds.keep=false renders no CRD")
	}
	if bytes.Contains([]byte(o.raw), []byte("resource-policy")) || bytes.Contains([]byte(o.raw), []byte("Delete=false")) {
		t.Error("crds.keep=false still keeps the CRD on uninstall")
	}
}
