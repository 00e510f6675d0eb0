// Package kubetest builds a real kube.Client over client-go's fake clients,
// for tests of the packages that read the cluster through kube.
package kubetest

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/gitshift/gitshift/internal/kube"
)

// Common kinds the fakes serve.
var (
	VirtualService  = schema.GroupVersionKind{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService"}
	DestinationRule = schema.GroupVersionKind{Group: "networking.istio.io", Version: "v1", Kind: "DestinationRule"}
	Deployment      = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	Service         = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	Namespace       = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	Application     = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}
)

// Client returns a kube.Client at host whose dynamic client serves objs
// for kinds (the REST mapper knows each, namespaced except Namespace) and
// whose typed client is core (nil: an empty fake).
func Client(host string, core kubernetes.Interface, kinds []schema.GroupVersionKind, objs ...runtime.Object) *kube.Client {
	var gvs []schema.GroupVersion
	lists := map[schema.GroupVersionResource]string{}
	for _, k := range kinds {
		gvs = append(gvs, k.GroupVersion())
		plural, _ := meta.UnsafeGuessKindToResource(k)
		lists[plural] = k.Kind + "List"
	}
	m := meta.NewDefaultRESTMapper(gvs)
	for _, k := range kinds {
		scope := meta.RESTScopeNamespace
		if k == Namespace {
			scope = meta.RESTScopeRoot
		}
		m.Add(k, scope)
	}
	if core == nil {
		core = kubefake.NewClientset()
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
	return &kube.Client{Config: &rest.Config{Host: host}, Namespace: "default", Dynamic: dyn, Core: core, Mapper: resettable{m}}
}

// resettable adapts a static mapper to kube.Client's ResettableRESTMapper.
type resettable struct{ meta.RESTMapper }

func (resettable) Reset() {}
