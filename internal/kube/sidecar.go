package kube

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/sidecar"
)

// hasSidecar uses the same rule as the lab's injector stand-in (and Istio):
// an istio-proxy container, also as a native sidecar, or the
// sidecar.istio.io/status annotation.
func hasSidecar(p *corev1.Pod) bool { return sidecar.HasSidecar(p) }
