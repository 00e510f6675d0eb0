package sidecar

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

// PatchOp is one RFC 6902 JSON Patch operation, the format admission/v1
// expects in a mutating webhook's response.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// status is the value of the sidecar.istio.io/status annotation, in Istio's
// field order and spelling; tools parse it to find what was injected.
type status struct {
	InitContainers   []string `json:"initContainers"`
	Containers       []string `json:"containers"`
	Volumes          []string `json:"volumes"`
	ImagePullSecrets []string `json:"imagePullSecrets"`
	Revision         string   `json:"revision"`
}

// Patch returns the JSON Patch that injects the sidecar into pod, or nil when
// the pod must be left alone: already injected (so a re-invocation or a
// second injector is a no-op), opted out, or on the host network.
func Patch(pod *corev1.Pod, proxyImage string) ([]PatchOp, error) {
	if kube.HasSidecar(pod) || optedOut(pod) || pod.Spec.HostNetwork {
		return nil, nil
	}
	if proxyImage == "" {
		proxyImage = DefaultProxyImage
	}
	vols := volumes()
	st := status{Containers: []string{mesh.ProxyContainerName}, Revision: "default"}
	for _, v := range vols {
		st.Volumes = append(st.Volumes, v.Name)
	}
	stJSON, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding sidecar status: %w", err)
	}

	var ops []PatchOp
	ops = append(ops, PatchOp{Op: "add", Path: "/spec/containers/-", Value: proxyContainer(proxyImage)})
	if len(pod.Spec.Volumes) == 0 {
		ops = append(ops, PatchOp{Op: "add", Path: "/spec/volumes", Value: vols})
	} else {
		for _, v := range vols {
			ops = append(ops, PatchOp{Op: "add", Path: "/spec/volumes/-", Value: v})
		}
	}

	annotations := map[string]string{mesh.SidecarStatusAnnotation: string(stJSON)}
	// kubectl logs/exec should keep landing in the app, not the proxy.
	if len(pod.Spec.Containers) > 0 {
		annotations["kubectl.kubernetes.io/default-container"] = pod.Spec.Containers[0].Name
	}
	ops = append(ops, mapOps("/metadata/annotations", pod.Annotations, annotations)...)

	labels := map[string]string{mesh.TLSModeLabel: "istio"}
	if pod.Labels[mesh.CanonicalNameLabel] == "" {
		labels[mesh.CanonicalNameLabel] = canonicalName(pod)
	}
	if pod.Labels[mesh.CanonicalRevisionLabel] == "" {
		labels[mesh.CanonicalRevisionLabel] = mesh.CanonicalRevision(pod.Labels)
	}
	ops = append(ops, mapOps("/metadata/labels", pod.Labels, labels)...)
	return ops, nil
}

// mapOps adds entries to a string map in the object. A JSON Patch "add" into
// a missing map fails, so an absent map is created whole; existing keys are
// kept (Istio never overwrites a user's label or annotation) except the
// injector's own keys, which are set.
func mapOps(path string, existing, add map[string]string) []PatchOp {
	if existing == nil {
		return []PatchOp{{Op: "add", Path: path, Value: add}}
	}
	var ops []PatchOp
	for _, k := range sortedKeys(add) {
		if _, ok := existing[k]; ok && k != mesh.SidecarStatusAnnotation && k != mesh.TLSModeLabel {
			continue
		}
		ops = append(ops, PatchOp{Op: "add", Path: path + "/" + escapePointer(k), Value: add[k]})
	}
	return ops
}

// escapePointer escapes a map key for a JSON Pointer (RFC 6901): label keys
// contain "/", which would otherwise be read as a path separator.
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func proxyContainer(image string) corev1.Container {
	fieldEnv := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path},
		}}
	}
	var uid, gid int64 = 1337, 1337
	yes, no := true, false
	return corev1.Container{
		Name:  mesh.ProxyContainerName,
		Image: image,
		Args: []string{
			"proxy", "sidecar",
			"--domain", "$(POD_NAMESPACE).svc.cluster.local",
			"--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error",
			"--log_output_level=default:info",
		},
		Env: []corev1.EnvVar{
			fieldEnv("POD_NAME", "metadata.name"),
			fieldEnv("POD_NAMESPACE", "metadata.namespace"),
			fieldEnv("INSTANCE_IP", "status.podIP"),
			fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
			fieldEnv("HOST_IP", "status.hostIP"),
			{Name: "ISTIO_META_CLUSTER_ID", Value: "Kubernetes"},
			{Name: "ISTIO_META_MESH_ID", Value: "cluster.local"},
		},
		Ports: []corev1.ContainerPort{
			{Name: "http-envoy-prom", ContainerPort: 15090, Protocol: corev1.ProtocolTCP},
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/healthz/ready", Port: intOrPort(15021), Scheme: corev1.URISchemeHTTP,
			}},
			InitialDelaySeconds: 0, PeriodSeconds: 15, TimeoutSeconds: 3, FailureThreshold: 4,
		},
		StartupProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/healthz/ready", Port: intOrPort(15021), Scheme: corev1.URISchemeHTTP,
			}},
			PeriodSeconds: 1, TimeoutSeconds: 3, FailureThreshold: 600,
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("128Mi"),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("2"),
				corev1.ResourceMemory: resource.MustParse("1Gi"),
			},
		},
		SecurityContext: &corev1.SecurityContext{
			RunAsUser: &uid, RunAsGroup: &gid, RunAsNonRoot: &yes,
			ReadOnlyRootFilesystem: &yes, AllowPrivilegeEscalation: &no, Privileged: &no,
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "istio-envoy", MountPath: "/etc/istio/proxy"},
			{Name: "istio-data", MountPath: "/var/lib/istio/data"},
			{Name: "istio-podinfo", MountPath: "/etc/istio/pod"},
		},
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		ImagePullPolicy:          corev1.PullIfNotPresent,
	}
}

func volumes() []corev1.Volume {
	return []corev1.Volume{
		{Name: "istio-envoy", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
		{Name: "istio-data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "istio-podinfo", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "annotations", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations"}},
			},
		}}},
	}
}
func intOrPort(p int) intstr.IntOrString { return intstr.FromInt32(int32(p)) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
