{{/*
The controller's permissions: exactly controller.Rules
(internal/controller/rbac.go, explained in docs/controller-rbac.md).
deploy's TestChartRBACMatchesController fails when they drift apart.
They are split by the namespace the objects live in, so that the
namespaced mode (watchNamespaces) grants each set only where it is used;
the cluster mode grants their union in one ClusterRole.
*/}}

{{/* In every namespace whose CanaryPolicies the controller reconciles. */}}
{{- define "gitshift.rules.watched" -}}
# The reconciled objects and their status subresource.
- apiGroups: [gitshift.dev]
  resources: [canarypolicies]
  verbs: [get, list, watch]
- apiGroups: [gitshift.dev]
  resources: [canarypolicies/status]
  verbs: [get, update, patch]
# The per-VirtualService rollout Lease (one runner per canary, CLI included).
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
# Events on the CanaryPolicy.
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
# spec.git.secretRef and notification secretRefs, read by name, never listed.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# Canary subset -> workloads: Services, workloads, DestinationRule subsets.
- apiGroups: [""]
  resources: [services]
  verbs: [list]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [list, watch]
- apiGroups: [apps]
  resources: [daemonsets]
  verbs: [list]
- apiGroups: [argoproj.io]
  resources: [rollouts]
  verbs: [list]
- apiGroups: [networking.istio.io]
  resources: [destinationrules]
  verbs: [list]
# The live weights, compared with Git after every sync (watched while
# Argo CD applies a step, so the step goes on the moment they change).
- apiGroups: [networking.istio.io]
  resources: [virtualservices]
  verbs: [get, watch]
{{- end -}}

{{/* In argocd.namespace: the Applications the policies name. */}}
{{- define "gitshift.rules.argocd" -}}
# Read, wait for a revision, set the refresh annotation.
- apiGroups: [argoproj.io]
  resources: [applications]
  verbs: [get, watch, patch]
# Events on the Application (commits, decisions).
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{/* In the release namespace: leader election between the replicas. */}}
{{- define "gitshift.rules.leaderElection" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
