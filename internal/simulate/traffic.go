package simulate

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// Traffic is what the simulated service receives: Poisson arrivals at RPS in
// total, split by the canary's weight; each request fails independently with
// its arm's error rate. With histograms, latencies are log-normal around the
// arm's median with LatencySigma, counted in Istio's default buckets.
type Traffic struct {
	RPS           float64
	BaselineError float64
	CanaryError   float64
	// Latency medians; both 0 means no histograms (the latency test then
	// sees no data, as for a service without them).
	BaselineLatency time.Duration
	CanaryLatency   time.Duration
}

// LatencySigma is the log-normal shape: p99 ≈ 3.2 × the median.
const LatencySigma = 0.5

// istioBuckets are istio_request_duration_milliseconds' default buckets up to
// 10 s, in seconds (+Inf last).
var istioBuckets = []float64{0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, math.Inf(1)}

// armModel is one arm's per-request probabilities: of an error, and of each
// disjoint latency bucket (nil without histograms).
type armModel struct {
	errRate float64
	bucket  []float64
}

func newArm(errRate float64, median time.Duration) armModel {
	a := armModel{errRate: errRate}
	if median <= 0 {
		return a
	}
	mu, prev := math.Log(median.Seconds()), 0.0
	for _, le := range istioBuckets {
		cdf := 1.0
		if !math.IsInf(le, 1) {
			cdf = 0.5 * math.Erfc(-(math.Log(le)-mu)/(LatencySigma*math.Sqrt2))
		}
		a.bucket = append(a.bucket, cdf-prev)
		prev = cdf
	}
	return a
}

// counts draws one window of mean requests on this arm: independent Poisson
// counts per (bucket × ok/error), which is exact thinning of a Poisson
// process; the cumulative buckets are what Prometheus would show.
func (a armModel) counts(rng *rand.Rand, mean float64) stats.Counts {
	if a.bucket == nil {
		e := poisson(rng, mean*a.errRate)
		return stats.Counts{Requests: e + poisson(rng, mean*(1-a.errRate)), Errors: e}
	}
	var c stats.Counts
	c.Buckets = make([]stats.Bucket, len(a.bucket))
	for b, pb := range a.bucket {
		e := poisson(rng, mean*pb*a.errRate)
		n := e + poisson(rng, mean*pb*(1-a.errRate))
		c.Requests += n
		c.Errors += e
		c.Buckets[b] = stats.Bucket{LE: istioBuckets[b], Count: c.Requests}
	}
	return c
}

// source draws windows of traffic for one rule of one run.
type source struct {
	rng              *rand.Rand
	rps              float64
	canary, baseline armModel
}

func newSource(rng *rand.Rand, t Traffic) *source {
	s := &source{rng: rng, rps: t.RPS, canary: newArm(t.CanaryError, t.CanaryLatency), baseline: newArm(t.BaselineError, t.BaselineLatency)}
	if (t.CanaryLatency > 0) != (t.BaselineLatency > 0) {
		// One arm without histograms would look like "no data": give both.
		med := max(t.CanaryLatency, t.BaselineLatency)
		s.canary, s.baseline = newArm(t.CanaryError, med), newArm(t.BaselineError, med)
	}
	return s
}

// window returns the counts of one window of length d at the canary's weight
// in percent.
func (s *source) window(weight int32, d time.Duration) (canary, baseline stats.Counts) {
	mean := s.rps * d.Seconds()
	w := float64(weight) / 100
	return s.canary.counts(s.rng, mean*w), s.baseline.counts(s.rng, mean*(1-w))
}

// stepWindow returns one window of a step: by weight, header-tagged
// requests (headerShare of them) at the canary, or mirrored copies. seen
// says whether the canary's responses reach users (a mirror's do not).
func (s *source) stepWindow(st policy.Step, headerShare float64, d time.Duration) (canary, baseline stats.Counts, seen bool) {
	mean := s.rps * d.Seconds()
	switch st.Kind() {
	case policy.StepHeader:
		return s.canary.counts(s.rng, mean*headerShare), s.baseline.counts(s.rng, mean*(1-headerShare)), true
	case policy.StepMirror:
		return s.canary.counts(s.rng, mean*float64(st.Mirror)/100), s.baseline.counts(s.rng, mean), false
	}
	c, b := s.window(st.Weight, d)
	return c, b, true
}

// poisson draws Poisson(mean): Knuth's product of uniforms below 10, else
// Hörmann's transformed rejection (PTRS, 1993), exact and O(1) per draw.
func poisson(rng *rand.Rand, mean float64) int64 {
	switch {
	case !(mean > 0):
		return 0
	case mean < 10:
		var n int64
		limit, prod := math.Exp(-mean), rng.Float64()
		for prod > limit {
			n++
			prod *= rng.Float64()
		}
		return n
	}
	sq, logMean := math.Sqrt(mean), math.Log(mean)
	b := 0.931 + 2.53*sq
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + mean + 0.43)
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v*invAlpha/(a/(us*us)+b)) <= -mean+k*logMean-lg {
			return int64(k)
		}
	}
}
