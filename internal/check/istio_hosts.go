package check

import (
	"fmt"
	"sort"

	"github.com/gitshift/gitshift/internal/mesh"
)

func runUnknownGateway(p *Pass) {
	for _, vs := range p.Own().VirtualServices {
		for i, g := range vs.Spec.GetGateways() {
			ref := mesh.ResolveGateway(g, vs.Namespace)
			if ref.Mesh || p.World.Gateway(ref.Namespace, ref.Name) != nil {
				continue
			}
			if ref.Qualified && ref.Namespace != vs.Namespace {
				continue // a shared gateway in another namespace, e.g. istio-system/ingressgateway
			}
			p.reportAt("", vs.Source, fmt.Sprintf("spec.gateways[%d]", i),
				fmt.Sprintf("VirtualService %s is bound to Gateway %s, which is not among the rendered objects", vs.Ref(), ref.Key()),
				"check the name, or qualify it with its namespace (namespace/name) when the Gateway lives elsewhere")
		}
	}
}

func sameObject(a, b *mesh.VirtualService) bool {
	return a.Ref() == b.Ref() && a.Source == b.Source && a.Owner == b.Owner
}

func runDuplicateHost(p *Pass) {
	for _, a := range p.Own().VirtualServices {
		for i, host := range a.Hosts() {
			for _, ctx := range a.Gateways() {
				for _, b := range p.World.VirtualServicesFor(host) {
					if sameObject(a, b) || !inContext(b, ctx) {
						continue
					}
					sev, why := SeverityError, "sidecars use only one of them (which one is undefined)"
					if !ctx.Mesh {
						sev, why = SeverityInfo, "Istio merges them at the gateway in creation order"
					}
					p.reportAt(sev, a.Source, fmt.Sprintf("spec.hosts[%d]", i),
						fmt.Sprintf("host %s in %s is also routed by VirtualService %s (%s): %s", host, ctx.Key(), b.Ref(), b.Source, why),
						"keep one VirtualService per host, or split by gateway")
				}
			}
		}
	}
}

func inContext(vs *mesh.VirtualService, ctx mesh.GatewayRef) bool {
	for _, g := range vs.Gateways() {
		if g.Key() == ctx.Key() {
			return true
		}
	}
	return false
}

// systemNamespaces must not be injected; GS2010 leaves them alone.
var systemNamespaces = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true, "istio-system": true}

// appNamespaces are the destination namespace and every namespace the
// Application's namespaced objects land in.
func (p *Pass) appNamespaces() []string {
	set := map[string]bool{}
	if ns := p.Target.DestinationNamespace(); ns != "" {
		set[ns] = true
	}
	for _, o := range p.Target.Objects() {
		if ns := o.EffectiveNamespace(p.Target.DestinationNamespace()); ns != "" {
			set[ns] = true
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

func runNamespaceInjection(p *Pass) {
	for _, name := range p.appNamespaces() {
		if systemNamespaces[name] || name == p.Target.ArgoCDNamespace() {
			continue
		}
		ns := p.World.Namespace(name)
		if ns == nil || injectionLabel(ns.Labels) != "" {
			continue
		}
		n := len(p.World.WorkloadsIn(name))
		if n == 0 {
			continue // only Istio config or Services there: no pods to inject
		}
		path := "metadata.name"
		switch _, set := ns.Labels["istio-injection"]; {
		case set:
			path = "metadata.labels.istio-injection"
		case len(ns.Labels) > 0:
			path = "metadata.labels"
		}
		p.reportAt("", ns.Source, path,
			fmt.Sprintf("namespace %s has %d workload(s) but no istio-injection=enabled (or istio.io/rev) label: they get no sidecar and the routing does not apply", name, n),
			"label the Namespace istio-injection: enabled")
	}
}
