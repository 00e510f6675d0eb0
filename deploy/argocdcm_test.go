package deploy

import (
	"bytes"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"sigs.k8s.io/yaml"
)

const (
	argocdCMPatch = "argocd/argocd-cm-patch.yaml"
	chartLuaCopy  = "chart/gitshift/files/argocd-health-canarypolicy.lua"
	// Argo CD's key: resource.customizations.health.<group>_<kind>.
	healthKey = "resource.customizations.health.gitshift.dev_CanaryPolicy"
)

const patchHeader = `# Merge into the argocd-cm ConfigMap (Argo CD 2.14 and 3.x), e.g.
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file deploy/argocd/argocd-cm-patch.yaml
# or as a kustomize patch of your Argo CD installation. Generated from
# health-canarypolicy.lua by ` + "`go test ./deploy -update`" + `: edit the .lua file.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/part-of: argocd
data:
  ` + healthKey + `: |
`

// wantPatch is the argocd-cm patch carrying script as a literal block.
func wantPatch(script string) string {
	var b strings.Builder
	b.WriteString(patchHeader)
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		if line != "" {
			b.WriteString("    " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestArgoCDPatchCarriesScript: the argocd-cm patch and the chart's copy
// hold the shipped script byte for byte (-update regenerates both), under
// the key Argo CD reads for gitshift.dev/CanaryPolicy.
func TestArgoCDPatchCarriesScript(t *testing.T) {
	script := readScript(t)
	b, err := os.ReadFile(argocdCMPatch)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != wantPatch(script) {
		t.Errorf("%s is stale: go test ./deploy -update", argocdCMPatch)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(b, &cm); err != nil {
		t.Fatalf("%s: %v", argocdCMPatch, err)
	}
	if cm.Name != "argocd-cm" || len(cm.Data) != 1 {
		t.Errorf("%s: %s: want argocd-cm with one key", argocdCMPatch, cm.Name)
	}
	if cm.Data[healthKey] != script {
		t.Errorf("%s: data[%s] is not %s verbatim", argocdCMPatch, healthKey, healthScript)
	}
	// Argo CD splits the part after "health." at "_" into group and kind.
	group, kind, ok := strings.Cut(strings.TrimPrefix(healthKey, "resource.customizations.health."), "_")
	if !ok || group != "gitshift.dev" || kind != "CanaryPolicy" || strings.Contains(kind, "_") {
		t.Errorf("key %s names %s/%s", healthKey, group, kind)
	}
	cp, err := os.ReadFile(chartLuaCopy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cp, []byte(script)) {
		t.Errorf("%s differs from %s: go test ./deploy -update", chartLuaCopy, healthScript)
	}
}
