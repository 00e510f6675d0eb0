// Package xds is the mesh simulator's xDS client: it connects to istiod's
// Aggregated Discovery Service the way a sidecar does, subscribes to
// listeners, routes, clusters and endpoints (state of the world), ACKs what
// it accepts and NACKs what it cannot decode, and hands every accepted
// state to its caller as an immutable Resources value.
//
// It uses go-control-plane's Envoy API types and a plain ADS stream rather
// than gRPC's own xDS client (google.golang.org/grpc/xds): that client
// resolves routes inside gRPC's balancer and never exposes the route table,
// and it speaks only the proxyless subset of what istiod programs; the
// simulator needs the whole table a sidecar receives (docs/istiod.md).
package xds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// Type URLs of the resources the client subscribes to, in Envoy's order.
const (
	ClusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	RouteType    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

// Resources is one accepted state of every subscribed type. A value handed
// out by the client is never modified again.
type Resources struct {
	Listeners map[string]*listenerv3.Listener
	Routes    map[string]*routev3.RouteConfiguration
	Clusters  map[string]*clusterv3.Cluster
	Endpoints map[string]*endpointv3.ClusterLoadAssignment
	// Versions are the accepted (ACKed) version_info by type URL.
	Versions map[string]string
	// Updated is when the last response was accepted.
	Updated time.Time
}

// Complete reports whether each type has been received once: before that
// a route may name a cluster the client has not seen yet.
func (r *Resources) Complete() bool {
	for _, t := range []string{ClusterType, ListenerType} {
		if _, ok := r.Versions[t]; !ok {
			return false
		}
	}
	// Routes and endpoints arrive only once listeners and clusters name
	// some (a gateway without Gateway objects has none).
	_, rds := r.Versions[RouteType]
	_, eds := r.Versions[EndpointType]
	return (rds || len(rdsNames(r.Listeners)) == 0) && (eds || len(edsNames(r.Clusters)) == 0)
}

// Client is an ADS client for one node.
type Client struct {
	// Addr is istiod's plaintext xDS address (host:port).
	Addr string
	// Node identifies the client to istiod (see SidecarNode).
	Node *corev3.Node
	// OnUpdate receives every accepted state. It runs on the client's
	// goroutine: it must not block.
	OnUpdate func(*Resources)
	Log      *slog.Logger

	// last is the last accepted state: a new stream (istiod restarted or
	// closed the connection) starts from it, so the routes do not vanish
	// until the first responses arrive.
	last *Resources
}

// Run keeps a stream open until ctx ends, reconnecting with backoff (as a
// sidecar does when istiod restarts). It returns nil after a cancellation.
func (c *Client) Run(ctx context.Context) error {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	conn, err := grpc.NewClient(c.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("xDS client for %s: %w", c.Addr, err)
	}
	defer conn.Close()
	ads := discoveryv3.NewAggregatedDiscoveryServiceClient(conn)
	backoff := 200 * time.Millisecond
	for {
		start := time.Now()
		err := c.stream(ctx, ads)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > 10*time.Second {
			backoff = 200 * time.Millisecond
		}
		c.Log.Warn("xDS stream ended; reconnecting", "addr", c.Addr, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// subscription is the client's side of one type on the stream.
type subscription struct {
	names   []string // nil: wildcard (listeners, clusters)
	version string   // last accepted
	nonce   string   // last received
}

// session is one stream's state.
type session struct {
	c      *Client
	send   func(*discoveryv3.DiscoveryRequest) error
	subs   map[string]*subscription
	res    *Resources
	sendMu sync.Mutex
}

func (c *Client) stream(ctx context.Context, ads discoveryv3.AggregatedDiscoveryServiceClient) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := ads.StreamAggregatedResources(ctx)
	if err != nil {
		return fmt.Errorf("opening ADS stream: %w", err)
	}
	res := c.last
	if res == nil {
		res = &Resources{Versions: map[string]string{}}
	}
	s := &session{c: c, send: st.Send, subs: map[string]*subscription{}, res: res}
	// Clusters and listeners are wildcard subscriptions; endpoints and
	// routes follow from what they name.
	for _, t := range []string{ClusterType, ListenerType} {
		s.subs[t] = &subscription{}
		if err := s.request(t, ""); err != nil {
			return err
		}
	}
	for {
		resp, err := st.Recv()
		if err != nil {
			return fmt.Errorf("receiving from ADS: %w", err)
		}
		if err := s.handle(resp); err != nil {
			return err
		}
	}
}

// request sends a request for typ: an ACK of the accepted version, or a
// NACK when errDetail is set.
func (s *session) request(typ, errDetail string) error {
	sub := s.subs[typ]
	req := &discoveryv3.DiscoveryRequest{Node: s.c.Node, TypeUrl: typ, VersionInfo: sub.version,
		ResponseNonce: sub.nonce, ResourceNames: sub.names}
	if errDetail != "" {
		req.ErrorDetail = &status.Status{Code: int32(codes.InvalidArgument), Message: errDetail}
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if err := s.send(req); err != nil {
		return fmt.Errorf("sending %s request: %w", shortType(typ), err)
	}
	return nil
}

func (s *session) handle(resp *discoveryv3.DiscoveryResponse) error {
	typ := resp.GetTypeUrl()
	sub, ok := s.subs[typ]
	if !ok {
		return nil // not subscribed (istiod may push debug types)
	}
	sub.nonce = resp.GetNonce()
	next, err := s.apply(typ, resp)
	if err != nil {
		s.c.Log.Warn("rejecting xDS response (NACK)", "type", shortType(typ), "version", resp.GetVersionInfo(), "err", err)
		return s.request(typ, err.Error())
	}
	sub.version = resp.GetVersionInfo()
	next.Versions[typ] = sub.version
	// Routes and endpoints nothing names any more are gone.
	switch typ {
	case ClusterType:
		next.Endpoints = keep(next.Endpoints, edsNames(next.Clusters))
	case ListenerType:
		next.Routes = keep(next.Routes, rdsNames(next.Listeners))
	}
	next.Updated = time.Now()
	s.res = next
	s.c.last = next
	if err := s.request(typ, ""); err != nil {
		return err
	}
	// New clusters or listeners change which endpoints and routes to ask for.
	switch typ {
	case ClusterType:
		if err := s.resubscribe(EndpointType, edsNames(next.Clusters)); err != nil {
			return err
		}
	case ListenerType:
		if err := s.resubscribe(RouteType, rdsNames(next.Listeners)); err != nil {
			return err
		}
	}
	if s.c.OnUpdate != nil {
		s.c.OnUpdate(next)
	}
	return nil
}

func (s *session) resubscribe(typ string, names []string) error {
	sub, ok := s.subs[typ]
	if ok && slices.Equal(sub.names, names) || !ok && len(names) == 0 {
		// An empty first request would be a wildcard subscription.
		return nil
	}
	if !ok {
		sub = &subscription{}
		s.subs[typ] = sub
	}
	sub.names = names
	return s.request(typ, "")
}

// apply decodes resp onto a copy of the current state. Listeners and
// clusters are wildcard: a response is the whole set. Routes and endpoints
// are named: a response may carry only the changed ones, and names no
// longer subscribed are dropped.
func (s *session) apply(typ string, resp *discoveryv3.DiscoveryResponse) (*Resources, error) {
	cur := s.res
	next := &Resources{Listeners: cur.Listeners, Routes: cur.Routes, Clusters: cur.Clusters,
		Endpoints: cur.Endpoints, Versions: maps.Clone(cur.Versions)}
	var errs []error
	switch typ {
	case ListenerType:
		next.Listeners = map[string]*listenerv3.Listener{}
		for _, a := range resp.GetResources() {
			var l listenerv3.Listener
			if err := a.UnmarshalTo(&l); err != nil {
				errs = append(errs, fmt.Errorf("listener: %w", err))
				continue
			}
			next.Listeners[l.GetName()] = &l
		}
	case ClusterType:
		next.Clusters = map[string]*clusterv3.Cluster{}
		for _, a := range resp.GetResources() {
			var c clusterv3.Cluster
			if err := a.UnmarshalTo(&c); err != nil {
				errs = append(errs, fmt.Errorf("cluster: %w", err))
				continue
			}
			next.Clusters[c.GetName()] = &c
		}
	case RouteType:
		next.Routes = keep(cur.Routes, s.subs[typ].names)
		for _, a := range resp.GetResources() {
			var r routev3.RouteConfiguration
			if err := a.UnmarshalTo(&r); err != nil {
				errs = append(errs, fmt.Errorf("route configuration: %w", err))
				continue
			}
			next.Routes[r.GetName()] = &r
		}
	case EndpointType:
		next.Endpoints = keep(cur.Endpoints, s.subs[typ].names)
		for _, a := range resp.GetResources() {
			var e endpointv3.ClusterLoadAssignment
			if err := a.UnmarshalTo(&e); err != nil {
				errs = append(errs, fmt.Errorf("endpoints: %w", err))
				continue
			}
			next.Endpoints[e.GetClusterName()] = &e
		}
	}
	return next, errors.Join(errs...)
}

// keep copies the entries of m whose names are still subscribed.
func keep[T any](m map[string]T, names []string) map[string]T {
	out := make(map[string]T, len(names))
	for _, n := range names {
		if v, ok := m[n]; ok {
			out[n] = v
		}
	}
	return out
}

func shortType(typ string) string {
	switch typ {
	case ClusterType:
		return "CDS"
	case EndpointType:
		return "EDS"
	case ListenerType:
		return "LDS"
	case RouteType:
		return "RDS"
	}
	return typ
}
