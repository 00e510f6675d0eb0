package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The lab installs gitshift the way the chart does (deploy/chart/gitshift):
// its CRD always, its ServiceAccount and RBAC when the controller runs.
// Both come from rendering the chart in this clone, so a rule missing from
// the chart is missing in the lab too.
const (
	ChartDir            = "deploy/chart/gitshift"
	ChartRelease        = "gitshift"
	ControllerNamespace = "gitshift-system"
	// ArgoCDHealthPatch is the argocd-cm patch that teaches Argo CD the
	// CanaryPolicy health check; the lab merges it into its argocd-cm.
	ArgoCDHealthPatch = "deploy/argocd/argocd-cm-patch.yaml"
)

// Chart is the rendered gitshift chart.
type Chart struct{ Objects []*unstructured.Unstructured }

// RenderChart renders the chart in repoRoot like `helm template gitshift
// deploy/chart/gitshift -n gitshift-system`, with the lab's helm binary
// (the one Argo CD's repo-server uses), the chart's default values, and
// helm's state kept in stateDir.
func RenderChart(ctx context.Context, helm, repoRoot, stateDir string) (*Chart, error) {
	chart := filepath.Join(repoRoot, ChartDir)
	args := []string{"template", ChartRelease, chart, "--namespace", ControllerNamespace}
	// helm template assumes an old Kubernetes unless told; the chart
	// requires a newer one. The lab runs its kube-apiserver's version.
	if t, ok := ToolByName("kube-apiserver"); ok {
		args = append(args, "--kube-version", t.Version)
	}
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(stateDir, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(stateDir, "config"),
		"HELM_DATA_HOME="+filepath.Join(stateDir, "data"))
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return nil, fmt.Errorf("helm template %s: %w: %s", chart, err, stderr)
	}
	objs, err := DecodeYAML(out)
	if err != nil {
		return nil, fmt.Errorf("helm template %s: %w", chart, err)
	}
	return &Chart{Objects: objs}, nil
}

// Kinds returns the rendered objects of the given kinds, in render order.
func (c *Chart) Kinds(kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range c.Objects {
		if slices.Contains(kinds, o.GetKind()) {
			out = append(out, o)
		}
	}
	return out
}

// RBAC is what the controller runs as: its ServiceAccount, (Cluster)Roles
// and their bindings, as the chart renders them.
func (c *Chart) RBAC() []*unstructured.Unstructured {
	return c.Kinds("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
}

// ServiceAccount is the name of the chart's ServiceAccount.
func (c *Chart) ServiceAccount() (string, error) {
	sas := c.Kinds("ServiceAccount")
	if len(sas) != 1 {
		return "", fmt.Errorf("the chart renders %d ServiceAccounts, want 1", len(sas))
	}
	return sas[0].GetName(), nil
}

// mergeArgoCDHealth adds the data of the argocd-cm patch file to the lab's
// argocd-cm among objs (the lab's own keys stay).
func mergeArgoCDHealth(objs []*unstructured.Unstructured, patchFile string) error {
	b, err := os.ReadFile(patchFile)
	if err != nil {
		return fmt.Errorf("reading the Argo CD health check: %w", err)
	}
	patch, err := DecodeYAML(b)
	if err != nil || len(patch) != 1 || patch[0].GetKind() != "ConfigMap" || patch[0].GetName() != "argocd-cm" {
		return fmt.Errorf("%s: want one ConfigMap argocd-cm (%v)", patchFile, err)
	}
	data, _, err := unstructured.NestedStringMap(patch[0].Object, "data")
	if err != nil || len(data) == 0 {
		return fmt.Errorf("%s: no data (%v)", patchFile, err)
	}
	for _, o := range objs {
		if o.GetKind() != "ConfigMap" || o.GetName() != "argocd-cm" {
			continue
		}
		have, _, _ := unstructured.NestedStringMap(o.Object, "data")
		if have == nil {
			have = map[string]string{}
		}
		for k, v := range data {
			have[k] = v
		}
		return unstructured.SetNestedStringMap(o.Object, have, "data")
	}
	return fmt.Errorf("the lab content has no argocd-cm to merge %s into", patchFile)
}
