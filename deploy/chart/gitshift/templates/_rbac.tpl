{{/*
The controller's permissions, exactly the list in docs/controller-rbac.md
(deploy's TestChartRBACMatchesController fails when they drift apart).
Split by where the objects live, so the namespaced mode can grant each set
in its own namespaces.
*/}}

{{/* Objects in the namespaces the controller watches. */}}
{{- define "gitshift.rules.watched" -}}
- apiGroups: [gitshift.dev]
  resources: [canarypolicies]
  verbs: [get, list, watch]
- apiGroups: [gitshift.dev]
  resources: [canarypolicies/status]
  verbs: [get, update, patch]
- apiGroups: [networking.istio.io]
  resources: [virtualservices, destinationrules]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods, services]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end -}}

{{/* Argo CD Applications, in argocd.namespace. */}}
{{- define "gitshift.rules.argocd" -}}
- apiGroups: [argoproj.io]
  resources: [applications]
  verbs: [get, list, watch, patch]
{{- end -}}

{{/* Leader election, in the release namespace. */}}
{{- define "gitshift.rules.leaderElection" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
