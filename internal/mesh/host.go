package mesh

import (
	"net/netip"
	"strings"
)

// DefaultDomain is the cluster DNS domain Istio assumes for Kubernetes services.
const DefaultDomain = "cluster.local"

// ResolveHost turns a host as written in an Istio object into the name Istio
// matches against its registry, as Istio does: a short name without any dot
// becomes <name>.<namespace>.svc.cluster.local; wildcards, IP addresses and
// names with a dot are kept as written ("reviews.bookinfo" is NOT expanded).
func ResolveHost(host, namespace string) string {
	if host == "" || host == "*" || strings.Contains(host, ".") {
		return host
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	if namespace == "" {
		return host
	}
	return host + "." + namespace + ".svc." + DefaultDomain
}

// ServiceName splits a Kubernetes service FQDN <name>.<namespace>.svc.cluster.local.
func ServiceName(fqdn string) (name, namespace string, ok bool) {
	rest, found := strings.CutSuffix(fqdn, ".svc."+DefaultDomain)
	if !found {
		return "", "", false
	}
	name, namespace, ok = strings.Cut(rest, ".")
	if !ok || name == "" || namespace == "" || strings.Contains(namespace, ".") {
		return "", "", false
	}
	return name, namespace, true
}

// InCluster reports whether host is a name under the cluster domain.
func InCluster(fqdn string) bool {
	return strings.HasSuffix(fqdn, "."+DefaultDomain)
}

// IsWildcard reports whether host is a wildcard ("*" or "*.suffix").
func IsWildcard(host string) bool { return strings.HasPrefix(host, "*") }

// HostMatches reports whether pattern (possibly a wildcard such as
// "*.bookinfo.svc.cluster.local" or "*") matches the concrete host.
func HostMatches(pattern, host string) bool {
	if pattern == host {
		return true
	}
	if pattern == "*" {
		return true
	}
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(host, suffix)
	}
	return false
}

// HostsOverlap reports whether two host patterns can match a common host.
func HostsOverlap(a, b string) bool {
	return HostMatches(a, b) || HostMatches(b, a)
}

// GatewayRef is one entry of a VirtualService's gateways list, resolved.
type GatewayRef struct {
	Raw       string
	Mesh      bool // the reserved name "mesh": all sidecars
	Namespace string
	Name      string
	// Qualified is true when the reference named its namespace explicitly.
	Qualified bool
}

// Key is "mesh" or "namespace/name".
func (g GatewayRef) Key() string {
	if g.Mesh {
		return "mesh"
	}
	return g.Namespace + "/" + g.Name
}

// ResolveGateway resolves a gateways entry as Istio does: "mesh", "ns/name",
// the legacy "name.ns.svc.cluster.local", or a bare name in the
// VirtualService's namespace.
func ResolveGateway(ref, vsNamespace string) GatewayRef {
	g := GatewayRef{Raw: ref}
	switch {
	case ref == "mesh":
		g.Mesh = true
	case strings.Contains(ref, "/"):
		g.Namespace, g.Name, _ = strings.Cut(ref, "/")
		g.Qualified = true
	case strings.Contains(ref, "."):
		parts := strings.Split(ref, ".")
		g.Name, g.Namespace, g.Qualified = parts[0], parts[1], true
	default:
		g.Namespace, g.Name = vsNamespace, ref
	}
	return g
}

// Gateways returns the resolved gateways of vs; an empty list means "mesh".
func (vs *VirtualService) Gateways() []GatewayRef {
	if len(vs.Spec.GetGateways()) == 0 {
		return []GatewayRef{{Raw: "mesh", Mesh: true}}
	}
	out := make([]GatewayRef, 0, len(vs.Spec.GetGateways()))
	for _, g := range vs.Spec.GetGateways() {
		out = append(out, ResolveGateway(g, vs.Namespace))
	}
	return out
}

// Hosts returns the resolved hosts of vs.
func (vs *VirtualService) Hosts() []string {
	out := make([]string, 0, len(vs.Spec.GetHosts()))
	for _, h := range vs.Spec.GetHosts() {
		out = append(out, ResolveHost(h, vs.Namespace))
	}
	return out
}

// Host returns the resolved host of dr.
func (dr *DestinationRule) Host() string { return ResolveHost(dr.Spec.GetHost(), dr.Namespace) }
