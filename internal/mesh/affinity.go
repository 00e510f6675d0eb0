package mesh

import (
	"fmt"
	"sort"

	networking "istio.io/api/networking/v1"
)

// Affinity is consistent-hash load balancing (session affinity) that a
// DestinationRule sets for a host or one of its subsets. Requests that
// share a hash key (a header, cookie, query parameter or source IP) are not
// independent draws, so a per-request binomial test of a canary's share
// (verify's traffic split, the judge's split test) does not apply.
type Affinity struct {
	// Rule is the DestinationRule's namespace/name, Source where it is.
	Rule   string
	Source string
	// Subset is the subset whose trafficPolicy sets it; "" for the rule's
	// own trafficPolicy (every subset inherits it unless it sets its own
	// load balancer).
	Subset string
	// Key says what requests are hashed by: "header x-user", "cookie
	// session", "query parameter user", "source IP".
	Key string
}

func (a Affinity) String() string {
	where := "DestinationRule " + a.Rule
	if a.Subset != "" {
		where += " subset " + a.Subset
	}
	return fmt.Sprintf("%s hashes requests by %s (consistentHash)", where, a.Key)
}

// AffinityFor returns the consistent-hash settings of the DestinationRule
// Istio applies to fqdn (the most specific one), for the given subsets (all
// of them when none are given), sorted by subset.
func (m *Model) AffinityFor(fqdn string, subsets ...string) []Affinity {
	drs := m.DestinationRulesFor(fqdn)
	if len(drs) == 0 {
		return nil
	}
	dr := drs[0]
	want := map[string]bool{}
	for _, s := range subsets {
		want[s] = true
	}
	var out []Affinity
	add := func(subset string, tp *networking.TrafficPolicy) {
		if key := hashKey(tp); key != "" {
			out = append(out, Affinity{Rule: dr.Ref(), Source: dr.Source.String(), Subset: subset, Key: key})
		}
	}
	add("", dr.Spec.GetTrafficPolicy())
	for _, s := range dr.Spec.GetSubsets() {
		if len(want) == 0 || want[s.GetName()] {
			add(s.GetName(), s.GetTrafficPolicy())
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Subset < out[j].Subset })
	return out
}

// hashKey describes a traffic policy's consistent-hash key, its own or a
// port's; "" without one.
func hashKey(tp *networking.TrafficPolicy) string {
	if tp == nil {
		return ""
	}
	if k := lbHashKey(tp.GetLoadBalancer()); k != "" {
		return k
	}
	for _, p := range tp.GetPortLevelSettings() {
		if k := lbHashKey(p.GetLoadBalancer()); k != "" {
			return k + fmt.Sprintf(" on port %d", p.GetPort().GetNumber())
		}
	}
	return ""
}

func lbHashKey(lb *networking.LoadBalancerSettings) string {
	ch := lb.GetConsistentHash()
	switch {
	case ch == nil:
		return ""
	case ch.GetHttpHeaderName() != "":
		return "header " + ch.GetHttpHeaderName()
	case ch.GetHttpCookie() != nil:
		return "cookie " + ch.GetHttpCookie().GetName()
	case ch.GetHttpQueryParameterName() != "":
		return "query parameter " + ch.GetHttpQueryParameterName()
	case ch.GetUseSourceIp():
		return "source IP"
	}
	return "an unspecified key"
}
