package mesh

// index speeds up lookups on large models; it is rebuilt lazily after Add.
type index struct {
	services   map[[2]string]*Service            // namespace, name
	workloads  map[string][]*Workload            // namespace
	byLabel    map[string]map[string][]*Workload // namespace -> "key=value" -> workloads
	vsByHost   map[string][]*VirtualService      // resolved host
	drExact    map[string][]*DestinationRule
	drWildcard []*DestinationRule
	gateways   map[[2]string]*Gateway
	namespaces map[string]*Namespace
}

// Prepare builds the lookup index now rather than at the first lookup, so
// that the indexes of several models can be built concurrently. Lookups
// are then safe from several goroutines until the model changes.
func (m *Model) Prepare() { m.idx() }

func (m *Model) idx() *index {
	if m.index != nil {
		return m.index
	}
	x := &index{
		services:   make(map[[2]string]*Service, len(m.Services)),
		workloads:  map[string][]*Workload{},
		byLabel:    map[string]map[string][]*Workload{},
		vsByHost:   map[string][]*VirtualService{},
		drExact:    make(map[string][]*DestinationRule, len(m.DestinationRules)),
		gateways:   make(map[[2]string]*Gateway, len(m.Gateways)),
		namespaces: make(map[string]*Namespace, len(m.Namespaces)),
	}
	for _, s := range m.Services {
		if k := [2]string{s.Namespace, s.Name}; x.services[k] == nil {
			x.services[k] = s
		}
	}
	for _, w := range m.Workloads {
		x.workloads[w.Namespace] = append(x.workloads[w.Namespace], w)
		byNS := x.byLabel[w.Namespace]
		if byNS == nil {
			byNS = map[string][]*Workload{}
			x.byLabel[w.Namespace] = byNS
		}
		for k, v := range w.PodLabels {
			byNS[k+"="+v] = append(byNS[k+"="+v], w)
		}
	}
	for _, vs := range m.VirtualServices {
		for _, h := range vs.Hosts() {
			x.vsByHost[h] = append(x.vsByHost[h], vs)
		}
	}
	for _, dr := range m.DestinationRules {
		if h := dr.Host(); IsWildcard(h) {
			x.drWildcard = append(x.drWildcard, dr)
		} else {
			x.drExact[h] = append(x.drExact[h], dr)
		}
	}
	for _, g := range m.Gateways {
		if k := [2]string{g.Namespace, g.Name}; x.gateways[k] == nil {
			x.gateways[k] = g
		}
	}
	for _, n := range m.Namespaces {
		if x.namespaces[n.Name] == nil {
			x.namespaces[n.Name] = n
		}
	}
	m.index = x
	return x
}

// Merge adds every object of o to m (o is not changed).
func (m *Model) Merge(o *Model) {
	m.VirtualServices = append(m.VirtualServices, o.VirtualServices...)
	m.DestinationRules = append(m.DestinationRules, o.DestinationRules...)
	m.Gateways = append(m.Gateways, o.Gateways...)
	m.ServiceEntries = append(m.ServiceEntries, o.ServiceEntries...)
	m.Services = append(m.Services, o.Services...)
	m.Workloads = append(m.Workloads, o.Workloads...)
	m.Namespaces = append(m.Namespaces, o.Namespaces...)
	m.Errors = append(m.Errors, o.Errors...)
	m.index = nil
}

// VirtualServicesFor returns the VirtualServices that list the resolved
// host exactly (wildcards are not expanded).
func (m *Model) VirtualServicesFor(fqdn string) []*VirtualService { return m.idx().vsByHost[fqdn] }
