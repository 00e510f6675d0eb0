package controller

import rbacv1 "k8s.io/api/rbac/v1"

// Rules are the permissions the controller uses, exactly: docs/controller-rbac.md
// renders them with the reason for each, and the chart's ClusterRole grants
// them. A test keeps the doc and this list equal.
var Rules = []rbacv1.PolicyRule{
	rule("gitshift.dev", "canarypolicies", "get", "list", "watch"),
	rule("gitshift.dev", "canarypolicies/status", "get", "update", "patch"),
	rule("coordination.k8s.io", "leases", "get", "create", "update"),
	rule("", "events", "create", "patch"),
	rule("events.k8s.io", "events", "create", "patch"),
	rule("", "secrets", "get"),
	rule("", "services", "list"),
	rule("apps", "deployments", "list", "watch"),
	rule("apps", "statefulsets", "list", "watch"),
	rule("apps", "daemonsets", "list"),
	rule("argoproj.io", "rollouts", "list"),
	rule("argoproj.io", "applications", "get", "watch", "patch"),
	rule("networking.istio.io", "virtualservices", "get", "watch"),
	rule("networking.istio.io", "destinationrules", "list"),
}

func rule(group, resource string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: verbs}
}
