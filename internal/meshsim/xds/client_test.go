package xds

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// fakeADS is an ADS server driven by the test: requests arrive on reqs,
// responses are sent with push.
type fakeADS struct {
	discoveryv3.UnimplementedAggregatedDiscoveryServiceServer
	reqs   chan *discoveryv3.DiscoveryRequest
	mu     sync.Mutex
	stream discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesServer
	ready  chan struct{}
}

func (f *fakeADS) StreamAggregatedResources(s discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesServer) error {
	f.mu.Lock()
	f.stream = s
	f.mu.Unlock()
	close(f.ready)
	for {
		r, err := s.Recv()
		if err != nil {
			return err
		}
		f.reqs <- r
	}
}

func (f *fakeADS) push(t *testing.T, typ, version, nonce string, msgs ...proto.Message) {
	t.Helper()
	resp := &discoveryv3.DiscoveryResponse{TypeUrl: typ, VersionInfo: version, Nonce: nonce}
	for _, m := range msgs {
		a, err := anypb.New(m)
		if err != nil {
			t.Fatal(err)
		}
		resp.Resources = append(resp.Resources, a)
	}
	f.pushRaw(t, resp)
}

func (f *fakeADS) pushRaw(t *testing.T, resp *discoveryv3.DiscoveryResponse) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.stream.Send(resp); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeADS) next(t *testing.T) *discoveryv3.DiscoveryRequest {
	t.Helper()
	select {
	case r := <-f.reqs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no request from the client")
		return nil
	}
}

// expect reads the next request and checks its type, version, nonce,
// names and whether it is a NACK.
func (f *fakeADS) expect(t *testing.T, typ, version, nonce string, nack bool, names ...string) {
	t.Helper()
	r := f.next(t)
	if r.GetTypeUrl() != typ || r.GetVersionInfo() != version || r.GetResponseNonce() != nonce ||
		(r.GetErrorDetail() != nil) != nack || !equal(r.GetResourceNames(), names) {
		t.Fatalf("request %s version %q nonce %q names %v error %v; want %s %q %q %v nack=%v",
			shortType(r.GetTypeUrl()), r.GetVersionInfo(), r.GetResponseNonce(), r.GetResourceNames(), r.GetErrorDetail(),
			shortType(typ), version, nonce, names, nack)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func listenerWithRDS(t *testing.T, name, rds string) *listenerv3.Listener {
	hcm, err := anypb.New(&hcmv3.HttpConnectionManager{RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{
		Rds: &hcmv3.Rds{RouteConfigName: rds}}})
	if err != nil {
		t.Fatal(err)
	}
	return &listenerv3.Listener{Name: name, FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{
		Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: hcm}}}}}}
}

func TestClientSubscribesAcksAndNacks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	ads := &fakeADS{reqs: make(chan *discoveryv3.DiscoveryRequest, 16), ready: make(chan struct{})}
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(srv, ads)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	updates := make(chan *Resources, 16)
	c := &Client{Addr: ln.Addr().String(), Node: NodeSpec{IP: "127.0.0.2", Name: "sim", Namespace: "default"}.Node(),
		OnUpdate: func(r *Resources) { updates <- r }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Run(ctx) }()
	<-ads.ready

	ads.expect(t, ClusterType, "", "", false)
	ads.expect(t, ListenerType, "", "", false)

	const cl = "outbound|9080|v1|reviews.bookinfo.svc.cluster.local"
	ads.push(t, ClusterType, "c1", "n1", &clusterv3.Cluster{Name: cl, ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS}},
		&clusterv3.Cluster{Name: "PassthroughCluster", ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_ORIGINAL_DST}})
	ads.expect(t, ClusterType, "c1", "n1", false)
	ads.expect(t, EndpointType, "", "", false, cl) // only the EDS cluster

	ads.push(t, ListenerType, "l1", "n2", listenerWithRDS(t, "0.0.0.0_9080", "9080"))
	ads.expect(t, ListenerType, "l1", "n2", false)
	ads.expect(t, RouteType, "", "", false, "9080")

	ads.push(t, RouteType, "r1", "n3", &routev3.RouteConfiguration{Name: "9080"})
	ads.expect(t, RouteType, "r1", "n3", false, "9080")
	ads.push(t, EndpointType, "e1", "n4", &endpointv3.ClusterLoadAssignment{ClusterName: cl})
	ads.expect(t, EndpointType, "e1", "n4", false, cl)

	var last *Resources
	for last == nil || !last.Complete() {
		select {
		case last = <-updates:
		case <-time.After(5 * time.Second):
			t.Fatal("no complete state")
		}
	}
	if last.Versions[RouteType] != "r1" || last.Routes["9080"] == nil || last.Endpoints[cl] == nil {
		t.Fatalf("state %+v", last)
	}

	// A response the client cannot decode is refused with the version it
	// keeps, and the accepted state stays.
	ads.pushRaw(t, &discoveryv3.DiscoveryResponse{TypeUrl: ClusterType, VersionInfo: "c2", Nonce: "n5",
		Resources: []*anypb.Any{{TypeUrl: ClusterType, Value: []byte{0xff, 0xff, 0xff}}}})
	ads.expect(t, ClusterType, "c1", "n5", true)
	select {
	case r := <-updates:
		t.Fatalf("a rejected response was handed out: %v", r.Versions)
	case <-time.After(200 * time.Millisecond):
	}
}
