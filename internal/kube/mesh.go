package kube

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// Getter reads one live object; (nil, nil) when it does not exist
// (Client.Get).
type Getter interface {
	Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error)
}

// Lister lists the live objects of a kind in a namespace (Client.List).
type Lister interface {
	List(ctx context.Context, gvk schema.GroupVersionKind, namespace string) ([]unstructured.Unstructured, error)
}

var _ interface {
	Getter
	Lister
} = (*Client)(nil)

// ServiceKind is core/v1 Service.
var ServiceKind = schema.GroupVersionKind{Version: "v1", Kind: "Service"}

// workloadKinds create the pods a DestinationRule subset routes to; mesh
// reads their pod templates. Versions are left to the server.
var workloadKinds = []schema.GroupVersionKind{
	{Group: "apps", Kind: "Deployment"},
	{Group: "apps", Kind: "StatefulSet"},
	{Group: "apps", Kind: "DaemonSet"},
	{Group: "argoproj.io", Kind: "Rollout"},
}

// LiveModel reads into a mesh model what resolving a subset to its pods
// needs, live, in each namespace: DestinationRules, Services and the
// workloads that create pods. verify and the rollout then answer "which
// pods, which version" with the same mesh code that check uses on Git.
// A workload kind the server does not serve (Argo Rollouts not installed)
// is skipped; any other error is returned.
func LiveModel(ctx context.Context, l Lister, namespaces ...string) (*mesh.Model, error) {
	m := &mesh.Model{}
	seen := map[string]bool{}
	kinds := append([]schema.GroupVersionKind{DestinationRuleKind, ServiceKind}, workloadKinds...)
	for _, ns := range namespaces {
		if seen[ns] {
			continue
		}
		seen[ns] = true
		for i, gvk := range kinds {
			items, err := l.List(ctx, gvk, ns)
			var nk *NoKindError
			if i >= 2 && errors.As(err, &nk) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("listing %ss in %s: %w", gvk.Kind, ns, err)
			}
			for j := range items {
				u := &items[j]
				if u.GetKind() == "" {
					// Items of a list may come without their kind.
					u.SetGroupVersionKind(gvk)
				}
				m.Add(source.Object{Unstructured: u}, ns, "")
			}
		}
	}
	return m, nil
}

// LiveVirtualService reads and parses the live VirtualService
// namespace/name, also returning the object read (for its metadata);
// (nil, nil, nil) when it does not exist.
func LiveVirtualService(ctx context.Context, g Getter, namespace, name string) (*mesh.VirtualService, *unstructured.Unstructured, error) {
	u, err := g.Get(ctx, VirtualServiceKind, namespace, name)
	if err != nil || u == nil {
		return nil, nil, err
	}
	vs, err := mesh.ParseVirtualService(source.Object{Unstructured: u}, namespace)
	if err != nil {
		return nil, u, fmt.Errorf("live VirtualService %s/%s: %w", namespace, name, err)
	}
	return vs, u, nil
}

// LiveRoute reads the live VirtualService namespace/name and selects one
// of its http routes with mesh's rule (mesh.SelectHTTPRoute: route is a
// name or an index; "" means the only route that splits traffic). It is the
// weight reader of the rollout, of rollout status and of the lab's demo.
func LiveRoute(ctx context.Context, g Getter, namespace, name, route string) (mesh.Route, error) {
	vs, _, err := LiveVirtualService(ctx, g, namespace, name)
	if err != nil {
		return mesh.Route{}, err
	}
	if vs == nil {
		return mesh.Route{}, fmt.Errorf("VirtualService %s/%s does not exist in the cluster", namespace, name)
	}
	return vs.HTTPRoute(route)
}
