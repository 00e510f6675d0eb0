package meshsim

import (
	"net"
	"strings"
	"sync"
	"testing"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	istiofake "istio.io/client-go/pkg/clientset/versioned/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"github.com/gitshift/gitshift/internal/meshsim/xds"
)

// staticADS answers every request that is not an ACK with the resources
// of its type (named ones filtered by the request), version "v1". The
// sidecar's resources are sidecarResources' shape; the router gets none.
type staticADS struct {
	discoveryv3.UnimplementedAggregatedDiscoveryServiceServer
	mu       sync.Mutex
	sidecar  *xds.Resources
	listener *listenerv3.Listener
}

func (s *staticADS) StreamAggregatedResources(st discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesServer) error {
	nonce := 0
	for {
		req, err := st.Recv()
		if err != nil {
			return err
		}
		if req.GetResponseNonce() != "" && req.GetErrorDetail() == nil {
			continue // an ACK
		}
		router := strings.HasPrefix(req.GetNode().GetId(), "router~")
		var msgs []proto.Message
		s.mu.Lock()
		if !router {
			switch req.GetTypeUrl() {
			case xds.ListenerType:
				msgs = append(msgs, s.listener)
			case xds.ClusterType:
				for _, c := range s.sidecar.Clusters {
					msgs = append(msgs, c)
				}
			case xds.RouteType:
				for _, n := range req.GetResourceNames() {
					msgs = append(msgs, s.sidecar.Routes[n])
				}
			case xds.EndpointType:
				for _, n := range req.GetResourceNames() {
					if e := s.sidecar.Endpoints[n]; e != nil {
						msgs = append(msgs, e)
					}
				}
			}
		}
		s.mu.Unlock()
		nonce++
		resp := &discoveryv3.DiscoveryResponse{TypeUrl: req.GetTypeUrl(), VersionInfo: "v1", Nonce: string(rune('a' + nonce))}
		for _, m := range msgs {
			a, err := anypb.New(m)
			if err != nil {
				return err
			}
			resp.Resources = append(resp.Resources, a)
		}
		if err := st.Send(resp); err != nil {
			return err
		}
	}
}

// TestRunXDSModeRoutesByIstiod: with an xDS address the simulator routes by
// what the control plane sends (90/10), not by the VirtualService it could
// read from the API server (50/50 here).
func TestRunXDSModeRoutesByIstiod(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for a few seconds")
	}
	t.Setenv("KUBE_FEATURE_WatchListClient", "false")
	snap := bookinfoIPs(50, 50)
	kube := kubefake.NewClientset(snap.Services[0], snap.Services[1], snap.Pods[0], snap.Pods[1], snap.Pods[2])
	istio := istiofake.NewSimpleClientset(snap.DestinationRules[0], snap.VirtualServices[0])

	hcm, err := anypb.New(&hcmv3.HttpConnectionManager{RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{RouteConfigName: "9080"}}})
	if err != nil {
		t.Fatal(err)
	}
	ads := &staticADS{
		sidecar: sidecarResources([]string{"", "v1", "v3"}, weighted("reviews", map[string]uint32{"v1": 90, "v3": 10}, "v1", "v3")),
		listener: &listenerv3.Listener{Name: "0.0.0.0_9080", FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{
			Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: hcm}}}}}},
	}
	xln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(srv, ads)
	go func() { _ = srv.Serve(xln) }()
	t.Cleanup(srv.Stop) // after the simulator stops (cleanups run last first)

	base := startSim(t, kube, istio, xln.Addr().String())
	// The first table is built on the first tick after the caches synced.
	eventually(t, "routes", func() bool { return get(t, base+"/debug/routes") != "\n" })
	if routes := get(t, base+"/debug/routes"); !strings.Contains(routes, "via bookinfo/reviews: v1=90(1 ready) v3=10(1 ready)") {
		t.Fatalf("routes are not istiod's:\n%s", routes)
	}
	if x := get(t, base+"/debug/xds"); !strings.Contains(x, `"mode":"xds"`) || !strings.Contains(x, xds.RouteType) {
		t.Errorf("/debug/xds: %s", x)
	}
	src := `reporter="source"`
	eventually(t, "5000 requests", func() bool { return scrape(t, base, src) >= 5000 })
	n, k := scrape(t, base, src), scrape(t, base, src, `destination_version="v3"`)
	if lo, hi := wilson(int(k), int(n), z999); 0.1 < lo || 0.1 > hi {
		t.Errorf("v3 share %v/%v: interval [%.4f, %.4f] excludes istiod's 10%%", k, n, lo, hi)
	}
}
