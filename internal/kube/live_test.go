package kube

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

// resettable adapts a static mapper to the ResettableRESTMapper the client
// uses (Reset is a no-op: the test's kinds never change).
type resettable struct{ meta.RESTMapper }

func (resettable) Reset() {}

var (
	vsGVR  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	drGVR  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	nsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	svcGVR = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	depGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func fakeClient(t *testing.T, objs ...runtime.Object) *Client {
	t.Helper()
	istioV1 := schema.GroupVersion{Group: "networking.istio.io", Version: "v1"}
	appsV1 := schema.GroupVersion{Group: "apps", Version: "v1"}
	m := meta.NewDefaultRESTMapper([]schema.GroupVersion{istioV1, appsV1, corev1.SchemeGroupVersion})
	m.Add(istioV1.WithKind("VirtualService"), meta.RESTScopeNamespace)
	m.Add(istioV1.WithKind("DestinationRule"), meta.RESTScopeNamespace)
	m.Add(corev1.SchemeGroupVersion.WithKind("Service"), meta.RESTScopeNamespace)
	m.Add(corev1.SchemeGroupVersion.WithKind("Namespace"), meta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		vsGVR: "VirtualServiceList", drGVR: "DestinationRuleList", nsGVR: "NamespaceList", svcGVR: "ServiceList", depGVR: "DeploymentList",
	}, objs...)
	return &Client{Config: &rest.Config{Host: "https://fake"}, Namespace: "default", Dynamic: dyn, Core: kubefake.NewClientset(), Mapper: resettable{m}}
}

func TestLiveFor(t *testing.T) {
	c := fakeClient(t,
		obj("networking.istio.io/v1", "VirtualService", "bookinfo", "reviews"),
		obj("v1", "Namespace", "", "bookinfo"),
	)
	tests := []struct {
		name    string
		obj     *unstructured.Unstructured
		wantRef string
		exists  bool
		wantErr bool
	}{
		{"namespace-less gets destination namespace", obj("networking.istio.io/v1", "VirtualService", "", "reviews"), "VirtualService.networking.istio.io bookinfo/reviews", true, false},
		{"explicit namespace kept", obj("networking.istio.io/v1", "VirtualService", "other", "reviews"), "VirtualService.networking.istio.io other/reviews", false, false},
		{"older apiVersion resolves to served one", obj("networking.istio.io/v1alpha3", "VirtualService", "", "reviews"), "VirtualService.networking.istio.io bookinfo/reviews", true, false},
		{"cluster-scoped ignores namespace", obj("v1", "Namespace", "bookinfo", "bookinfo"), "Namespace/bookinfo", true, false},
		{"missing", obj("networking.istio.io/v1", "DestinationRule", "", "ratings"), "DestinationRule.networking.istio.io bookinfo/ratings", false, false},
		{"kind not served", obj("gateway.networking.k8s.io/v1", "HTTPRoute", "", "r"), "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := c.LiveFor(context.Background(), tt.obj, "bookinfo")
			if tt.wantErr {
				var nk *NoKindError
				if !errors.As(err, &nk) {
					t.Fatalf("err = %v, want *NoKindError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Ref.String(); got != tt.wantRef {
				t.Errorf("ref = %s, want %s", got, tt.wantRef)
			}
			if l.Exists() != tt.exists {
				t.Errorf("exists = %v", l.Exists())
			}
		})
	}
}

func TestSubsetPods(t *testing.T) {
	c := fakeClient(t)
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	pod := func(name, version string, sidecar, isReady bool) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo", Labels: map[string]string{"app": "reviews", "version": version}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews"}}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "reviews", Ready: isReady}}},
		}
		if isReady {
			p.Status.Conditions = ready
		}
		if sidecar {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "istio-proxy"})
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: "istio-proxy", Ready: isReady})
		}
		return p
	}
	core := kubefake.NewClientset(
		pod("reviews-v1-a", "v1", true, true),
		pod("reviews-v3-a", "v3", false, true),
		pod("reviews-v3-b", "v3", true, false),
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: "bookinfo"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}}},
	)
	c.Core = core
	ctx := context.Background()
	sel, err := c.ServiceSelector(ctx, "bookinfo", "reviews")
	if err != nil || sel["app"] != "reviews" {
		t.Fatalf("ServiceSelector = %v, %v", sel, err)
	}
	if sel, err := c.ServiceSelector(ctx, "bookinfo", "nope"); sel != nil || err != nil {
		t.Fatalf("missing Service: %v, %v", sel, err)
	}
	v1, err := c.SubsetPods(ctx, "bookinfo", sel, map[string]string{"version": "v1"})
	if err != nil || len(v1) != 1 || !v1[0].OK() || v1[0].ReadyContainers != "2/2" {
		t.Fatalf("v1 pods = %+v, %v", v1, err)
	}
	v3, err := c.SubsetPods(ctx, "bookinfo", sel, map[string]string{"version": "v3"})
	if err != nil || len(v3) != 2 {
		t.Fatalf("v3 pods = %+v, %v", v3, err)
	}
	for _, p := range v3 {
		if p.OK() {
			t.Errorf("%s: OK, want not OK (%+v)", p.Name, p)
		}
	}
}

func TestHasSidecar(t *testing.T) {
	tests := []struct {
		name string
		pod  corev1.Pod
		want bool
	}{
		{"none", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}, false},
		{"container", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "istio-proxy"}}}}, true},
		{"native sidecar", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "istio-proxy"}}}}, true},
		{"annotation", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"sidecar.istio.io/status": "{}"}}}, true},
	}
	for _, tt := range tests {
		if got := HasSidecar(&tt.pod); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if HasSidecar(nil) {
		t.Error("nil pod: true, want false")
	}
}
