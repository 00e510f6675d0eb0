package adapt

import (
	"context"
	"slices"
	"strings"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

// Target is what the metrics need to know about the rollout's route: the
// destination host Istio reports, and the version label of each subset.
type Target struct {
	Host     string            // FQDN of the route's destination service
	Versions map[string]string // subset → destination_version value
	// Subsets says how each version was found (mesh.VersionOf), so that a
	// caller can say when one is only assumed.
	Subsets map[string]mesh.SubsetVersion
	// Affinity is the consistent hashing the live DestinationRule sets for
	// the subsets: the judge's split test does not apply under it.
	Affinity []mesh.Affinity
}

// ResolveTarget reads the live route's destination host and resolves each
// subset to the destination_version series its traffic is reported under,
// with the same rule as verify (mesh.Model.SubsetVersion over kube.LiveModel):
// the subset's `version` label, else the `version` label of the workloads
// it selects, else its name. A VirtualService that does not exist yet
// leaves the host at vsName in namespace.
func ResolveTarget(ctx context.Context, kc *kube.Client, namespace, vsName, route string, subsets ...string) (Target, error) {
	t := Target{Versions: map[string]string{}, Subsets: map[string]mesh.SubsetVersion{}}
	host, m, err := liveRouting(ctx, kc, namespace, vsName, route, subsets)
	t.Host = host
	if err != nil {
		return t, err
	}
	for _, s := range subsets {
		_, info, _ := m.Subset(t.Host, s)
		sv := m.SubsetVersion(t.Host, s, info.Labels)
		t.Versions[s], t.Subsets[s] = sv.Version, sv
	}
	t.Affinity = m.AffinityFor(t.Host, subsets...)
	return t, nil
}

// SubsetWorkloads returns the live workloads a subset of the rollout's
// route routes to (mesh.Model.SubsetWorkloads over kube.LiveModel: the
// Service's selector plus the subset's labels), the controller's workload
// trigger watches their pod templates.
func SubsetWorkloads(ctx context.Context, kc *kube.Client, namespace, vsName, route, subset string) ([]*mesh.Workload, error) {
	host, m, err := liveRouting(ctx, kc, namespace, vsName, route, []string{subset})
	if err != nil {
		return nil, err
	}
	_, info, ok := m.Subset(host, subset)
	if !ok {
		return nil, nil
	}
	ws, _ := m.SubsetWorkloads(host, info.Labels)
	return ws, nil
}

// liveRouting reads the live route's destination host and the mesh model
// of its namespace and the VirtualService's.
func liveRouting(ctx context.Context, kc *kube.Client, namespace, vsName, route string, subsets []string) (string, *mesh.Model, error) {
	host := mesh.ResolveHost(vsName, namespace)
	vs, _, err := kube.LiveVirtualService(ctx, kc, namespace, vsName)
	if err != nil {
		return host, nil, err
	}
	if vs != nil {
		rt, err := vs.HTTPRoute(route)
		if err != nil {
			return host, nil, err
		}
		host = destinationHost(rt, subsets, host)
	}
	_, hostNS, ok := mesh.ServiceName(host)
	if !ok {
		hostNS = namespace
	}
	m, err := kube.LiveModel(ctx, kc, hostNS, namespace)
	return host, m, err
}

// destinationHost is the host of the route's destination to one of the
// subsets (the first destination when none names them), else def.
func destinationHost(rt mesh.Route, subsets []string, def string) string {
	for _, d := range rt.Destinations {
		if slices.Contains(subsets, d.Subset) {
			return d.FQDN
		}
	}
	if len(rt.Destinations) > 0 {
		return rt.Destinations[0].FQDN
	}
	return def
}

// AffinityReason says why the split test is off under session affinity,
// "" without any.
func (t Target) AffinityReason() string {
	if len(t.Affinity) == 0 {
		return ""
	}
	var as []string
	for _, a := range t.Affinity {
		as = append(as, a.String())
	}
	return strings.Join(as, "; ") + ": requests that share a hash key are not independent draws, so the per-request split test does not apply"
}
