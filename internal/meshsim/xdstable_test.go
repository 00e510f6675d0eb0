package meshsim

import (
	"math/rand/v2"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultcommonv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gitshift/gitshift/internal/meshsim/xds"
)

// The resources below are shaped like istiod's output for a sidecar
// (pilot/pkg/networking/core/route): one route configuration per port
// ("9080"), a virtual host per service with its short and long names as
// domains, the VirtualService in the route's metadata, clusters named
// outbound|port|subset|host.

const reviewsFQDN = "reviews.bookinfo.svc.cluster.local"

func clusterName(subset, host string) string { return "outbound|9080|" + subset + "|" + host }

func vsMetadata(name string) *corev3.Metadata {
	s, _ := structpb.NewStruct(map[string]any{"config": "/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/" + name})
	return &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{"istio": s}}
}

func weighted(vs string, ws map[string]uint32, order ...string) *routev3.Route {
	var cs []*routev3.WeightedCluster_ClusterWeight
	for _, subset := range order {
		cs = append(cs, &routev3.WeightedCluster_ClusterWeight{Name: clusterName(subset, reviewsFQDN), Weight: wrapperspb.UInt32(ws[subset])})
	}
	return &routev3.Route{
		Match:    &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
		Metadata: vsMetadata(vs),
		Action: &routev3.Route_Route{Route: &routev3.RouteAction{
			ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{Clusters: cs}}}},
	}
}

func toCluster(subset string, r *routev3.Route) *routev3.Route {
	r.Action = &routev3.Route_Route{Route: &routev3.RouteAction{
		ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: clusterName(subset, reviewsFQDN)}}}
	return r
}

func sidecarResources(subsets []string, routes ...*routev3.Route) *xds.Resources {
	res := &xds.Resources{
		Routes: map[string]*routev3.RouteConfiguration{"9080": {Name: "9080", VirtualHosts: []*routev3.VirtualHost{
			{Name: "allow_any", Domains: []string{"*"}},
			{Name: reviewsFQDN + ":9080", Domains: []string{reviewsFQDN, "reviews", "reviews.bookinfo", reviewsFQDN + ":9080"}, Routes: routes},
		}}},
		Clusters:  map[string]*clusterv3.Cluster{},
		Endpoints: map[string]*endpointv3.ClusterLoadAssignment{},
	}
	ips := map[string][]string{"": {"10.244.0.2", "10.244.0.3"}, "v1": {"10.244.0.2"}, "v3": {"10.244.0.3"}}
	for _, s := range subsets {
		name := clusterName(s, reviewsFQDN)
		res.Clusters[name] = &clusterv3.Cluster{Name: name, ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
			EdsClusterConfig: &clusterv3.Cluster_EdsClusterConfig{}}
		cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
		var lbs []*endpointv3.LbEndpoint
		for _, ip := range ips[s] {
			lbs = append(lbs, &endpointv3.LbEndpoint{HealthStatus: corev3.HealthStatus_HEALTHY,
				HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: &corev3.Address{
					Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{Address: ip}}}}}})
		}
		cla.Endpoints = []*endpointv3.LocalityLbEndpoints{{LbEndpoints: lbs}}
		res.Endpoints[name] = cla
	}
	return res
}

// bookinfoIPs is bookinfo with pod IPs, which EDS names.
func bookinfoIPs(w1, w3 int32) Snapshot {
	s := bookinfo(w1, w3)
	for i, ip := range []string{"10.244.0.1", "10.244.0.2", "10.244.0.3"} {
		s.Pods[i].Status.PodIP = ip
	}
	return s
}

func TestBuildTableXDSMatchesDirectReader(t *testing.T) {
	snap := bookinfoIPs(90, 10)
	direct := routeView(BuildTable(snap).Route(Mesh, reviewsFQDN))
	res := sidecarResources([]string{"", "v1", "v2", "v3"}, weighted("reviews", map[string]uint32{"v1": 90, "v3": 10}, "v1", "v3"))
	got := routeView(BuildTableXDS(snap, res, nil).Route(Mesh, reviewsFQDN))
	if got != direct {
		t.Errorf("xDS table %q, direct reader %q", got, direct)
	}
	if want := "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestBuildTableXDS(t *testing.T) {
	header := &routev3.Route{
		Name: "canary-header",
		Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"},
			Headers: []*routev3.HeaderMatcher{{Name: "x-canary", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{
				StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "1"}}}}}},
		Metadata: vsMetadata("reviews"),
	}
	mirrored := weighted("reviews", map[string]uint32{"v1": 100}, "v1")
	mirrored.GetRoute().RequestMirrorPolicies = []*routev3.RouteAction_RequestMirrorPolicy{{Cluster: clusterName("v3", reviewsFQDN),
		RuntimeFraction: &corev3.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{Numerator: 250000, Denominator: typev3.FractionalPercent_MILLION}}}}
	faulty := weighted("reviews", map[string]uint32{"v1": 100}, "v1")
	fault, _ := anypb.New(&faultv3.HTTPFault{
		Abort: &faultv3.FaultAbort{ErrorType: &faultv3.FaultAbort_HttpStatus{HttpStatus: 503},
			Percentage: &typev3.FractionalPercent{Numerator: 100000, Denominator: typev3.FractionalPercent_MILLION}},
		Delay: &faultcommonv3.FaultDelay{FaultDelaySecifier: &faultcommonv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(2 * time.Second)}},
	})
	faulty.TypedPerFilterConfig = map[string]*anypb.Any{"envoy.filters.http.fault": fault}

	tests := []struct {
		name    string
		res     *xds.Resources
		headers map[string]string
		want    string
		check   func(t *testing.T, r *Rule)
	}{
		{name: "subset missing from the DestinationRule: no cluster, 503 NC",
			res:  sidecarResources([]string{"", "v1"}, weighted("reviews", map[string]uint32{"v1": 90, "v3": 10}, "v1", "v3")),
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[]NC"},
		{name: "header route takes the header's requests",
			res:     sidecarResources([]string{"", "v1", "v3"}, toCluster("v3", header), toCluster("v1", &routev3.Route{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Metadata: vsMetadata("reviews")})),
			headers: map[string]string{"x-canary": "1"},
			want:    "bookinfo/reviews reviews/v3=100[v3]"},
		{name: "header route: other requests fall through",
			res:  sidecarResources([]string{"", "v1", "v3"}, toCluster("v3", header), toCluster("v1", &routev3.Route{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Metadata: vsMetadata("reviews")})),
			want: "bookinfo/reviews reviews/v1=100[v1]"},
		{name: "mirror with its percentage",
			res:  sidecarResources([]string{"", "v1", "v3"}, mirrored),
			want: "bookinfo/reviews reviews/v1=100[v1]",
			check: func(t *testing.T, r *Rule) {
				if r.Mirror == nil || r.Mirror.Percent != 25 || backendView(r.Mirror.Backend) != "reviews/v3=0[v3]" {
					t.Errorf("mirror %+v", r.Mirror)
				}
			}},
		{name: "fault abort and delay",
			res:  sidecarResources([]string{"", "v1"}, faulty),
			want: "bookinfo/reviews reviews/v1=100[v1]",
			check: func(t *testing.T, r *Rule) {
				if r.Abort == nil || r.Abort.Status != 503 || r.Abort.Percent != 10 {
					t.Errorf("abort %+v", r.Abort)
				}
				if r.Delay == nil || r.Delay.Ms != 2000 || r.Delay.Percent != 100 {
					t.Errorf("delay %+v", r.Delay)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := BuildTableXDS(bookinfoIPs(90, 10), tt.res, nil).Route(Mesh, reviewsFQDN)
			rule := r.match(Attrs{Headers: tt.headers})
			if rule == nil {
				t.Fatalf("no rule matches; route %+v", r)
			}
			got := r.VirtualService
			for _, b := range rule.Backends {
				got += " " + backendView(b)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, rule)
			}
		})
	}
}

func TestBuildTableXDSGateway(t *testing.T) {
	snap := bookinfoIPs(90, 10)
	pp := "productpage.bookinfo.svc.cluster.local"
	router := &xds.Resources{
		Routes: map[string]*routev3.RouteConfiguration{"http.8080": {Name: "http.8080", VirtualHosts: []*routev3.VirtualHost{
			{Name: "*:80", Domains: []string{"*"}, Routes: []*routev3.Route{{
				Match:    &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/productpage"}},
				Metadata: vsMetadata("bookinfo"),
				Action: &routev3.Route_Route{Route: &routev3.RouteAction{
					ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "outbound|9080|v1|" + pp}}},
			}}},
		}}},
		Clusters: map[string]*clusterv3.Cluster{"outbound|9080|v1|" + pp: {Name: "outbound|9080|v1|" + pp,
			ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS}}},
		Endpoints: map[string]*endpointv3.ClusterLoadAssignment{"outbound|9080|v1|" + pp: {ClusterName: "outbound|9080|v1|" + pp,
			Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
				HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: &corev3.Address{
					Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{Address: "10.244.0.1"}}}}}}}}}}},
	}
	if got, want := routeView(BuildTableXDS(snap, nil, router).Route(Gateway, pp)), "bookinfo/bookinfo productpage/v1=100[v1]"; got != want {
		t.Errorf("gateway route %q, want %q", got, want)
	}
	if got := routeView(BuildTableXDS(snap, nil, nil).Route(Gateway, pp)); got != "NR" {
		t.Errorf("without gateway config: %q, want NR", got)
	}
}

// TestXDSDelayAddsLatency: a request delayed by the route's fault waits
// the delay on top of the answering pod's latency.
func TestXDSDelayAddsLatency(t *testing.T) {
	snap := bookinfoIPs(100, 0)
	rule := weighted("reviews", map[string]uint32{"v1": 100}, "v1")
	fault, _ := anypb.New(&faultv3.HTTPFault{Delay: &faultcommonv3.FaultDelay{
		FaultDelaySecifier: &faultcommonv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(3 * time.Second)}}})
	rule.TypedPerFilterConfig = map[string]*anypb.Any{"envoy.filters.http.fault": fault}
	tbl := BuildTableXDS(snap, sidecarResources([]string{"", "v1"}, rule), nil)
	rec := &capture{}
	sim := NewSimulator(rand.New(rand.NewPCG(1, 2)), rec, []Flow{{From: "productpage", To: "reviews"}}, 50, false)
	sim.Step(time.Second, tbl, NewFaults(nil))
	if len(rec.reqs) == 0 {
		t.Fatal("no requests")
	}
	for _, r := range rec.reqs {
		if r.LatencyMs < 3000 {
			t.Fatalf("request latency %v ms, want the 3 s delay included", r.LatencyMs)
		}
	}
}
