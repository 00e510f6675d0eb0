package kube

import corev1 "k8s.io/api/core/v1"

// hasSidecar is Istio's rule for an injected pod: the sidecar.istio.io/status
// annotation the injector writes, or an istio-proxy container (also as a
// native sidecar init container).
// TODO(integration): call sidecar.HasSidecar once internal/sidecar is
// committed; it implements the same rule for the lab's injector.
func hasSidecar(p *corev1.Pod) bool {
	if _, ok := p.Annotations["sidecar.istio.io/status"]; ok {
		return true
	}
	for _, cs := range [][]corev1.Container{p.Spec.Containers, p.Spec.InitContainers} {
		for _, c := range cs {
			if c.Name == "istio-proxy" {
				return true
			}
		}
	}
	return false
}
