// Package adapt fits gitshift's packages to the rollout engine's small
// interfaces: the statistical judge, Prometheus counters and queries, Argo
// CD's sync wait, the live VirtualService, Git history and shifts, webhooks
// and Kubernetes Events. One file per system; the engine itself imports none
// of them, so its tests run on fakes.
package adapt
