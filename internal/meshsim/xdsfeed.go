package meshsim

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gitshift/gitshift/internal/meshsim/xds"
)

// xdsFeed is the simulator's xDS mode: two ADS clients, one as a sidecar
// (mesh routes) and one as the ingress gateway (routes of Gateway-bound
// VirtualServices), each keeping the last accepted state. A nil feed is
// the fast mode: routes from the API server (BuildTable).
type xdsFeed struct {
	sidecar, router       atomic.Pointer[xds.Resources]
	sidecarCli, routerCli *xds.Client
}

// simulatorIP is the address the simulator's proxies claim: no pod has it,
// so istiod treats them as proxies without workload instances.
const simulatorIP = "127.0.0.2"

func newXDSFeed(cfg Config, touch func()) *xdsFeed {
	if cfg.XDS == "" {
		return nil
	}
	f := &xdsFeed{}
	client := func(spec xds.NodeSpec, dst *atomic.Pointer[xds.Resources]) *xds.Client {
		return &xds.Client{Addr: cfg.XDS, Node: spec.Node(), Log: cfg.Log.With("xds", spec.Name),
			OnUpdate: func(r *xds.Resources) { dst.Store(r); touch() }}
	}
	f.sidecarCli = client(xds.NodeSpec{IP: simulatorIP, Name: "gitshift-meshsim", Namespace: cfg.XDSNamespace,
		Labels: map[string]string{"app": "gitshift-meshsim"}, ClusterID: "Kubernetes"}, &f.sidecar)
	// The gateway proxy has the labels of Istio's default ingress gateway,
	// which the example's Gateway selects (istio: ingressgateway).
	f.routerCli = client(xds.NodeSpec{Router: true, IP: simulatorIP, Name: IngressGateway, Namespace: "istio-system",
		Labels: map[string]string{"istio": "ingressgateway", "app": IngressGateway}, ClusterID: "Kubernetes"}, &f.router)
	return f
}

func (f *xdsFeed) start(ctx context.Context) {
	for _, c := range []*xds.Client{f.sidecarCli, f.routerCli} {
		go func() { _ = c.Run(ctx) }()
	}
}

// waitComplete blocks until both proxies received every type once (false
// if ctx ended first): traffic before that would meet half a config.
func (f *xdsFeed) waitComplete(ctx context.Context) bool {
	for {
		s, r := f.sidecar.Load(), f.router.Load()
		if s != nil && r != nil && s.Complete() && r.Complete() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// build is BuildTable in the fast mode, BuildTableXDS in the xDS mode.
func (f *xdsFeed) build(s Snapshot) *Table {
	if f == nil {
		return BuildTable(s)
	}
	return BuildTableXDS(s, f.sidecar.Load(), f.router.Load())
}

// XDSStatus is /debug/xds: the mode and, in xDS mode, the versions each
// proxy accepted and when.
type XDSStatus struct {
	Mode    string            `json:"mode"` // "xds" or "api-server"
	Sidecar map[string]string `json:"sidecar,omitempty"`
	Router  map[string]string `json:"router,omitempty"`
	Updated time.Time         `json:"updated,omitzero"` // last accepted response of either
}

func (f *xdsFeed) status() XDSStatus {
	if f == nil {
		return XDSStatus{Mode: "api-server"}
	}
	st := XDSStatus{Mode: "xds"}
	for _, p := range []struct {
		res *xds.Resources
		dst *map[string]string
	}{{f.sidecar.Load(), &st.Sidecar}, {f.router.Load(), &st.Router}} {
		if p.res == nil {
			continue
		}
		*p.dst = map[string]string{}
		for typ, v := range p.res.Versions {
			(*p.dst)[typ] = v
		}
		if p.res.Updated.After(st.Updated) {
			st.Updated = p.res.Updated
		}
	}
	return st
}
