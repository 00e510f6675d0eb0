package meshsim

import (
	"math"
	"math/rand/v2"
	"time"
)

// failFastMs is the latency of a request the caller's proxy rejects itself
// (UH, NC, NR): no upstream is contacted.
const failFastMs = 0.3

// recorder receives simulated requests; *Recorder is the real one.
type recorder interface{ Record(Request) }

// Simulator generates requests for its flows and routes them through a
// Table. It is driven by Step and is not safe for concurrent use.
type Simulator struct {
	rng            *rand.Rand
	rec            recorder
	flows          []Flow
	rps            float64
	ignoreSidecars bool
}

// NewSimulator returns a simulator drawing from rng. With ignoreSidecars,
// every pod is treated as injected.
func NewSimulator(rng *rand.Rand, rec recorder, flows []Flow, rps float64, ignoreSidecars bool) *Simulator {
	return &Simulator{rng: rng, rec: rec, flows: flows, rps: rps, ignoreSidecars: ignoreSidecars}
}

// Step simulates dt of traffic: for each flow a Poisson number of requests
// with mean rate·dt, all routed by t and shaped by f. It returns how many
// requests it generated.
func (s *Simulator) Step(dt time.Duration, t *Table, f *Faults) int {
	total := 0
	for _, fl := range s.flows {
		rate := fl.RPS
		if rate == 0 {
			rate = s.rps
		}
		for _, dst := range s.destinations(t, fl.To) {
			src, proxied, ok := s.source(t, fl.From, dst.Namespace)
			if !ok {
				continue
			}
			n := poisson(s.rng, rate*dt.Seconds())
			for range n {
				s.rec.Record(s.request(t, f, src, proxied, dst))
			}
			total += n
		}
	}
	return total
}

func (s *Simulator) destinations(t *Table, to string) []ServiceRef {
	name, ns := splitName(to)
	if ns == "" {
		return t.ServicesNamed(name)
	}
	for _, ref := range t.ServicesNamed(name) {
		if ref.Namespace == ns {
			return []ServiceRef{ref}
		}
	}
	return nil
}

// source picks the caller of one request. A service caller is one of its
// ready pods, chosen uniformly; with none ready, nobody calls.
func (s *Simulator) source(t *Table, from, ns string) (w Workload, proxied, ok bool) {
	if from == IngressGateway {
		return ingressGatewayWorkload(), true, true
	}
	name, fromNS := splitName(from)
	if fromNS == "" {
		fromNS = ns
	}
	eps := t.Endpoints(ServiceRef{Name: name, Namespace: fromNS}.FQDN())
	if len(eps) == 0 {
		return Workload{}, false, false
	}
	w = eps[s.rng.IntN(len(eps))]
	return w, w.Sidecar || s.ignoreSidecars, true
}

// request routes one request. A caller with a proxy routes by the live
// VirtualService; one without goes through kube-proxy, which ignores
// VirtualServices and spreads over every ready pod of the service.
func (s *Simulator) request(t *Table, f *Faults, src Workload, proxied bool, dst ServiceRef) Request {
	req := Request{Source: src, SourceReports: proxied, Service: dst, LatencyMs: failFastMs}
	var eps []Workload
	var attrs Attrs
	var delayMs float64 // injected by the route's fault.delay
	if h := f.HeaderShare(dst); h != nil && s.rng.Float64()*100 < h.Percent {
		attrs.Headers = map[string]string{h.Name: h.Value}
		req.Headers = attrs.Headers
	}
	if proxied {
		ctx := Mesh
		if src.Name == IngressGateway && src.Namespace == "istio-system" {
			ctx = Gateway
		}
		route := t.Route(ctx, dst.FQDN())
		if route == nil {
			req.Code, req.Flags = 404, FlagNoRouteConfig
			return req
		}
		d := route.Decide(attrs, s.rng)
		if d.NoRoute {
			req.Code, req.Flags = 404, FlagNoRouteConfig
			return req
		}
		if d.Mirror != nil {
			s.mirror(f, src, d.Mirror, req.Headers)
		}
		// Envoy's fault filter delays first, then aborts.
		delayMs = d.DelayMs
		if d.Abort != 0 {
			req.LatencyMs += delayMs
			req.Code, req.Flags = d.Abort, FlagFaultInjected
			return req
		}
		b := s.choose(t, f, d, dst)
		req.Service = b.Service
		if b.Flag != "" {
			req.Code, req.Flags = 503, b.Flag
			return req
		}
		eps = b.Endpoints
	} else {
		eps = t.Endpoints(dst.FQDN())
	}
	if len(eps) == 0 {
		req.Code, req.Flags = 503, FlagNoHealthy
		return req
	}
	w := eps[s.rng.IntN(len(eps))]
	if s.ignoreSidecars {
		w.Sidecar = true
	}
	req.Dest = &w
	req.Code, req.LatencyMs = f.Profile(w).sample(s.rng)
	req.LatencyMs += delayMs
	req.Flags = FlagNone
	return req
}

// choose applies the weights, unless the misroute knob for the requested
// service diverts this request.
func (s *Simulator) choose(t *Table, f *Faults, d Decision, dst ServiceRef) *Backend {
	if m := f.Misroute(dst); m != nil && s.rng.Float64()*100 < m.Percent {
		if m.Subset == "" {
			return &d.Rule.Backends[s.rng.IntN(len(d.Rule.Backends))]
		}
		b := t.Subset(dst.FQDN(), m.Subset)
		return &b
	}
	return d.Backend
}

// mirror sends the copy of a request: fire and forget, so only a pod that
// answers reports it (reporter="destination"; Istio's caller-side proxy
// reports no mirrored request), and its response reaches nobody.
func (s *Simulator) mirror(f *Faults, src Workload, b *Backend, headers map[string]string) {
	if b.Flag != "" || len(b.Endpoints) == 0 {
		return // the copy fails in the caller's proxy, unseen
	}
	w := b.Endpoints[s.rng.IntN(len(b.Endpoints))]
	if s.ignoreSidecars {
		w.Sidecar = true
	}
	req := Request{Source: src, Mirrored: true, Dest: &w, Service: b.Service, Headers: headers, Flags: FlagNone}
	req.Code, req.LatencyMs = f.Profile(w).sample(s.rng)
	s.rec.Record(req)
}

// poisson draws a Poisson variate: Knuth's product method for small means,
// the normal approximation above 30 where it is accurate and O(1).
func poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
