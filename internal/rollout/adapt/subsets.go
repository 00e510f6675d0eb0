package adapt

import (
	"context"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// Target is what the metrics need to know about the rollout's route: the
// destination host Istio reports, and the version label of each subset.
type Target struct {
	Host     string            // FQDN of the route's destination service
	Versions map[string]string // subset → destination_version value
}

// ResolveTarget reads the live VirtualService route's destination host and
// the DestinationRule subsets' `version` labels (Istio's
// destination_version). A subset without a version label is assumed to be
// named like it; the caller says so in its output if that matters.
func ResolveTarget(ctx context.Context, kc *kube.Client, namespace, vsName, route string, subsets ...string) (Target, error) {
	t := Target{Host: mesh.ResolveHost(vsName, namespace), Versions: map[string]string{}}
	for _, s := range subsets {
		t.Versions[s] = s
	}
	obj, err := kc.VirtualService(ctx, namespace, vsName)
	if err != nil {
		return t, err
	}
	if obj != nil {
		if vs, err := mesh.ParseVirtualService(source.Object{Unstructured: obj}, namespace); err == nil {
			if hr, err := pickRoute(vs.Spec.GetHttp(), route); err == nil && len(hr.GetRoute()) > 0 {
				t.Host = mesh.ResolveHost(hr.GetRoute()[0].GetDestination().GetHost(), namespace)
			}
		}
	}
	drs, err := kc.DestinationRules(ctx, namespace)
	if err != nil {
		return t, err
	}
	for i := range drs {
		dr, err := mesh.ParseDestinationRule(source.Object{Unstructured: &drs[i]}, namespace)
		if err != nil || dr.Host() != t.Host {
			continue
		}
		for _, ss := range dr.Spec.GetSubsets() {
			if v, ok := ss.GetLabels()["version"]; ok {
				if _, want := t.Versions[ss.GetName()]; want {
					t.Versions[ss.GetName()] = v
				}
			}
		}
	}
	return t, nil
}
