package kube

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// HasSidecar reports whether a pod runs an Istio proxy (mesh.HasSidecar):
// the sidecar.istio.io/status annotation, or an istio-proxy container, also
// as a native sidecar (init container).
func HasSidecar(p *corev1.Pod) bool {
	if p == nil {
		return false
	}
	names := make([]string, 0, len(p.Spec.Containers)+len(p.Spec.InitContainers))
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range p.Spec.InitContainers {
		names = append(names, c.Name)
	}
	return mesh.HasSidecar(p.Annotations, names...)
}
