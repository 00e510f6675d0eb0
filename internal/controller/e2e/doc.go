// Package e2e holds `gitshift controller`'s end-to-end tests in the lab
// (build tag e2e): real kube-apiserver, Argo CD 2.14 with the CanaryPolicy
// health check, Prometheus, git daemon, the mesh simulator, and two
// controller replicas running as the chart's ServiceAccount with the
// chart's RBAC (`gitshift lab up --controller`). One lab serves every
// scenario. Run with `make e2e-controller`.
//
// The scale benchmark (20 concurrent rollouts, the controller's peak RSS
// and CPU) runs only with GITSHIFT_BENCH_CONTROLLER_LAB=1
// (`make bench-controller-lab`).
package e2e
