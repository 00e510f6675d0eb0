package mesh

// Labels and annotations Istio reads from (or writes to) pods. They live
// here, with the model, so that verify, the rollout, the lab's injector and
// its mesh simulator read one set of names.
const (
	ProxyContainerName      = "istio-proxy"
	SidecarStatusAnnotation = "sidecar.istio.io/status"
	InjectKey               = "sidecar.istio.io/inject" // label or annotation
	TLSModeLabel            = "security.istio.io/tlsMode"
	CanonicalNameLabel      = "service.istio.io/canonical-name"
	CanonicalRevisionLabel  = "service.istio.io/canonical-revision"
	InjectionLabel          = "istio-injection" // on namespaces
	RevisionLabel           = "istio.io/rev"    // on namespaces or pods

	// AppLabel and VersionLabel are the pod labels Istio's telemetry reports
	// as destination_app and destination_version.
	AppLabel     = "app"
	VersionLabel = "version"

	// UnknownValue is what Istio's telemetry reports for a label it cannot
	// fill, e.g. destination_version of a pod without a version label.
	UnknownValue = "unknown"
	// DefaultRevision is the canonical revision of a pod without any of the
	// labels CanonicalRevision reads.
	DefaultRevision = "latest"
)

// Istio's precedence for a workload's canonical service name and revision
// (pkg/kube/labels in istio/istio): the explicit label, the recommended
// Kubernetes label, then Istio's own short label.
var (
	canonicalNameKeys     = []string{CanonicalNameLabel, "app.kubernetes.io/name", AppLabel}
	canonicalRevisionKeys = []string{CanonicalRevisionLabel, "app.kubernetes.io/version", VersionLabel}
)

// CanonicalName is the canonical service Istio derives for a pod with these
// labels; workload (the owning workload's name) when none is set. Like
// Istio, a label that is present wins even when its value is empty.
func CanonicalName(labels map[string]string, workload string) string {
	if v, ok := firstLabel(labels, canonicalNameKeys); ok {
		return v
	}
	return workload
}

// CanonicalRevision is the canonical revision Istio derives for a pod with
// these labels (destination_canonical_revision); DefaultRevision when none
// is set.
func CanonicalRevision(labels map[string]string) string {
	if v, ok := firstLabel(labels, canonicalRevisionKeys); ok {
		return v
	}
	return DefaultRevision
}

func firstLabel(labels map[string]string, keys []string) (string, bool) {
	for _, k := range keys {
		if v, ok := labels[k]; ok {
			return v, true
		}
	}
	return "", false
}

// ReportedVersion is the destination_version Istio's telemetry reports for
// requests to a pod with these labels. The proxy's stats filter reads the
// pod's `version` label (node metadata LABELS["version"]), not the canonical
// revision, and reports UnknownValue when it is missing or empty.
func ReportedVersion(podLabels map[string]string) string {
	if v := podLabels[VersionLabel]; v != "" {
		return v
	}
	return UnknownValue
}

// ReportedApp is the destination_app Istio reports: the `app` label, or
// UnknownValue.
func ReportedApp(podLabels map[string]string) string {
	if v := podLabels[AppLabel]; v != "" {
		return v
	}
	return UnknownValue
}

// HasSidecar reports whether a pod runs an Istio proxy, from its
// annotations and the names of its containers and init containers: the
// sidecar.istio.io/status annotation the injector writes, or an istio-proxy
// container (an init container when Istio runs it as a native sidecar).
// Both are checked because a pod can be listed with a trimmed spec.
func HasSidecar(annotations map[string]string, containerNames ...string) bool {
	if _, ok := annotations[SidecarStatusAnnotation]; ok {
		return true
	}
	for _, n := range containerNames {
		if n == ProxyContainerName {
			return true
		}
	}
	return false
}
