package xds

import (
	"slices"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// edsNames are the endpoint resources the clusters ask for: an EDS
// cluster's service name, or its own name when it sets none (Istio's case).
func edsNames(clusters map[string]*clusterv3.Cluster) []string {
	var out []string
	for name, c := range clusters {
		if c.GetType() != clusterv3.Cluster_EDS {
			continue
		}
		if sn := c.GetEdsClusterConfig().GetServiceName(); sn != "" {
			name = sn
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rdsNames are the route configurations the listeners' HTTP connection
// managers name (RDS), in every filter chain.
func rdsNames(listeners map[string]*listenerv3.Listener) []string {
	var out []string
	for _, l := range listeners {
		chains := l.GetFilterChains()
		if d := l.GetDefaultFilterChain(); d != nil {
			chains = append(slices.Clip(chains), d)
		}
		for _, fc := range chains {
			for _, f := range fc.GetFilters() {
				if name := rdsName(f); name != "" {
					out = append(out, name)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func rdsName(f *listenerv3.Filter) string {
	tc := f.GetTypedConfig()
	if tc == nil || !strings.HasSuffix(tc.GetTypeUrl(), "HttpConnectionManager") {
		return ""
	}
	var hcm hcmv3.HttpConnectionManager
	if err := tc.UnmarshalTo(&hcm); err != nil {
		return ""
	}
	return hcm.GetRds().GetRouteConfigName()
}

// NodeSpec describes the proxy the client presents itself as.
type NodeSpec struct {
	// Router: an ingress gateway ("router" node, routes from Gateway
	// objects); otherwise a sidecar (routes for the mesh).
	Router    bool
	IP        string
	Name      string // pod name
	Namespace string
	Labels    map[string]string
	// ClusterID is istiod's cluster name (its --clusterID).
	ClusterID string
}

// Node builds the Envoy node identity istiod reads: an ID of the form
// type~ip~pod.namespace~namespace.svc.cluster.local and the node metadata
// a sidecar's agent sends (namespace, labels, cluster, IPs).
func (n NodeSpec) Node() *corev3.Node {
	typ := "sidecar"
	if n.Router {
		typ = "router"
	}
	labels := map[string]any{}
	for k, v := range n.Labels {
		labels[k] = v
	}
	meta, _ := structpb.NewStruct(map[string]any{
		"NAMESPACE":       n.Namespace,
		"CLUSTER_ID":      n.ClusterID,
		"INSTANCE_IPS":    n.IP,
		"LABELS":          labels,
		"WORKLOAD_NAME":   n.Name,
		"SERVICE_ACCOUNT": "default",
		"MESH_ID":         "cluster.local",
	})
	return &corev3.Node{
		Id:       typ + "~" + n.IP + "~" + n.Name + "." + n.Namespace + "~" + n.Namespace + ".svc.cluster.local",
		Cluster:  n.Name + "." + n.Namespace,
		Metadata: meta,
	}
}
