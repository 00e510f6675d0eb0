package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// logHyper is the log pmf of the hypergeometric law of x canary errors among
// e errors, n_C canary and n_B baseline requests, at odds ratio psi (Fisher's
// noncentral hypergeometric; psi = 1 is the central law of H0).
func logHyper(nC, nB, e int64, psi float64) func(x int64) float64 {
	lo, hi := max(0, e-nB), min(e, nC)
	logW := func(x int64) float64 { return lchoose(nC, x) + lchoose(nB, e-x) + float64(x)*math.Log(psi) }
	var norm []float64
	for x := lo; x <= hi; x++ {
		norm = append(norm, logW(x))
	}
	z := logSumExp(norm, make([]float64, len(norm)))
	return func(x int64) float64 {
		if x < lo || x > hi {
			return math.Inf(-1)
		}
		return logW(x) - z
	}
}

// Every window's factor has mean exactly 1 under Binomial(E, w) and at most 1
// under the exact null (central hypergeometric: Hoeffding's convex order)
// and when the canary is better (ψ < 1), for every β of the grid: summed
// exactly over the law of x, not sampled.
func TestPooledFactorMeanUnderNull(t *testing.T) {
	for _, c := range []struct{ nC, nB, e int64 }{
		{1, 19, 1}, {5, 95, 2}, {25, 75, 7}, {50, 50, 30}, {3, 4, 5}, {100, 1900, 12}, {500, 500, 400},
	} {
		w := float64(c.nC) / float64(c.nC+c.nB)
		central, better := logHyper(c.nC, c.nB, c.e, 1), logHyper(c.nC, c.nB, c.e, 0.5)
		for g, beta := range pooledBeta {
			var binom, hyper, hyperBetter float64
			for x := int64(0); x <= c.e; x++ {
				f := math.Exp(PooledLogFactor(x, c.e, w, beta))
				binom += math.Exp(lchoose(c.e, x)+float64(x)*math.Log(w)+float64(c.e-x)*math.Log1p(-w)) * f
				hyper += math.Exp(central(x)) * f
				hyperBetter += math.Exp(better(x)) * f
			}
			if math.Abs(binom-1) > 1e-9 {
				t.Errorf("%+v β=%v: binomial mean %v, want 1", c, beta, binom)
			}
			if hyper > 1+1e-9 || hyperBetter > hyper+1e-9 {
				t.Errorf("%+v β=%v: hypergeometric mean %v (canary better %v), want ≤ 1", c, beta, hyper, hyperBetter)
			}
			if g == 0 && c.e > 1 && c.nC < c.e && hyper > 1-1e-6 {
				t.Errorf("%+v: without replacement should be strictly conservative, mean %v", c, hyper)
			}
		}
	}
	var sum float64
	for _, lp := range pooledLogPrior {
		sum += math.Exp(lp)
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("prior weights sum to %v", sum)
	}
}

// The rollout's evidence is one mixture over all windows: the log of the
// prior-weighted sum of the products, whatever the weights of the windows.
func TestPooledEvidenceIsOneMixture(t *testing.T) {
	windows := []struct{ nC, eC, nB, eB int64 }{{50, 3, 950, 4}, {0, 0, 100, 2}, {250, 4, 750, 3}, {500, 0, 500, 0}, {500, 6, 500, 2}}
	var p PooledEvidence
	want := make([]float64, len(pooledBeta))
	for _, w := range windows {
		p.Observe(w.nC, w.eC, w.nB, w.eB)
		if w.nC == 0 || w.eC+w.eB == 0 {
			continue
		}
		for g, b := range pooledBeta {
			want[g] += PooledLogFactor(w.eC, w.eC+w.eB, float64(w.nC)/float64(w.nC+w.nB), b)
		}
	}
	var m float64
	for g := range want {
		m += math.Exp(pooledLogPrior[g] + want[g])
	}
	if math.Abs(p.LogE()-math.Log(m)) > 1e-9 {
		t.Errorf("log E %v, want %v", p.LogE(), math.Log(m))
	}
	var zero PooledEvidence
	zero.Observe(10, 0, 90, 0)
	if zero.LogE() != 0 || zero.Reject(0.05) {
		t.Errorf("no errors must be no evidence: %v", zero.LogE())
	}
}

// Direction and strength: a 10× canary at 5% weight is found from a few
// dozen errors; a canary with fewer errors than its share lowers the evidence.
func TestPooledEvidenceDirection(t *testing.T) {
	var worse, better PooledEvidence
	for range 6 { // 6 windows of 50 canary / 950 baseline requests
		worse.Observe(50, 3, 950, 5) // 6% vs 0.5%
		better.Observe(50, 0, 950, 5)
	}
	if !worse.Reject(0.05) {
		t.Errorf("10× canary: log E %v below %v", worse.LogE(), LogThreshold(0.05))
	}
	if better.LogE() >= 0 {
		t.Errorf("better canary: log E %v should be negative", better.LogE())
	}
}

// Ville's bound, Monte Carlo: equal arms at changing weights, checked after
// every window for 2,000 windows; the rejection rate stays below α (with
// its sampling error).
func TestPooledEvidenceFalseRejections(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte Carlo; skipped under -short")
	}
	const runs, alpha = 2000, 0.05
	rng := rand.New(rand.NewPCG(3, 4))
	rejected := 0
	for range runs {
		var p PooledEvidence
		for win := range 200 {
			w := []float64{0.05, 0.25, 0.5}[win*3/200]
			nC, nB := int64(100*w), int64(100*(1-w))
			var eC, eB int64
			for range nC {
				if rng.Float64() < 0.02 {
					eC++
				}
			}
			for range nB {
				if rng.Float64() < 0.02 {
					eB++
				}
			}
			p.Observe(nC, eC, nB, eB)
			if p.Reject(alpha) {
				rejected++
				break
			}
		}
	}
	rate := float64(rejected) / runs
	if hi := rate + 2*math.Sqrt(rate*(1-rate)/runs); rate > alpha {
		t.Errorf("false rejections %.3f (≤ %.3f), want ≤ %v", rate, hi, alpha)
	}
	t.Logf("false rejections %.2f%% of %d runs", 100*rate, runs)
}
