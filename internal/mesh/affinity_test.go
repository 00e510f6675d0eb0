package mesh

import (
	"slices"
	"testing"
)

func TestAffinityFor(t *testing.T) {
	const head = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
`
	for _, tc := range []struct {
		name, spec string
		subsets    []string
		want       []string // Subset/Key
	}{
		{name: "none", spec: "  subsets: [{name: v1, labels: {version: v1}}]\n"},
		{name: "round robin", spec: "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"},
		{name: "header on the rule", spec: "  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}\n",
			want: []string{"/header x-user"}},
		{name: "cookie on a subset", spec: "  subsets:\n  - {name: v1, labels: {version: v1}}\n  - name: v3\n    labels: {version: v3}\n    trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: session, ttl: 0s}}}}\n",
			subsets: []string{"v1", "v3"}, want: []string{"v3/cookie session"}},
		{name: "subset not asked for", spec: "  subsets:\n  - name: v2\n    labels: {version: v2}\n    trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}\n",
			subsets: []string{"v1", "v3"}},
		{name: "source IP on a port", spec: "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 9080}\n      loadBalancer: {consistentHash: {useSourceIp: true}}\n",
			want: []string{"/source IP on port 9080"}},
		{name: "query parameter", spec: "  trafficPolicy: {loadBalancer: {consistentHash: {httpQueryParameterName: user}}}\n",
			want: []string{"/query parameter user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Build(objects(t, "dr.yaml", head+tc.spec), "bookinfo")
			var got []string
			for _, a := range m.AffinityFor("reviews.bookinfo.svc.cluster.local", tc.subsets...) {
				got = append(got, a.Subset+"/"+a.Key)
				if a.Rule != "bookinfo/reviews" || a.Source != "dr.yaml:1" {
					t.Errorf("rule %q at %q", a.Rule, a.Source)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := bookinfo(t).AffinityFor("reviews.bookinfo.svc.cluster.local"); len(got) != 0 {
		t.Errorf("the Bookinfo example has no affinity, got %v", got)
	}
}
