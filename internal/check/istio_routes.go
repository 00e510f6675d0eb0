package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gitshift/gitshift/internal/mesh"
)

// destinations calls fn for every destination of every route of the
// VirtualServices this Application renders.
func (p *Pass) destinations(fn func(vs *mesh.VirtualService, r mesh.Route, d mesh.Destination)) {
	for _, vs := range p.Own().VirtualServices {
		for _, r := range vs.Routes() {
			for _, d := range r.Destinations {
				fn(vs, r, d)
			}
		}
	}
}

func subsetNames(dr *mesh.DestinationRule) string {
	var names []string
	for _, s := range dr.Spec.GetSubsets() {
		names = append(names, s.GetName())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func runUnknownSubset(p *Pass) {
	p.destinations(func(vs *mesh.VirtualService, r mesh.Route, d mesh.Destination) {
		if d.Subset == "" {
			return
		}
		dr, _, ok := p.World.Subset(d.FQDN, d.Subset)
		if dr == nil || ok {
			return
		}
		p.reportAt("", vs.Source, d.Path+".destination.subset",
			fmt.Sprintf("VirtualService %s routes %s to subset %q, which DestinationRule %s does not define (subsets: %s)",
				vs.Ref(), d.Host, d.Subset, dr.Ref(), subsetNames(dr)),
			fmt.Sprintf("add subset %q to DestinationRule %s (%s)", d.Subset, dr.Ref(), dr.Source))
	})
}

func runSubsetWithoutRule(p *Pass) {
	p.destinations(func(vs *mesh.VirtualService, r mesh.Route, d mesh.Destination) {
		if d.Subset == "" {
			return
		}
		if dr, _, _ := p.World.Subset(d.FQDN, d.Subset); dr != nil {
			return
		}
		p.reportAt("", vs.Source, d.Path+".destination.subset",
			fmt.Sprintf("VirtualService %s routes to subset %q of %s, but no rendered DestinationRule has host %s",
				vs.Ref(), d.Subset, d.Host, d.FQDN),
			"add a DestinationRule for the host with the subset (is its file applied? see GS1001)")
	})
}

func runSubsetNoWorkload(p *Pass) {
	for _, dr := range p.Own().DestinationRules {
		for i, s := range dr.Spec.GetSubsets() {
			ws, known := p.World.SubsetWorkloads(dr.Host(), s.GetLabels())
			if !known || len(ws) > 0 {
				continue
			}
			p.reportAt("", dr.Source, fmt.Sprintf("spec.subsets[%d].labels", i),
				fmt.Sprintf("subset %q of DestinationRule %s selects no workload: no pod template in %s carries the Service selector plus %s",
					s.GetName(), dr.Ref(), dr.Namespace, formatLabels(s.GetLabels())),
				"check the subset labels against the Deployments' spec.template.metadata.labels")
		}
	}
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

func runUnknownHost(p *Pass) {
	p.destinations(func(vs *mesh.VirtualService, r mesh.Route, d mesh.Destination) {
		if !mesh.InCluster(d.FQDN) || mesh.IsWildcard(d.FQDN) {
			return
		}
		if p.World.Service(d.FQDN) != nil || p.World.ServiceEntryFor(d.FQDN) != nil {
			return
		}
		p.reportAt("", vs.Source, d.Path+".destination.host",
			fmt.Sprintf("VirtualService %s routes to %s, but no rendered Service or ServiceEntry declares it", vs.Ref(), d.FQDN),
			"check the host name and namespace, or that the Service's manifest is applied")
	})
}

func runNegativeWeight(p *Pass) {
	p.destinations(func(vs *mesh.VirtualService, r mesh.Route, d mesh.Destination) {
		if d.Weight < 0 {
			p.reportAt("", vs.Source, d.WeightPath(),
				fmt.Sprintf("VirtualService %s: weight %d of %s subset %q is negative", vs.Ref(), d.Weight, d.Host, d.Subset),
				"weights are integers from 0 to 100")
		}
	})
}

// weightedRoutes calls fn for every route with more than one destination
// and no negative weight (those are GS2007's).
func (p *Pass) weightedRoutes(fn func(vs *mesh.VirtualService, r mesh.Route)) {
	for _, vs := range p.Own().VirtualServices {
		for _, r := range vs.Routes() {
			if len(r.Destinations) < 2 {
				continue
			}
			negative := false
			for _, d := range r.Destinations {
				negative = negative || d.Weight < 0
			}
			if !negative {
				fn(vs, r)
			}
		}
	}
}

func runZeroWeights(p *Pass) {
	p.weightedRoutes(func(vs *mesh.VirtualService, r mesh.Route) {
		if r.TotalWeight == 0 {
			p.reportAt("", vs.Source, r.Path+".route",
				fmt.Sprintf("VirtualService %s route %s: %d destinations and every weight is 0", vs.Ref(), r.Label(), len(r.Destinations)),
				"give the destinations weights that sum to 100")
		}
	})
}

func runWeightSum(p *Pass) {
	p.weightedRoutes(func(vs *mesh.VirtualService, r mesh.Route) {
		if r.TotalWeight == 0 || r.TotalWeight == 100 {
			return
		}
		var parts []string
		for _, d := range r.Destinations {
			parts = append(parts, fmt.Sprintf("%s=%d", subsetOrHost(d), d.Weight))
		}
		p.reportAt("", vs.Source, r.Path+".route",
			fmt.Sprintf("VirtualService %s route %s: weights sum to %d, not 100 (%s)", vs.Ref(), r.Label(), r.TotalWeight, strings.Join(parts, ", ")),
			"Istio before 1.15 rejects this; make the weights sum to 100")
	})
}

func subsetOrHost(d mesh.Destination) string {
	if d.Subset != "" {
		return d.Subset
	}
	return d.Host
}

func runInvalidIstio(p *Pass) {
	own := p.Own()
	for _, m := range istioObjects(own) {
		for _, f := range m.Fields {
			sev := Severity("")
			if f.Unknown && f.Known == "" {
				// A newer Istio than the API gitshift knows may have the field.
				sev = SeverityWarning
			}
			p.reportAt(sev, m.Source, f.Path, fmt.Sprintf("%s %s: %s", m.Kind, m.Ref(), f.Error()), f.Hint())
		}
	}
	for _, e := range own.Errors {
		if len(e.Fields) > 0 {
			continue // the field diagnostics above say why it does not decode
		}
		p.reportAt("", e.Source, "spec", fmt.Sprintf("%s %s does not fit Istio's schema: %v", e.Kind, e.Ref(), e.Err),
			"fix the field types (e.g. weight must be an integer)")
	}
}

// istioObjects lists every Istio object of m, decoded or not.
func istioObjects(m *mesh.Model) []*mesh.Meta {
	var out []*mesh.Meta
	for _, o := range m.VirtualServices {
		out = append(out, &o.Meta)
	}
	for _, o := range m.DestinationRules {
		out = append(out, &o.Meta)
	}
	for _, o := range m.Gateways {
		out = append(out, &o.Meta)
	}
	for _, o := range m.ServiceEntries {
		out = append(out, &o.Meta)
	}
	for _, o := range m.Errors {
		out = append(out, &o.Meta)
	}
	return out
}
