package meshsim

import (
	"fmt"
	"sort"
	"strings"
	"time"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// Snapshot is the live cluster state routing is computed from. It is read
// from informers, never from Git: the simulator must show what the cluster
// really does.
type Snapshot struct {
	VirtualServices  []*networkingv1.VirtualService
	DestinationRules []*networkingv1.DestinationRule
	Services         []*corev1.Service
	Pods             []*corev1.Pod
}

// Context is the kind of proxy that routes a request. A VirtualService
// applies to sidecars when its gateways list is empty or names "mesh", and to
// the ingress gateway when it names any other gateway.
type Context int

const (
	Mesh Context = iota
	Gateway
)

// Response flags Envoy puts in response_flags.
const (
	FlagNone          = "-"
	FlagNoHealthy     = "UH" // no healthy upstream: subset resolved, no ready pod
	FlagNoCluster     = "NC" // destination host or subset unknown
	FlagNoRouteConfig = "NR" // no route for the host, or none matches the request
	FlagFaultInjected = "FI" // the route's fault.abort answered
)

// Backend is one weighted destination of a route with its ready endpoints.
type Backend struct {
	Service   ServiceRef
	Subset    string // "" means every pod of the service
	Weight    int32
	Endpoints []Workload
	// Flag is FlagNoCluster when the service or subset does not exist, so
	// every request to this backend fails before reaching a pod.
	Flag string
}

func (b *Backend) label() string {
	if b.Subset == "" {
		return b.Service.Name
	}
	return b.Subset
}

// Route is what a proxy does with requests for one host: its rules in
// order (routetable.go decides per request).
type Route struct {
	Host           string // requested FQDN
	VirtualService string // "namespace/name" of the VirtualService used, "" for default routing
	Rules          []Rule
	// NoRoute is set when a gateway has no VirtualService for the host:
	// Envoy answers 404 NR.
	NoRoute bool
}

type routeKey struct {
	ctx  Context
	fqdn string
}

type serviceInfo struct {
	ref     ServiceRef
	pods    []*corev1.Pod // ready pods selected by the service
	ready   []Workload    // identities of pods, same order
	subsets map[string]map[string]string
}

// Table is the routing of every known service host in both contexts, built
// by BuildTable. It is immutable once built and safe for concurrent reads.
type Table struct {
	services map[string]*serviceInfo
	byName   map[string][]ServiceRef
	routes   map[routeKey]*Route
}

// BuildTable computes the routing table from live objects. It implements
// this subset of Istio's HTTP routing:
//   - VirtualService selection by host (short names resolved in the object's
//     namespace, "*" and "*.suffix" wildcards), exact hosts before wildcards,
//     then the oldest object; gateways decide the context as documented on
//     Context; exportTo and Gateway objects are ignored.
//   - Within a VirtualService, the first http route whose match holds takes
//     the request (Rule, Route.Decide): headers and withoutHeaders (exact,
//     prefix, regex), URI; mirror with mirrorPercentage (default 100);
//     fault.abort and fault.delay (fixed). A flow without a path is taken
//     to want what a URI match wants, preferring a route without one.
//     Retries, timeouts, the mirrors list and delegate are not modelled.
//   - Weights as written; a single destination without weight gets 100.
//   - A subset resolves through the DestinationRule for the host (one in the
//     service's namespace first, then the oldest) to its labels, combined with
//     the Service's selector; unknown host or subset: 503 NC.
//   - Without a VirtualService, sidecars spread requests over all ready pods
//     of the service (Kubernetes default routing); the gateway answers 404 NR.
func BuildTable(s Snapshot) *Table {
	t := newTable(s)
	for fqdn := range t.services {
		for _, ctx := range []Context{Mesh, Gateway} {
			t.routes[routeKey{ctx, fqdn}] = t.buildRoute(s.VirtualServices, ctx, fqdn)
		}
	}
	return t
}

// newTable indexes the services, their ready pods and DestinationRule
// subsets; the routes are added by the caller (from VirtualServices or xDS).
func newTable(s Snapshot) *Table {
	t := &Table{
		services: map[string]*serviceInfo{},
		byName:   map[string][]ServiceRef{},
		routes:   map[routeKey]*Route{},
	}
	podsByNS := map[string][]*corev1.Pod{}
	for _, p := range s.Pods {
		if podReady(p) {
			podsByNS[p.Namespace] = append(podsByNS[p.Namespace], p)
		}
	}
	for _, svc := range s.Services {
		ref := ServiceRef{Name: svc.Name, Namespace: svc.Namespace}
		info := &serviceInfo{ref: ref}
		for _, p := range podsByNS[svc.Namespace] {
			if mesh.Selects(svc.Spec.Selector, p.Labels) {
				info.pods = append(info.pods, p)
				info.ready = append(info.ready, workloadOf(p))
			}
		}
		t.services[ref.FQDN()] = info
		t.byName[svc.Name] = append(t.byName[svc.Name], ref)
	}
	for _, refs := range t.byName {
		sort.Slice(refs, func(i, j int) bool { return refs[i].Namespace < refs[j].Namespace })
	}
	for fqdn, info := range t.services {
		if dr := destinationRuleFor(s.DestinationRules, info.ref, fqdn); dr != nil {
			info.subsets = map[string]map[string]string{}
			for _, ss := range dr.Spec.GetSubsets() {
				info.subsets[ss.GetName()] = ss.GetLabels()
			}
		}
	}
	return t
}

func destinationRuleFor(drs []*networkingv1.DestinationRule, svc ServiceRef, fqdn string) *networkingv1.DestinationRule {
	var best *networkingv1.DestinationRule
	for _, dr := range drs {
		if resolveHost(dr.Spec.GetHost(), dr.Namespace) != fqdn {
			continue
		}
		if best == nil {
			best = dr
			continue
		}
		local, bestLocal := dr.Namespace == svc.Namespace, best.Namespace == svc.Namespace
		if local != bestLocal {
			if local {
				best = dr
			}
			continue
		}
		if older(dr.CreationTimestamp.Time, best.CreationTimestamp.Time, dr.Namespace+"/"+dr.Name, best.Namespace+"/"+best.Name) {
			best = dr
		}
	}
	return best
}

func (t *Table) buildRoute(vss []*networkingv1.VirtualService, ctx Context, fqdn string) *Route {
	vs := virtualServiceFor(vss, ctx, fqdn)
	if vs == nil || len(vs.Spec.GetHttp()) == 0 {
		if ctx == Gateway {
			return &Route{Host: fqdn, NoRoute: true}
		}
		info := t.services[fqdn]
		return &Route{Host: fqdn, Rules: []Rule{{Backends: []Backend{{Service: info.ref, Weight: 100, Endpoints: info.ready}}, total: 100}}}
	}
	r := &Route{Host: fqdn, VirtualService: vs.Namespace + "/" + vs.Name}
	for _, h := range vs.Spec.GetHttp() {
		rule := Rule{Name: h.GetName(), Match: matchesOf(h.GetMatch())}
		for _, d := range h.GetRoute() {
			host := resolveHost(d.GetDestination().GetHost(), vs.Namespace)
			b := t.backend(host, d.GetDestination().GetSubset())
			b.Weight = d.GetWeight()
			rule.Backends = append(rule.Backends, b)
		}
		if len(rule.Backends) == 0 {
			// A route without destinations (redirect, direct response)
			// sends nothing to any pod; model it as no route.
			return &Route{Host: fqdn, VirtualService: r.VirtualService, NoRoute: true}
		}
		if len(rule.Backends) == 1 && rule.Backends[0].Weight == 0 {
			rule.Backends[0].Weight = 100
		}
		for _, b := range rule.Backends {
			rule.total += int64(b.Weight)
		}
		if m, err := mesh.MirrorOf(h); err == nil && m != nil {
			host := fqdn
			if m.Host != "" {
				host = resolveHost(m.Host, vs.Namespace)
			}
			rule.Mirror = &MirrorTarget{Backend: t.backend(host, m.Subset), Percent: m.Percent}
		}
		if a := h.GetFault().GetAbort(); a != nil {
			pct := 100.0
			if a.GetPercentage() != nil {
				pct = a.GetPercentage().GetValue()
			}
			rule.Abort = &Abort{Percent: pct, Status: int(a.GetHttpStatus())}
		}
		if d := h.GetFault().GetDelay(); d.GetFixedDelay() != nil {
			pct := 100.0
			if d.GetPercentage() != nil {
				pct = d.GetPercentage().GetValue()
			}
			rule.Delay = &Delay{Percent: pct, Ms: float64(d.GetFixedDelay().AsDuration()) / float64(time.Millisecond)}
		}
		r.Rules = append(r.Rules, rule)
	}
	return r
}

// backend resolves a destination host and subset to ready endpoints.
func (t *Table) backend(fqdn, subset string) Backend {
	info, ok := t.services[fqdn]
	if !ok {
		name, ns, _ := strings.Cut(strings.TrimSuffix(fqdn, "."+clusterDomain), ".")
		return Backend{Service: ServiceRef{Name: name, Namespace: ns}, Subset: subset, Flag: FlagNoCluster}
	}
	b := Backend{Service: info.ref, Subset: subset}
	if subset == "" {
		b.Endpoints = info.ready
		return b
	}
	labels, ok := info.subsets[subset]
	if !ok {
		b.Flag = FlagNoCluster
		return b
	}
	for i, p := range info.pods {
		if selectsAll(labels, p.Labels) {
			b.Endpoints = append(b.Endpoints, info.ready[i])
		}
	}
	return b
}

// selectsAll is mesh.Selects where an empty selector matches everything: a
// subset without labels is the whole service.
func selectsAll(sel, labels map[string]string) bool {
	return len(sel) == 0 || mesh.Selects(sel, labels)
}

func virtualServiceFor(vss []*networkingv1.VirtualService, ctx Context, fqdn string) *networkingv1.VirtualService {
	var best *networkingv1.VirtualService
	bestExact := false
	for _, vs := range vss {
		if !appliesTo(vs, ctx) {
			continue
		}
		matched, exact := false, false
		for _, h := range vs.Spec.GetHosts() {
			rh := resolveHost(h, vs.Namespace)
			if mesh.HostMatches(rh, fqdn) {
				matched = true
				exact = exact || rh == fqdn
			}
		}
		if !matched {
			continue
		}
		switch {
		case best == nil, exact && !bestExact:
		case exact == bestExact && older(vs.CreationTimestamp.Time, best.CreationTimestamp.Time,
			vs.Namespace+"/"+vs.Name, best.Namespace+"/"+best.Name):
		default:
			continue
		}
		best, bestExact = vs, exact
	}
	return best
}

func appliesTo(vs *networkingv1.VirtualService, ctx Context) bool {
	gws := vs.Spec.GetGateways()
	if len(gws) == 0 {
		return ctx == Mesh
	}
	for _, g := range gws {
		if (g == "mesh") == (ctx == Mesh) {
			return true
		}
	}
	return false
}

// Route returns the route a proxy in ctx uses for the service fqdn, or nil
// when no such service exists.
func (t *Table) Route(ctx Context, fqdn string) *Route { return t.routes[routeKey{ctx, fqdn}] }

// Subset resolves a subset of a service outside any route, for misrouting.
func (t *Table) Subset(fqdn, subset string) Backend { return t.backend(fqdn, subset) }

// Endpoints returns every ready pod of a service: what kube-proxy balances
// over for a caller without a sidecar.
func (t *Table) Endpoints(fqdn string) []Workload {
	if info, ok := t.services[fqdn]; ok {
		return info.ready
	}
	return nil
}

// ServicesNamed returns the services with this name, by namespace.
func (t *Table) ServicesNamed(name string) []ServiceRef { return t.byName[name] }

// Summary lists the routes that a VirtualService decides, one line each,
// sorted, so the simulator can log when live routing changes.
func (t *Table) Summary() string {
	var lines []string
	for k, r := range t.routes {
		if r.VirtualService == "" {
			continue
		}
		ctx := "mesh"
		if k.ctx == Gateway {
			ctx = "gateway"
		}
		var rules []string
		for _, rule := range r.Rules {
			var parts []string
			if rule.Name != "" {
				parts = append(parts, "["+rule.Name+"]")
			}
			for _, b := range rule.Backends {
				p := fmt.Sprintf("%s=%d(%d ready)", b.label(), b.Weight, len(b.Endpoints))
				if b.Flag != "" {
					p = fmt.Sprintf("%s=%d(%s)", b.label(), b.Weight, b.Flag)
				}
				parts = append(parts, p)
			}
			if m := rule.Mirror; m != nil {
				parts = append(parts, fmt.Sprintf("mirror %s %g%%", m.Backend.label(), m.Percent))
			}
			rules = append(rules, strings.Join(parts, " "))
		}
		lines = append(lines, fmt.Sprintf("%s %s via %s: %s", ctx, k.fqdn, r.VirtualService, strings.Join(rules, " | ")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// older orders objects as Istio does when several claim the same host: the
// oldest creation time wins, ties broken by namespace/name.
func older(a, b time.Time, aKey, bKey string) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return aKey < bKey
}
