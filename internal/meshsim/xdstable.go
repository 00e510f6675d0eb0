package meshsim

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	corev1 "k8s.io/api/core/v1"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/meshsim/xds"
)

// BuildTableXDS computes the routing table from what istiod programmed:
// the routes of the sidecar's and the ingress gateway's route
// configurations (RDS), the clusters that exist (CDS) and their endpoints
// (EDS). Only identities come from the cluster: a pod is found by its IP to
// report its workload labels, and the services give the flows their
// callers. So a weight, header match, mirror or fault is exactly what
// Istio's control plane turned the live objects into, and a route to a
// subset the DestinationRule lacks names a cluster istiod never created:
// 503 NC, as Envoy answers. router may be nil (no gateway client).
func BuildTableXDS(s Snapshot, sidecar, router *xds.Resources) *Table {
	t := newTable(s)
	byIP := map[string]*corev1.Pod{}
	for _, p := range s.Pods {
		if podReady(p) && p.Status.PodIP != "" {
			byIP[p.Status.PodIP] = p
		}
	}
	x := xdsTables{t: t, byIP: byIP}
	for fqdn := range t.services {
		t.routes[routeKey{Mesh, fqdn}] = x.route(sidecar, Mesh, fqdn)
		t.routes[routeKey{Gateway, fqdn}] = x.route(router, Gateway, fqdn)
	}
	return t
}

type xdsTables struct {
	t    *Table
	byIP map[string]*corev1.Pod
}

// route is what the proxy of res does with requests for fqdn: the virtual
// host Envoy would select for the host, its routes as Rules.
func (x xdsTables) route(res *xds.Resources, ctx Context, fqdn string) *Route {
	vh := virtualHostFor(res, fqdn)
	if vh == nil {
		if ctx == Gateway {
			return &Route{Host: fqdn, NoRoute: true}
		}
		// No HTTP route for the host (e.g. a port istiod treats as TCP):
		// the sidecar forwards to any endpoint of the service.
		info := x.t.services[fqdn]
		return &Route{Host: fqdn, Rules: []Rule{{Backends: []Backend{{Service: info.ref, Weight: 100, Endpoints: info.ready}}, total: 100}}}
	}
	r := &Route{Host: fqdn}
	for _, er := range vh.GetRoutes() {
		if vs := virtualServiceOf(er.GetMetadata()); vs != "" && r.VirtualService == "" {
			r.VirtualService = vs
		}
		action := er.GetRoute()
		if action == nil {
			// A redirect or direct response reaches no pod: as BuildTable.
			return &Route{Host: fqdn, VirtualService: r.VirtualService, NoRoute: true}
		}
		rule := Rule{Name: er.GetName(), Match: matchOf(er.GetMatch())}
		if c := action.GetCluster(); c != "" {
			b := x.backend(res, c)
			b.Weight = 100
			rule.Backends = append(rule.Backends, b)
		}
		for _, wc := range action.GetWeightedClusters().GetClusters() {
			b := x.backend(res, wc.GetName())
			b.Weight = int32(wc.GetWeight().GetValue())
			rule.Backends = append(rule.Backends, b)
		}
		if len(rule.Backends) == 0 {
			return &Route{Host: fqdn, VirtualService: r.VirtualService, NoRoute: true}
		}
		for _, b := range rule.Backends {
			rule.total += int64(b.Weight)
		}
		if mp := action.GetRequestMirrorPolicies(); len(mp) > 0 {
			pct := 100.0
			if rf := mp[0].GetRuntimeFraction(); rf != nil {
				pct = fractionPercent(rf.GetDefaultValue())
			}
			rule.Mirror = &MirrorTarget{Backend: x.backend(res, mp[0].GetCluster()), Percent: pct}
		}
		rule.Abort, rule.Delay = faultOf(er)
		r.Rules = append(r.Rules, rule)
	}
	return r
}

// virtualHostFor selects the virtual host for fqdn as Envoy does within a
// route configuration: an exact domain (with or without port), then the
// longest wildcard suffix, then "*". Across configurations (one per port)
// the first in name order with the best match wins.
func virtualHostFor(res *xds.Resources, fqdn string) *routev3.VirtualHost {
	if res == nil {
		return nil
	}
	names := make([]string, 0, len(res.Routes))
	for n := range res.Routes {
		names = append(names, n)
	}
	slices.Sort(names)
	var best *routev3.VirtualHost
	bestScore := 0
	for _, n := range names {
		for _, vh := range res.Routes[n].GetVirtualHosts() {
			if vh.GetName() == "allow_any" || vh.GetName() == "block_all" {
				continue // passthrough for unknown hosts, not a service's route
			}
			for _, d := range vh.GetDomains() {
				if sc := domainScore(d, fqdn); sc > bestScore {
					best, bestScore = vh, sc
				}
			}
		}
	}
	return best
}

// domainScore ranks how a virtual host domain matches host: 0 not at all,
// 1 "*", 2+len for a wildcard suffix, max for an exact match.
func domainScore(domain, host string) int {
	if d, _, ok := strings.Cut(domain, ":"); ok && !strings.Contains(domain, "]") {
		domain = d
	}
	switch {
	case domain == host:
		return 1 << 20
	case domain == "*":
		return 1
	case strings.HasPrefix(domain, "*") && strings.HasSuffix(host, domain[1:]):
		return 2 + len(domain)
	}
	return 0
}

// virtualServiceOf reads the "namespace/name" of the VirtualService istiod
// records in a route's metadata (filter_metadata.istio.config:
// /apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME).
func virtualServiceOf(md *corev3.Metadata) string {
	cfg := md.GetFilterMetadata()["istio"].GetFields()["config"].GetStringValue()
	parts := strings.Split(cfg, "/")
	// "", apis, group, version, namespaces, NS, virtual-service, NAME
	if len(parts) != 8 || parts[4] != "namespaces" || parts[6] != "virtual-service" {
		return ""
	}
	return parts[5] + "/" + parts[7]
}

// backend resolves an Envoy cluster to the service, subset and ready
// endpoints it names. Istio names a service's clusters
// outbound|PORT|SUBSET|HOST. A cluster the client did not receive does
// not exist: Envoy answers 503 NC.
func (x xdsTables) backend(res *xds.Resources, cluster string) Backend {
	dir, port, subset, host := splitClusterName(cluster)
	b := Backend{Subset: subset}
	if info, ok := x.t.services[host]; ok {
		b.Service = info.ref
	} else {
		name, ns, _ := strings.Cut(strings.TrimSuffix(host, "."+clusterDomain), ".")
		b.Service = ServiceRef{Name: name, Namespace: ns}
	}
	c, ok := res.Clusters[cluster]
	if !ok || dir != "outbound" || port == "" {
		b.Flag = FlagNoCluster
		return b
	}
	name := cluster
	if sn := c.GetEdsClusterConfig().GetServiceName(); sn != "" {
		name = sn
	}
	if c.GetType() != clusterv3.Cluster_EDS {
		return b // not an EDS cluster: no endpoints the lab can name
	}
	for _, le := range res.Endpoints[name].GetEndpoints() {
		for _, ep := range le.GetLbEndpoints() {
			if hs := ep.GetHealthStatus(); hs != corev3.HealthStatus_HEALTHY && hs != corev3.HealthStatus_UNKNOWN {
				continue
			}
			ip := ep.GetEndpoint().GetAddress().GetSocketAddress().GetAddress()
			if p, ok := x.byIP[ip]; ok {
				b.Endpoints = append(b.Endpoints, workloadOf(p))
			}
		}
	}
	return b
}

// splitClusterName splits Istio's outbound|9080|v3|reviews.ns.svc.cluster.local.
func splitClusterName(name string) (dir, port, subset, host string) {
	parts := strings.Split(name, "|")
	if len(parts) != 4 {
		return "", "", "", ""
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return "", "", "", ""
	}
	return parts[0], parts[1], parts[2], parts[3]
}

// matchOf converts an Envoy route match to the table's Match: headers
// (inverted ones are Istio's withoutHeaders) and the path; a prefix "/"
// is Istio's catch-all, no condition.
func matchOf(m *routev3.RouteMatch) []Match {
	var mm Match
	for _, h := range m.GetHeaders() {
		name := strings.ToLower(h.GetName())
		sm := headerStringMatch(h)
		dst := &mm.Headers
		if h.GetInvertMatch() {
			dst = &mm.WithoutHeaders
		}
		if *dst == nil {
			*dst = map[string]StringMatch{}
		}
		(*dst)[name] = sm
	}
	switch {
	case m.GetPath() != "":
		mm.URI = &StringMatch{Kind: mesh.MatchExact, Value: m.GetPath()}
	case m.GetPrefix() != "" && m.GetPrefix() != "/":
		mm.URI = &StringMatch{Kind: mesh.MatchPrefix, Value: m.GetPrefix()}
	case m.GetPathSeparatedPrefix() != "":
		mm.URI = &StringMatch{Kind: mesh.MatchPrefix, Value: m.GetPathSeparatedPrefix()}
	case m.GetSafeRegex() != nil:
		s := regexMatch(m.GetSafeRegex().GetRegex())
		mm.URI = &s
	}
	if mm.Headers == nil && mm.WithoutHeaders == nil && mm.URI == nil {
		return nil // every request
	}
	return []Match{mm}
}

func headerStringMatch(h *routev3.HeaderMatcher) StringMatch {
	if h.GetPresentMatch() {
		return StringMatch{} // presence only
	}
	if sm := h.GetStringMatch(); sm != nil {
		return envoyStringMatch(sm)
	}
	switch {
	case h.GetExactMatch() != "": //nolint:staticcheck // older istiod versions send the deprecated fields
		return StringMatch{Kind: mesh.MatchExact, Value: h.GetExactMatch()} //nolint:staticcheck
	case h.GetPrefixMatch() != "": //nolint:staticcheck
		return StringMatch{Kind: mesh.MatchPrefix, Value: h.GetPrefixMatch()} //nolint:staticcheck
	case h.GetSafeRegexMatch() != nil: //nolint:staticcheck
		return regexMatch(h.GetSafeRegexMatch().GetRegex()) //nolint:staticcheck
	}
	return StringMatch{}
}

func envoyStringMatch(sm *matcherv3.StringMatcher) StringMatch {
	switch p := sm.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		return StringMatch{Kind: mesh.MatchExact, Value: p.Exact}
	case *matcherv3.StringMatcher_Prefix:
		return StringMatch{Kind: mesh.MatchPrefix, Value: p.Prefix}
	case *matcherv3.StringMatcher_SafeRegex:
		return regexMatch(p.SafeRegex.GetRegex())
	}
	return StringMatch{Kind: "never"} // suffix, contains: Istio does not generate them
}

// regexMatch is Envoy's safe_regex: RE2 matching the whole value.
func regexMatch(re string) StringMatch {
	s := StringMatch{Kind: mesh.MatchRegex, Value: re}
	if c, err := regexp.Compile("^(?:" + re + ")$"); err == nil {
		s.re = c
	} else {
		s.Kind = "never"
	}
	return s
}

// faultOf reads Istio's fault injection from the route's per-filter config
// of Envoy's fault filter.
func faultOf(r *routev3.Route) (*Abort, *Delay) {
	a := r.GetTypedPerFilterConfig()["envoy.filters.http.fault"]
	if a == nil {
		return nil, nil
	}
	var f faultv3.HTTPFault
	if err := a.UnmarshalTo(&f); err != nil {
		return nil, nil
	}
	var abort *Abort
	var delay *Delay
	if fa := f.GetAbort(); fa != nil && fa.GetHttpStatus() != 0 {
		abort = &Abort{Percent: fractionOr100(fa.GetPercentage()), Status: int(fa.GetHttpStatus())}
	}
	if fd := f.GetDelay(); fd != nil && fd.GetFixedDelay() != nil {
		delay = &Delay{Percent: fractionOr100(fd.GetPercentage()),
			Ms: float64(fd.GetFixedDelay().AsDuration()) / float64(time.Millisecond)}
	}
	return abort, delay
}

func fractionOr100(p *typev3.FractionalPercent) float64 {
	if p == nil {
		return 100
	}
	return fractionPercent(p)
}

// fractionPercent converts Envoy's fractional percent to a percentage.
func fractionPercent(p *typev3.FractionalPercent) float64 {
	den := 100.0
	switch p.GetDenominator() {
	case typev3.FractionalPercent_TEN_THOUSAND:
		den = 10_000
	case typev3.FractionalPercent_MILLION:
		den = 1_000_000
	}
	return float64(p.GetNumerator()) / den * 100
}
