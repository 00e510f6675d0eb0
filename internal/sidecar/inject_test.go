package sidecar

import (
	"encoding/json"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

func appPod(mut func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "reviews-v3-7d9f8c6b5-",
			Namespace:    "bookinfo",
			Labels:       map[string]string{"app": "reviews", "version": "v3", "pod-template-hash": "7d9f8c6b5"},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews", Image: "reviews:v3"}}},
	}
	if mut != nil {
		mut(p)
	}
	return p
}

// applyPatch applies ops the way the API server does and decodes the result.
func applyPatch(t *testing.T, pod *corev1.Pod, ops []PatchOp) *corev1.Pod {
	t.Helper()
	orig, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatalf("decoding patch: %v", err)
	}
	out, err := p.Apply(orig)
	if err != nil {
		t.Fatalf("applying patch %s: %v", raw, err)
	}
	var got corev1.Pod
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return &got
}

func TestPatch(t *testing.T) {
	tests := []struct {
		name       string
		pod        *corev1.Pod
		wantInject bool
		wantLabels map[string]string
	}{
		{
			name:       "plain pod is injected",
			pod:        appPod(nil),
			wantInject: true,
			wantLabels: map[string]string{mesh.TLSModeLabel: "istio", mesh.CanonicalNameLabel: "reviews", mesh.CanonicalRevisionLabel: "v3", "app": "reviews"},
		},
		{
			name: "pod without labels or annotations gets both maps",
			pod: appPod(func(p *corev1.Pod) {
				p.Labels = nil
				p.GenerateName = "web-"
			}),
			wantInject: true,
			wantLabels: map[string]string{mesh.TLSModeLabel: "istio", mesh.CanonicalNameLabel: "web", mesh.CanonicalRevisionLabel: "latest"},
		},
		{
			name: "existing volumes are appended to",
			pod: appPod(func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
			}),
			wantInject: true,
		},
		{
			name: "user's canonical labels are kept",
			pod: appPod(func(p *corev1.Pod) {
				p.Labels[mesh.CanonicalNameLabel] = "my-reviews"
			}),
			wantInject: true,
			wantLabels: map[string]string{mesh.CanonicalNameLabel: "my-reviews", mesh.CanonicalRevisionLabel: "v3"},
		},
		{name: "opt-out by label", pod: appPod(func(p *corev1.Pod) { p.Labels[mesh.InjectKey] = "false" })},
		{name: "opt-out by annotation", pod: appPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{mesh.InjectKey: "false"}
		})},
		{
			name: "label true wins over annotation false",
			pod: appPod(func(p *corev1.Pod) {
				p.Labels[mesh.InjectKey] = "true"
				p.Annotations = map[string]string{mesh.InjectKey: "false"}
			}),
			wantInject: true,
		},
		{name: "host network is never injected", pod: appPod(func(p *corev1.Pod) { p.Spec.HostNetwork = true })},
		{name: "already has istio-proxy", pod: appPod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: mesh.ProxyContainerName})
		})},
		{name: "already has status annotation", pod: appPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{mesh.SidecarStatusAnnotation: "{}"}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := Patch(tt.pod, "")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantInject {
				if len(ops) != 0 {
					t.Fatalf("want no patch, got %d ops", len(ops))
				}
				return
			}
			got := applyPatch(t, tt.pod, ops)
			if !kube.HasSidecar(got) {
				t.Fatal("patched pod has no sidecar")
			}
			if n := len(got.Spec.Containers); n != len(tt.pod.Spec.Containers)+1 {
				t.Errorf("containers = %d, want %d", n, len(tt.pod.Spec.Containers)+1)
			}
			proxy := got.Spec.Containers[len(got.Spec.Containers)-1]
			if proxy.Image != DefaultProxyImage || proxy.Ports[0].ContainerPort != 15090 || proxy.Ports[0].Name != "http-envoy-prom" {
				t.Errorf("unexpected proxy container %+v", proxy)
			}
			if proxy.ReadinessProbe == nil || proxy.ReadinessProbe.HTTPGet.Path != "/healthz/ready" {
				t.Errorf("proxy readiness probe = %+v", proxy.ReadinessProbe)
			}
			var st status
			if err := json.Unmarshal([]byte(got.Annotations[mesh.SidecarStatusAnnotation]), &st); err != nil {
				t.Fatalf("status annotation: %v", err)
			}
			if len(st.Containers) != 1 || st.Containers[0] != mesh.ProxyContainerName || len(st.Volumes) != 3 {
				t.Errorf("status = %+v", st)
			}
			if n := len(got.Spec.Volumes); n != len(tt.pod.Spec.Volumes)+3 {
				t.Errorf("volumes = %d, want %d", n, len(tt.pod.Spec.Volumes)+3)
			}
			for k, v := range tt.wantLabels {
				if got.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
				}
			}
			// Idempotent: the injected pod needs no further patch.
			again, err := Patch(got, "")
			if err != nil || len(again) != 0 {
				t.Errorf("second Patch = %d ops, %v; want none", len(again), err)
			}
		})
	}
}
