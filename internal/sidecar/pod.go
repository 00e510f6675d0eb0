package sidecar

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Names and keys shared with Istio; verify and the mesh simulator rely on the
// same strings, so they live in one place.
const (
	ProxyContainerName = "istio-proxy"
	StatusAnnotation   = "sidecar.istio.io/status"
	InjectKey          = "sidecar.istio.io/inject"
	TLSModeLabel       = "security.istio.io/tlsMode"
	CanonicalNameLabel = "service.istio.io/canonical-name"
	CanonicalRevLabel  = "service.istio.io/canonical-revision"
	NamespaceLabel     = "istio-injection"

	DefaultProxyImage = "docker.io/istio/proxyv2:1.28.0"
)

// HasSidecar reports whether a pod carries an Istio sidecar: an istio-proxy
// container, or the status annotation the injector writes. Both are checked
// because a pod can be injected by a real istiod (annotation and container)
// or listed with a trimmed spec; verify uses the same rule.
func HasSidecar(pod *corev1.Pod) bool {
	if pod == nil {
		return false
	}
	if _, ok := pod.Annotations[StatusAnnotation]; ok {
		return true
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == ProxyContainerName {
			return true
		}
	}
	// Native sidecars (Istio's ENABLE_NATIVE_SIDECARS) run the proxy as a
	// restartable init container.
	for _, c := range pod.Spec.InitContainers {
		if c.Name == ProxyContainerName {
			return true
		}
	}
	return false
}

// optedOut reports whether the pod asks not to be injected. Istio reads the
// label first and falls back to the annotation, and accepts the same
// spellings of "false" as it does here.
func optedOut(pod *corev1.Pod) bool {
	if v, ok := pod.Labels[InjectKey]; ok {
		return isFalse(v)
	}
	if v, ok := pod.Annotations[InjectKey]; ok {
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

// canonicalName follows Istio's precedence for the canonical service name:
// explicit label, the recommended Kubernetes label, the app label, then the
// workload name derived from the pod's generateName.
func canonicalName(pod *corev1.Pod) string {
	for _, k := range []string{CanonicalNameLabel, "app.kubernetes.io/name", "app"} {
		if v := pod.Labels[k]; v != "" {
			return v
		}
	}
	return workloadName(pod)
}

func canonicalRevision(pod *corev1.Pod) string {
	for _, k := range []string{CanonicalRevLabel, "app.kubernetes.io/version", "version"} {
		if v := pod.Labels[k]; v != "" {
			return v
		}
	}
	return "latest"
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
