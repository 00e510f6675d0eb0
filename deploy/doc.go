// Package deploy holds gitshift's packaging: the Helm chart (chart/gitshift),
// the container image (Dockerfile) and the Argo CD health check for
// CanaryPolicy (argocd/). It has no code; its tests lint and render the chart
// against golden files, keep the chart's CRD and RBAC equal to the
// controller's, run the health check the way Argo CD runs it, and build the
// binary the way the Dockerfile does.
package deploy
