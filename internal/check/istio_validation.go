package check

import (
	"fmt"
	"strings"
)

// runSNIHostOutsideHosts reports a tls match whose SNI host is no subset
// of any of the VirtualService's hosts, as istiod's validation does
// (validateSniHost): hosts are compared as written, a wildcard host covers
// the names under it.
func runSNIHostOutsideHosts(p *Pass) {
	for _, vs := range p.Own().VirtualServices {
		hosts := vs.Spec.GetHosts()
		for i, tls := range vs.Spec.GetTls() {
			for j, m := range tls.GetMatch() {
				for k, sni := range m.GetSniHosts() {
					if sniCovered(sni, hosts) {
						continue
					}
					p.reportAt("", vs.Source, fmt.Sprintf("spec.tls[%d].match[%d].sniHosts[%d]", i, j, k),
						fmt.Sprintf("VirtualService %s: SNI host %s is not among its hosts [%s]; istiod refuses the object", vs.Ref(), sni, strings.Join(hosts, ", ")),
						"add the SNI host to spec.hosts (or route it in a VirtualService for that host)")
				}
			}
		}
	}
}

// sniCovered is Istio's host.Name.SubsetOf against any host: equal, or
// under a wildcard host ("*.example.com" covers "a.example.com" and
// "*.b.example.com"; "*" covers everything).
func sniCovered(sni string, hosts []string) bool {
	for _, h := range hosts {
		suffix, wild := strings.CutPrefix(h, "*")
		switch {
		case sni == h:
			return true
		case wild && strings.HasPrefix(sni, "*"):
			if strings.HasSuffix(sni[1:], suffix) {
				return true
			}
		case wild:
			if strings.HasSuffix(sni, suffix) {
				return true
			}
		}
	}
	return false
}

// runServiceEntryWithoutAddresses reports a ServiceEntry without addresses
// whose port is TCP or has no protocol, as istioctl analyze does (IST0134;
// it is silent when the mesh config turns on DNS auto-allocation, which
// check cannot see, hence a warning).
func runServiceEntryWithoutAddresses(p *Pass) {
	for _, se := range p.Own().ServiceEntries {
		if len(se.Spec.GetAddresses()) > 0 {
			continue
		}
		for i, port := range se.Spec.GetPorts() {
			if proto := port.GetProtocol(); proto != "" && !strings.EqualFold(proto, "TCP") {
				continue
			}
			p.reportAt("", se.Source, fmt.Sprintf("spec.ports[%d]", i),
				fmt.Sprintf("ServiceEntry %s: port %d is TCP and the entry lists no addresses; sidecars match TCP by address, so no traffic reaches it", se.Ref(), port.GetNumber()),
				"add spec.addresses, or rely on the mesh's DNS capture with address auto-allocation")
		}
	}
}
