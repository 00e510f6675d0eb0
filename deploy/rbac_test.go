package deploy

import (
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/controller"
)

// grants expands rules into "group resource verb" lines, one permission each.
func grants(rules []rbacv1.PolicyRule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[g+" "+res+" "+v] = true
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// chartRBAC collects the rules of every (Cluster)Role the chart renders and
// checks each binding gives its role to the chart's ServiceAccount.
func chartRBAC(t *testing.T, objs []object) (cluster, namespaced map[string][]rbacv1.PolicyRule) {
	t.Helper()
	cluster, namespaced = map[string][]rbacv1.PolicyRule{}, map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		switch o.Kind {
		case "ClusterRole", "Role":
			var r rbacv1.Role // same fields as ClusterRole but aggregation
			if err := yaml.Unmarshal([]byte(o.raw), &r); err != nil {
				t.Fatal(err)
			}
			for _, rule := range r.Rules {
				if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 || slices.Contains(rule.Verbs, "*") ||
					slices.Contains(rule.Resources, "*") || slices.Contains(rule.APIGroups, "*") {
					t.Errorf("%s: rule %+v is not one the controller lists", o, rule)
				}
			}
			if o.Kind == "ClusterRole" {
				cluster[o.Metadata.Name] = r.Rules
			} else {
				namespaced[o.Metadata.Namespace+"/"+o.Metadata.Name] = r.Rules
			}
		case "ClusterRoleBinding", "RoleBinding":
			var b rbacv1.RoleBinding
			if err := yaml.Unmarshal([]byte(o.raw), &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Subjects) != 1 || b.Subjects[0].Kind != "ServiceAccount" || b.Subjects[0].Name != releaseName || b.Subjects[0].Namespace != releaseNS {
				t.Errorf("%s: subjects %+v, want the chart's ServiceAccount only", o, b.Subjects)
			}
			if b.RoleRef.Kind != strings.TrimSuffix(o.Kind, "Binding") || b.RoleRef.Name != o.Metadata.Name {
				t.Errorf("%s: roleRef %+v", o, b.RoleRef)
			}
		}
	}
	return cluster, namespaced
}

// TestChartRBACMatchesController: the chart grants exactly controller.Rules
// (docs/controller-rbac.md), no permission more and none less, in both the
// cluster mode and the namespaced mode; each mode uses the kind of role it
// promises.
func TestChartRBACMatchesController(t *testing.T) {
	want := sortedKeys(grants(controller.Rules))
	tests := []struct {
		variant          string
		wantClusterRoles int
		wantRoles        []string
	}{
		{variant: "default", wantClusterRoles: 1, wantRoles: []string{releaseNS + "/gitshift-leader-election"}},
		{variant: "sharded", wantRoles: []string{
			"argo/gitshift-argocd", releaseNS + "/gitshift-leader-election", "team-a/gitshift",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			cluster, namespaced := chartRBAC(t, objects(t, render(t, variantNamed(t, tt.variant).valueMap(t))))
			if len(cluster) != tt.wantClusterRoles {
				t.Errorf("%d ClusterRoles, want %d", len(cluster), tt.wantClusterRoles)
			}
			var roles []string
			all := map[string]bool{}
			for name, rules := range namespaced {
				roles = append(roles, name)
				for g := range grants(rules) {
					all[g] = true
				}
			}
			for _, rules := range cluster {
				for g := range grants(rules) {
					all[g] = true
				}
			}
			slices.Sort(roles)
			if !slices.Equal(roles, tt.wantRoles) {
				t.Errorf("Roles %q, want %q", roles, tt.wantRoles)
			}
			got := sortedKeys(all)
			for _, g := range got {
				if !slices.Contains(want, g) {
					t.Errorf("chart grants %q, which controller.Rules does not list", g)
				}
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("chart lacks %q from controller.Rules", w)
				}
			}
		})
	}
}
