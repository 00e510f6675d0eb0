package sidecar

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// DefaultProxyImage is the proxy image the injector stand-in adds; the
// names and keys Istio reads live in package mesh.
const DefaultProxyImage = "docker.io/istio/proxyv2:1.28.0"

// optedOut reports whether the pod asks not to be injected. Istio reads the
// label first and falls back to the annotation, and accepts the same
// spellings of "false" as it does here.
func optedOut(pod *corev1.Pod) bool {
	if v, ok := pod.Labels[mesh.InjectKey]; ok {
		return isFalse(v)
	}
	if v, ok := pod.Annotations[mesh.InjectKey]; ok {
		return isFalse(v)
	}
	return false
}

func isFalse(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "n", "no", "off":
		return true
	}
	return false
}

// canonicalName is Istio's canonical service name for the pod, with the
// workload name derived from its generateName as the last resort.
func canonicalName(pod *corev1.Pod) string {
	return mesh.CanonicalName(pod.Labels, workloadName(pod))
}

// workloadName guesses the owning workload at admission time, when the pod
// has only a generateName such as "reviews-v3-7d9f8c6b5-" (Deployment name,
// ReplicaSet hash). It strips the hash the way Istio does.
func workloadName(pod *corev1.Pod) string {
	name := pod.Name
	if name == "" {
		name = strings.TrimSuffix(pod.GenerateName, "-")
	}
	if h := pod.Labels["pod-template-hash"]; h != "" {
		name = strings.TrimSuffix(name, "-"+h)
	}
	return name
}
