// Package e2e holds the rollout's end-to-end tests in the lab (build tag
// e2e): real kube-apiserver, Argo CD, Prometheus, git daemon and the mesh
// simulator. Run with `go test -tags e2e -v ./internal/rollout/e2e/`.
package e2e
