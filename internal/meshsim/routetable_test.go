package meshsim

import (
	"math/rand/v2"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	apinet "istio.io/api/networking/v1alpha3"
)

func headerRoute(name, value, subset string) *apinet.HTTPRoute {
	r := route(dest("reviews", subset, 0))
	r.Name = "gitshift-header"
	r.Match = []*apinet.HTTPMatchRequest{{Headers: map[string]*apinet.StringMatch{name: {MatchType: &apinet.StringMatch_Exact{Exact: value}}}}}
	return r
}

// send sends n requests productpage → reviews through the simulator and
// returns what the recorder saw (copies included).
func send(t *testing.T, snap Snapshot, faults *Faults, n int) []Request {
	t.Helper()
	c := &capture{}
	sim := NewSimulator(rand.New(rand.NewPCG(42, 7)), c, nil, 0, false)
	table := BuildTable(snap)
	for range n {
		src, proxied, ok := sim.source(table, "productpage", ns)
		if !ok {
			t.Fatal("no source")
		}
		c.Record(sim.request(table, faults, src, proxied, ServiceRef{Name: "reviews", Namespace: ns}))
	}
	return c.reqs
}

func tenPercentTagged() *Faults {
	return NewFaults(map[string]NamespaceFaults{ns: {Headers: map[string]HeaderShare{"reviews": {Name: "x-canary", Value: "1", Percent: 10}}}})
}

// TestHeaderRoute: with a header route before the weighted route, every
// tagged request reaches v3 and no other does; the tagged share is the
// generator's.
func TestHeaderRoute(t *testing.T) {
	snap := bookinfo(100, 0)
	vs := snap.VirtualServices[0]
	vs.Spec.Http = append([]*apinet.HTTPRoute{headerRoute("x-canary", "1", "v3")}, vs.Spec.Http...)
	reqs := send(t, snap, tenPercentTagged(), 20000)
	tagged := 0
	for _, r := range reqs {
		isTagged := r.Headers["x-canary"] == "1"
		if isTagged {
			tagged++
		}
		if r.Dest == nil || (r.Dest.Version == "v3") != isTagged {
			t.Fatalf("request tagged=%v reached %+v", isTagged, r.Dest)
		}
	}
	if lo, hi := wilson(tagged, len(reqs), z999); lo > 0.1 || hi < 0.1 {
		t.Errorf("tagged share %d/%d: 10%% outside [%.3f, %.3f]", tagged, len(reqs), lo, hi)
	}
	// The same traffic without the route: tagged requests follow the weights.
	reqs = send(t, bookinfo(100, 0), tenPercentTagged(), 2000)
	if n := share(reqs, "v3"); n != 0 {
		t.Errorf("without a header route %d requests reached v3", n)
	}
}

// TestMirror: a 20% mirror copies a fifth of the requests to v3, which no
// caller sees (only the destination reports them); users all reach v1.
func TestMirror(t *testing.T) {
	snap := bookinfo(100, 0)
	r := snap.VirtualServices[0].Spec.Http[0]
	r.Mirror = &apinet.Destination{Host: "reviews", Subset: "v3"}
	r.MirrorPercentage = &apinet.Percent{Value: 20}
	reqs := send(t, snap, nil, 20000)
	users, copies := 0, 0
	for _, q := range reqs {
		switch {
		case q.Mirrored:
			copies++
			if q.Dest == nil || q.Dest.Version != "v3" || q.SourceReports {
				t.Fatalf("copy %+v", q)
			}
		default:
			users++
			if q.Dest == nil || q.Dest.Version != "v1" {
				t.Fatalf("user request reached %+v", q.Dest)
			}
		}
	}
	if lo, hi := wilson(copies, users, z999); lo > 0.2 || hi < 0.2 {
		t.Errorf("copies %d of %d: 20%% outside [%.3f, %.3f]", copies, users, lo, hi)
	}

	reg := prometheus.NewRegistry()
	rec, err := NewRecorder(reg, "x-canary")
	if err != nil {
		t.Fatal(err)
	}
	pp := workloadOf(pod("productpage", "v1", "a"))
	v3 := workloadOf(pod("reviews", "v3", "a"))
	rec.Record(Request{Source: pp, Mirrored: true, Dest: &v3, Service: ServiceRef{Name: "reviews", Namespace: ns}, Code: 200, Headers: map[string]string{"x-canary": "1"}})
	got, _ := series(t, reg)
	if len(got) != 1 || got[0]["reporter"] != "destination" || got[0]["source_workload"] != pp.Name || got[0]["x_canary"] != "1" ||
		got[0]["connection_security_policy"] != "mutual_tls" {
		t.Errorf("a copy is reported as %v", got)
	}
}

// TestDecide covers URI matches, withoutHeaders, no matching rule and an
// injected abort.
func TestDecide(t *testing.T) {
	snap := bookinfo(100, 0)
	api := route(dest("reviews", "v3", 0))
	api.Match = []*apinet.HTTPMatchRequest{{Uri: &apinet.StringMatch{MatchType: &apinet.StringMatch_Prefix{Prefix: "/api/"}}},
		{Uri: &apinet.StringMatch{MatchType: &apinet.StringMatch_Exact{Exact: "/v3"}}}}
	notBot := route(dest("reviews", "v1", 0))
	notBot.Match = []*apinet.HTTPMatchRequest{{WithoutHeaders: map[string]*apinet.StringMatch{"user-agent": {MatchType: &apinet.StringMatch_Regex{Regex: ".*bot.*"}}}}}
	notBot.Fault = &apinet.HTTPFaultInjection{Abort: &apinet.HTTPFaultInjection_Abort{ErrorType: &apinet.HTTPFaultInjection_Abort_HttpStatus{HttpStatus: 418}, Percentage: &apinet.Percent{Value: 100}}}
	snap.VirtualServices[0].Spec.Http = []*apinet.HTTPRoute{api, notBot}
	rt := BuildTable(snap).Route(Mesh, "reviews.bookinfo.svc.cluster.local")
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		a       Attrs
		version string
		abort   int
		noRoute bool
	}{
		{"URI prefix", Attrs{Path: "/api/x"}, "v3", 0, false},
		{"URI exact", Attrs{Path: "/v3"}, "v3", 0, false},
		{"URI exact is not a prefix", Attrs{Path: "/v3/x"}, "v1", 418, false},
		{"a bot matches nothing", Attrs{Path: "/x", Headers: map[string]string{"user-agent": "googlebot"}}, "", 0, true},
	}
	for _, tt := range tests {
		d := rt.Decide(tt.a, rng)
		if d.NoRoute != tt.noRoute || d.Abort != tt.abort || (!tt.noRoute && d.Backend.Subset != tt.version) {
			t.Errorf("%s: %+v", tt.name, d)
		}
	}
}
