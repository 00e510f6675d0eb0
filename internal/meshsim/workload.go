package meshsim

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

// unknown is the value Istio's telemetry uses for any label it cannot fill.
const unknown = mesh.UnknownValue

// Workload is the identity a proxy reports for a pod: the values behind the
// source_* and destination_* labels of Istio's standard metrics.
type Workload struct {
	Name              string // owning workload, e.g. Deployment "reviews-v3"
	Namespace         string
	App               string // mesh.ReportedApp: the "app" label
	Version           string // mesh.ReportedVersion: the "version" label
	CanonicalService  string
	CanonicalRevision string
	ServiceAccount    string
	// Sidecar is true when the pod has an Istio proxy (kube.HasSidecar),
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
		CanonicalService: IngressGateway, CanonicalRevision: mesh.DefaultRevision,
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
		App:            mesh.ReportedApp(pod.Labels),
		Version:        mesh.ReportedVersion(pod.Labels),
		ServiceAccount: pod.Spec.ServiceAccountName,
		Sidecar:        kube.HasSidecar(pod),
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
	w.CanonicalService = mesh.CanonicalName(pod.Labels, w.Name)
	w.CanonicalRevision = mesh.CanonicalRevision(pod.Labels)
	return w
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
