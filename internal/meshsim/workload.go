package meshsim

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/sidecar"
)

// unknown is the value Istio's telemetry uses for any label it cannot fill.
const unknown = "unknown"

// Workload is the identity a proxy reports for a pod: the values behind the
// source_* and destination_* labels of Istio's standard metrics.
type Workload struct {
	Name              string // owning workload, e.g. Deployment "reviews-v3"
	Namespace         string
	App               string // "app" label
	Version           string // "version" label
	CanonicalService  string
	CanonicalRevision string
	ServiceAccount    string
	// Sidecar is true when the pod has an Istio proxy (sidecar.HasSidecar),
	// or is itself a proxy (the ingress gateway).
	Sidecar bool
}

// Principal is the SPIFFE identity Istio puts in source_/destination_principal.
func (w Workload) Principal() string {
	return "spiffe://cluster.local/ns/" + w.Namespace + "/sa/" + w.ServiceAccount
}

// IngressGateway is the flow source name for traffic entering through
// Istio's ingress gateway. The gateway is not a pod in the lab: it is
// simulated as always present, with the identity of a default Istio install.
const IngressGateway = "istio-ingressgateway"

func ingressGatewayWorkload() Workload {
	return Workload{
		Name: IngressGateway, Namespace: "istio-system",
		App: IngressGateway, Version: unknown,
		CanonicalService: IngressGateway, CanonicalRevision: "latest",
		ServiceAccount: "istio-ingressgateway-service-account",
		Sidecar:        true,
	}
}

// unknownWorkload is what a destination proxy reports for a caller without
// a sidecar: no mTLS peer, no metadata exchange.
func unknownWorkload() Workload {
	return Workload{
		Name: unknown, Namespace: unknown, App: unknown, Version: unknown,
		CanonicalService: unknown, CanonicalRevision: unknown,
	}
}

// workloadOf derives a pod's identity the way Istio's metadata does: the
// workload is the controller owner, with a ReplicaSet's pod-template-hash
// stripped so pods of a Deployment report the Deployment's name.
func workloadOf(pod *corev1.Pod) Workload {
	w := Workload{
		Name:           pod.Name,
		Namespace:      pod.Namespace,
		App:            labelOr(pod.Labels, unknown, "app"),
		Version:        labelOr(pod.Labels, unknown, "version"),
		ServiceAccount: pod.Spec.ServiceAccountName,
		Sidecar:        sidecar.HasSidecar(pod),
	}
	if w.ServiceAccount == "" {
		w.ServiceAccount = "default"
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		w.Name = ref.Name
		if h := pod.Labels["pod-template-hash"]; ref.Kind == "ReplicaSet" && h != "" {
			w.Name = strings.TrimSuffix(ref.Name, "-"+h)
		}
	}
	w.CanonicalService = labelOr(pod.Labels, w.Name,
		sidecar.CanonicalNameLabel, "app.kubernetes.io/name", "app")
	w.CanonicalRevision = labelOr(pod.Labels, "latest",
		sidecar.CanonicalRevLabel, "app.kubernetes.io/version", "version")
	return w
}

func labelOr(labels map[string]string, def string, keys ...string) string {
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return def
}

// podReady is Envoy's view of a healthy endpoint: Kubernetes publishes only
// ready, non-terminating pods as ready endpoints.
func podReady(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// selects reports whether every key=value of sel is among labels. An empty
// selector selects nothing, like a Service without a selector has no
// automatic endpoints.
func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
