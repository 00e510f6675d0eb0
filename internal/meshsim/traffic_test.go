package meshsim

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// capture is a recorder that keeps every request.
type capture struct{ reqs []Request }

func (c *capture) Record(r Request) { c.reqs = append(c.reqs, r) }

// wilson is the Wilson score interval for k successes in n at z.
func wilson(k, n int, z float64) (lo, hi float64) {
	p, nf := float64(k)/float64(n), float64(n)
	centre := (p + z*z/(2*nf)) / (1 + z*z/nf)
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / (1 + z*z/nf)
	return centre - half, centre + half
}

const z999 = 3.2905 // two-sided 99.9%

// simulate sends n requests of one flow, one at a time so the count is
// exact, and returns them.
func simulate(t *testing.T, snap Snapshot, faults *Faults, flow Flow, n int, ignoreSidecars bool) []Request {
	t.Helper()
	sim := NewSimulator(rand.New(rand.NewPCG(42, 7)), nil, []Flow{flow}, 0, ignoreSidecars)
	table := BuildTable(snap)
	reqs := make([]Request, 0, n)
	for range n {
		src, proxied, ok := sim.source(table, flow.From, ns)
		if !ok {
			t.Fatalf("flow %s has no source", flow)
		}
		reqs = append(reqs, sim.request(table, faults, src, proxied, ServiceRef{Name: flow.To, Namespace: ns}))
	}
	return reqs
}

func share(reqs []Request, version string) int {
	k := 0
	for _, r := range reqs {
		if r.Dest != nil && r.Dest.Version == version {
			k++
		}
	}
	return k
}

func TestSplitFollowsLiveWeights(t *testing.T) {
	tests := []struct {
		name      string
		w1, w3    int32
		misroute  *Misroute
		sidecars  bool // false: productpage has no sidecar
		wantShare float64
	}{
		{name: "90/10", w1: 90, w3: 10, sidecars: true, wantShare: 0.10},
		{name: "50/50", w1: 50, w3: 50, sidecars: true, wantShare: 0.50},
		{name: "100/0", w1: 100, w3: 0, sidecars: true, wantShare: 0},
		{name: "misroute 20% evenly", w1: 90, w3: 10, misroute: &Misroute{Percent: 20}, sidecars: true, wantShare: 0.8*0.1 + 0.2*0.5},
		{name: "misroute 30% to v3", w1: 90, w3: 10, misroute: &Misroute{Percent: 30, Subset: "v3"}, sidecars: true, wantShare: 0.7*0.1 + 0.3},
		{name: "caller without sidecar ignores weights", w1: 90, w3: 10, sidecars: false, wantShare: 0.5},
	}
	const n = 100_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := bookinfo(tt.w1, tt.w3)
			if !tt.sidecars {
				noSidecar(snap.Pods[0])
			}
			var faults *Faults
			if tt.misroute != nil {
				faults = NewFaults(map[string]NamespaceFaults{ns: {Misroute: map[string]Misroute{"reviews": *tt.misroute}}})
			}
			reqs := simulate(t, snap, faults, Flow{From: "productpage", To: "reviews"}, n, false)
			k := share(reqs, "v3")
			if tt.wantShare == 0 {
				if k != 0 {
					t.Fatalf("v3 got %d requests at weight 0", k)
				}
				return
			}
			lo, hi := wilson(k, len(reqs), z999)
			if tt.wantShare < lo || tt.wantShare > hi {
				t.Errorf("v3 share %d/%d, 99.9%% interval [%.4f, %.4f] excludes %.4f", k, len(reqs), lo, hi, tt.wantShare)
			}
			for _, r := range reqs[:10] {
				if r.SourceReports != tt.sidecars {
					t.Fatalf("SourceReports = %v, want %v", r.SourceReports, tt.sidecars)
				}
			}
		})
	}
}

func TestFailedRequests(t *testing.T) {
	tests := []struct {
		name      string
		snap      func() Snapshot
		flow      Flow
		wantCode  int
		wantFlags string
	}{
		{
			name: "no ready pod in the subset: 503 UH",
			snap: func() Snapshot {
				s := bookinfo(0, 100)
				s.Pods[2].Status.Conditions[0].Status = corev1.ConditionFalse
				return s
			},
			flow: Flow{From: "productpage", To: "reviews"}, wantCode: 503, wantFlags: FlagNoHealthy,
		},
		{
			name: "subset without DestinationRule entry: 503 NC",
			snap: func() Snapshot {
				s := bookinfo(0, 100)
				s.DestinationRules[0] = destinationRule("reviews", ns, "reviews", "v1")
				return s
			},
			flow: Flow{From: "productpage", To: "reviews"}, wantCode: 503, wantFlags: FlagNoCluster,
		},
		{
			name: "ingress without a gateway VirtualService: 404 NR",
			snap: func() Snapshot { return bookinfo(90, 10) },
			flow: Flow{From: IngressGateway, To: "productpage"}, wantCode: 404, wantFlags: FlagNoRouteConfig,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range simulate(t, tt.snap(), nil, tt.flow, 100, false) {
				if r.Code != tt.wantCode || r.Flags != tt.wantFlags || r.Dest != nil || !r.SourceReports {
					t.Fatalf("request = %d %s dest=%v source=%v, want %d %s from the source only",
						r.Code, r.Flags, r.Dest, r.SourceReports, tt.wantCode, tt.wantFlags)
				}
			}
		})
	}
}

func TestFaultProfiles(t *testing.T) {
	nf, errs := ParseFaults(map[string]string{
		"reviews.v3": `{"errorRate":0.05,"errorCode":503,"latencyMs":{"p50":30,"p99":200}}`,
	})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	faults := NewFaults(map[string]NamespaceFaults{ns: nf})
	reqs := simulate(t, bookinfo(50, 50), faults, Flow{From: "productpage", To: "reviews"}, 40_000, false)
	var v3Lat, v1Lat []float64
	var v3Err, v3N, v1Err int
	for _, r := range reqs {
		switch r.Dest.Version {
		case "v3":
			v3N++
			v3Lat = append(v3Lat, r.LatencyMs)
			if r.Code == 503 {
				v3Err++
			}
		case "v1":
			v1Lat = append(v1Lat, r.LatencyMs)
			if r.Code != 200 {
				v1Err++
			}
		}
	}
	if v1Err != 0 {
		t.Errorf("v1 (default profile) had %d errors", v1Err)
	}
	if lo, hi := wilson(v3Err, v3N, z999); 0.05 < lo || 0.05 > hi {
		t.Errorf("v3 error rate %d/%d, interval [%.4f, %.4f] excludes 0.05", v3Err, v3N, lo, hi)
	}
	quantile := func(xs []float64, q float64) float64 {
		sort.Float64s(xs)
		return xs[int(q*float64(len(xs)-1))]
	}
	for _, c := range []struct {
		name      string
		lat       []float64
		p50, p99  float64
		tolerance float64
	}{
		{"v3", v3Lat, 30, 200, 0.1},
		{"v1 default", v1Lat, DefaultProfile.LatencyMs.P50, DefaultProfile.LatencyMs.P99, 0.1},
	} {
		if got := quantile(c.lat, 0.5); math.Abs(got/c.p50-1) > c.tolerance {
			t.Errorf("%s p50 = %.1f ms, want ≈ %v", c.name, got, c.p50)
		}
		if got := quantile(c.lat, 0.99); math.Abs(got/c.p99-1) > 2*c.tolerance {
			t.Errorf("%s p99 = %.1f ms, want ≈ %v", c.name, got, c.p99)
		}
	}
}

func TestStepRate(t *testing.T) {
	c := &capture{}
	sim := NewSimulator(rand.New(rand.NewPCG(1, 2)), c, DefaultFlows, 50, false)
	table := BuildTable(bookinfo(90, 10))
	for range 100 {
		sim.Step(100*time.Millisecond, table, nil)
	}
	// 10 s at 50 rps for the two flows with a live source and destination
	// (ingress->productpage, productpage->reviews); details and ratings do
	// not exist in this snapshot. Poisson sd of 1000 is ~32.
	if got := len(c.reqs); got < 850 || got > 1150 {
		t.Errorf("generated %d requests, want ≈ 1000", got)
	}
}

func TestPoissonMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, mean := range []float64{0.5, 5, 80} {
		sum := 0
		const n = 20_000
		for range n {
			sum += poisson(rng, mean)
		}
		if got := float64(sum) / n; math.Abs(got-mean) > 4*math.Sqrt(mean/n) {
			t.Errorf("poisson(%v) mean = %.3f", mean, got)
		}
	}
}
