package mesh

import (
	"errors"
	"sort"

	"github.com/gitshift/gitshift/internal/source"
)

// Model is the routing-relevant content of a set of rendered objects: the
// Istio networking objects plus the Services, workloads and Namespaces they
// refer to.
type Model struct {
	VirtualServices  []*VirtualService
	DestinationRules []*DestinationRule
	Gateways         []*Gateway
	ServiceEntries   []*ServiceEntry
	Services         []*Service
	Workloads        []*Workload
	Namespaces       []*Namespace
	// Errors are Istio objects whose spec does not fit Istio's schema.
	Errors []*ParseError

	index *index
}

// Build returns the model of objs; namespace-less objects get defaultNS.
func Build(objs []source.Object, defaultNS string) *Model {
	m := &Model{}
	for _, o := range objs {
		m.Add(o, defaultNS, "")
	}
	return m
}

// Add adds one object to the model. Objects that are neither Istio
// networking objects nor Services, workloads or Namespaces are ignored.
// owner records who applies the object (e.g. the Application name).
func (m *Model) Add(obj source.Object, defaultNS, owner string) {
	if obj.Unstructured == nil {
		return
	}
	m.index = nil
	if kind, ok := istioKind(obj.Unstructured); ok {
		m.addIstio(kind, obj, defaultNS, owner)
		return
	}
	m.addKube(obj, defaultNS, owner)
}

func (m *Model) addIstio(kind string, obj source.Object, defaultNS, owner string) {
	var err error
	switch kind {
	case KindVirtualService:
		var vs *VirtualService
		if vs, err = ParseVirtualService(obj, defaultNS); err == nil {
			vs.Owner = owner
			m.VirtualServices = append(m.VirtualServices, vs)
		}
	case KindDestinationRule:
		var dr *DestinationRule
		if dr, err = ParseDestinationRule(obj, defaultNS); err == nil {
			dr.Owner = owner
			m.DestinationRules = append(m.DestinationRules, dr)
		}
	case KindGateway:
		var gw *Gateway
		if gw, err = ParseGateway(obj, defaultNS); err == nil {
			gw.Owner = owner
			m.Gateways = append(m.Gateways, gw)
		}
	case KindServiceEntry:
		var se *ServiceEntry
		if se, err = ParseServiceEntry(obj, defaultNS); err == nil {
			se.Owner = owner
			m.ServiceEntries = append(m.ServiceEntries, se)
		}
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Owner = owner
		m.Errors = append(m.Errors, pe)
	}
}

// Service returns the Kubernetes Service for a resolved host, or nil.
func (m *Model) Service(fqdn string) *Service {
	name, ns, ok := ServiceName(fqdn)
	if !ok {
		return nil
	}
	return m.idx().services[[2]string{ns, name}]
}

// ServiceEntryFor returns a ServiceEntry declaring host (wildcards allowed).
func (m *Model) ServiceEntryFor(fqdn string) *ServiceEntry {
	for _, se := range m.ServiceEntries {
		for _, h := range se.Spec.GetHosts() {
			if HostMatches(ResolveHost(h, se.Namespace), fqdn) {
				return se
			}
		}
	}
	return nil
}

// DestinationRulesFor returns the DestinationRules whose host matches fqdn,
// the most specific first (exact host, then the longest wildcard), as Istio
// picks the most specific rule.
func (m *Model) DestinationRulesFor(fqdn string) []*DestinationRule {
	x := m.idx()
	out := append([]*DestinationRule(nil), x.drExact[fqdn]...)
	for _, dr := range x.drWildcard {
		if HostMatches(dr.Host(), fqdn) {
			out = append(out, dr)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return specificity(out[i].Host()) > specificity(out[j].Host())
	})
	return out
}

func specificity(h string) int {
	if IsWildcard(h) {
		return len(h)
	}
	return 1 << 20
}

// Gateway returns the Gateway namespace/name, or nil.
func (m *Model) Gateway(namespace, name string) *Gateway {
	return m.idx().gateways[[2]string{namespace, name}]
}

// Namespace returns the rendered Namespace object name, or nil.
func (m *Model) Namespace(name string) *Namespace {
	return m.idx().namespaces[name]
}
