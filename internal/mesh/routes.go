package mesh

import (
	"fmt"
	"sort"
)

// Protocol is the kind of route list in a VirtualService.
type Protocol string

const (
	HTTP Protocol = "http"
	TLS  Protocol = "tls"
	TCP  Protocol = "tcp"
)

// Destination is one weighted destination of a route.
type Destination struct {
	Host   string // as written
	FQDN   string // resolved in the VirtualService's namespace
	Subset string
	Port   uint32
	// Weight is the value written (0 when unset); WeightSet says whether the
	// field is present with a non-zero value (proto3 cannot tell 0 from unset).
	Weight int32
	// Percent is the share of the route's traffic this destination receives.
	Percent float64
	// Path is the YAML path of the destination entry, e.g. spec.http[0].route[1].
	Path string
}

// WeightPath is the YAML path of the destination's weight field.
func (d Destination) WeightPath() string { return d.Path + ".weight" }

// Route is one route of a VirtualService (an entry of spec.http, spec.tls or spec.tcp).
type Route struct {
	Protocol Protocol
	Index    int
	Name     string
	Path     string // e.g. spec.http[0]
	// Delegate is set for an HTTP route delegating to another VirtualService.
	Delegate     string
	Destinations []Destination
	// TotalWeight is the sum of the written weights.
	TotalWeight int32
}

// Label names the route for humans: its name or its path.
func (r Route) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("%s[%d]", r.Protocol, r.Index)
}

type weighted interface {
	GetWeight() int32
}

// Routes returns every route of vs (http, then tls, then tcp) with weights
// turned into percentages with Istio's semantics: a single destination
// receives all traffic whatever its weight; otherwise each receives
// weight/total (Istio >= 1.15 normalises; older versions require total 100).
func (vs *VirtualService) Routes() []Route {
	var out []Route
	for i, r := range vs.Spec.GetHttp() {
		rt := Route{Protocol: HTTP, Index: i, Name: r.GetName(), Path: fmt.Sprintf("spec.http[%d]", i)}
		if d := r.GetDelegate(); d != nil {
			rt.Delegate = d.GetNamespace() + "/" + d.GetName()
		}
		for j, d := range r.GetRoute() {
			rt.add(vs.Namespace, j, d.GetDestination().GetHost(), d.GetDestination().GetSubset(),
				d.GetDestination().GetPort().GetNumber(), d)
		}
		out = append(out, rt.finish())
	}
	for i, r := range vs.Spec.GetTls() {
		rt := Route{Protocol: TLS, Index: i, Path: fmt.Sprintf("spec.tls[%d]", i)}
		for j, d := range r.GetRoute() {
			rt.add(vs.Namespace, j, d.GetDestination().GetHost(), d.GetDestination().GetSubset(),
				d.GetDestination().GetPort().GetNumber(), d)
		}
		out = append(out, rt.finish())
	}
	for i, r := range vs.Spec.GetTcp() {
		rt := Route{Protocol: TCP, Index: i, Path: fmt.Sprintf("spec.tcp[%d]", i)}
		for j, d := range r.GetRoute() {
			rt.add(vs.Namespace, j, d.GetDestination().GetHost(), d.GetDestination().GetSubset(),
				d.GetDestination().GetPort().GetNumber(), d)
		}
		out = append(out, rt.finish())
	}
	return out
}

func (r *Route) add(ns string, j int, host, subset string, port uint32, w weighted) {
	r.Destinations = append(r.Destinations, Destination{
		Host: host, FQDN: ResolveHost(host, ns), Subset: subset, Port: port,
		Weight: w.GetWeight(), Path: fmt.Sprintf("%s.route[%d]", r.Path, j),
	})
	r.TotalWeight += w.GetWeight()
}

func (r Route) finish() Route {
	switch n := len(r.Destinations); {
	case n == 1:
		r.Destinations[0].Percent = 100
	case n > 1 && r.TotalWeight > 0:
		for i := range r.Destinations {
			if w := r.Destinations[i].Weight; w > 0 {
				r.Destinations[i].Percent = float64(w) * 100 / float64(r.TotalWeight)
			}
		}
	}
	return r
}

// WeightLocation is where one destination weight lives in a VirtualService.
type WeightLocation struct {
	Path     string // e.g. spec.http[0].route[1].weight
	Protocol Protocol
	Route    int
	Dest     int
	Host     string
	Subset   string
	Weight   int32
}

// RouteLocation returns the YAML path of every destination weight of vs, in
// document order, for diagnostics and edits (the field may be absent when the
// weight is unset).
func RouteLocation(vs *VirtualService) []WeightLocation {
	var out []WeightLocation
	for _, r := range vs.Routes() {
		for j, d := range r.Destinations {
			out = append(out, WeightLocation{
				Path: d.WeightPath(), Protocol: r.Protocol, Route: r.Index, Dest: j,
				Host: d.Host, Subset: d.Subset, Weight: d.Weight,
			})
		}
	}
	return out
}

// TrafficRow is one line of a traffic table: the share of a route's traffic
// that goes to a host's subset.
type TrafficRow struct {
	VirtualService string // namespace/name
	Route          string // route label (name or http[i])
	Host           string // resolved destination host
	Subset         string // empty when the destination names no subset
	Weight         int32  // summed written weights
	Percent        float64
}

// TrafficTable returns host -> subset -> % for every route of vs; several
// destinations of one route to the same host and subset are summed. Rows
// follow route order, then host, then subset.
func TrafficTable(vs *VirtualService) []TrafficRow {
	var out []TrafficRow
	for _, r := range vs.Routes() {
		if r.Delegate != "" {
			continue
		}
		idx := map[[2]string]int{}
		var rows []TrafficRow
		for _, d := range r.Destinations {
			k := [2]string{d.FQDN, d.Subset}
			i, ok := idx[k]
			if !ok {
				i = len(rows)
				idx[k] = i
				rows = append(rows, TrafficRow{VirtualService: vs.Ref(), Route: r.Label(), Host: d.FQDN, Subset: d.Subset})
			}
			rows[i].Weight += d.Weight
			rows[i].Percent += d.Percent
		}
		sort.SliceStable(rows, func(a, b int) bool {
			if rows[a].Host != rows[b].Host {
				return rows[a].Host < rows[b].Host
			}
			return rows[a].Subset < rows[b].Subset
		})
		out = append(out, rows...)
	}
	return out
}

// Split returns, for the host, subset -> percent over all routes of vs that
// send traffic to it through a single route (the common canary case); when
// several routes target the host, the first one wins.
func Split(vs *VirtualService, fqdn string) map[string]float64 {
	for _, r := range vs.Routes() {
		out := map[string]float64{}
		for _, d := range r.Destinations {
			if d.FQDN == fqdn {
				out[d.Subset] += d.Percent
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}
