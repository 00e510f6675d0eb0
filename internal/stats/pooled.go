package stats

import "math"

// PooledEvidence is one anytime-valid evidence process per rollout for "the
// canary's error rate is higher than the baseline's" (docs/statistics.md §2).
//
// Each window t (one look: the increase of the counters since the previous
// look) is conditioned on where its requests went and on how many of them
// failed: n_C, n_B requests and E = x + y errors, x on the canary. Under H0
// (within a window a request's error probability does not depend on its arm,
// whatever the common rate, the weight or the time) x is hypergeometric.
// For an odds ratio ψ = e^β the window's factor is
//
//	L_t(β) = e^{β·x} / (1 − w + w·e^β)^E,   w = n_C / (n_C + n_B),
//
// the likelihood ratio of Binomial(E, θ(β)) against Binomial(E, w), where
// θ(β) is the canary's share of errors at odds ratio ψ. Its mean is exactly 1
// under Binomial(E, w) and at most 1 under the hypergeometric law
// (Hoeffding 1963, Thm 4: sampling without replacement is dominated in the
// convex order, and e^{βx} is convex), and smaller still when the canary is
// better (ψ ≤ 1, monotone likelihood ratio). So Π_t L_t(β) is a test
// supermartingale for every fixed β > 0, and so is the mixture over a prior
// on β shared by all windows:
//
//	M_T = Σ_g π_g Π_{t≤T} L_t(β_g).
//
// Weights may change between windows (each factor is conditionally mean ≤ 1
// given the past); the effect β is shared, so evidence pools across steps
// when the canary is equally worse at every weight, and is still valid when
// it is not. Ville: P(sup_T M_T ≥ 1/α) ≤ α under H0.
//
// The prior is a half-normal on β with scale PooledPriorScale, discretised
// on a grid and renormalised: a finite mixture, so exactly a test
// supermartingale with no quadrature error in the bound. The zero value is
// ready to use (no evidence, M = 1).
type PooledEvidence struct {
	sums    []float64 // Σ_t log L_t(β_g)
	windows int       // windows with at least one error on a split window
	logM    float64   // cached log M
}

// PooledPriorScale is the half-normal scale of the prior on the log odds
// ratio β: most mass on 1.5×–20× regressions (P(ψ < 2) ≈ 0.27,
// P(2 < ψ < 10) ≈ 0.48), little on effects too small to resolve or so
// large that any prior finds them.
const PooledPriorScale = 2.0

// The grid: β_g = (g + ½)·pooledStep for g < pooledPoints (up to β = 8,
// ψ ≈ 3000).
const (
	pooledStep   = 0.1
	pooledPoints = 80
)

var pooledBeta, pooledLogPrior, pooledExpm1 = pooledGrid()

func pooledGrid() (beta, logPrior, expm1 []float64) {
	beta = make([]float64, pooledPoints)
	logPrior = make([]float64, pooledPoints)
	expm1 = make([]float64, pooledPoints)
	var total float64
	for g := range beta {
		beta[g] = (float64(g) + 0.5) * pooledStep
		expm1[g] = math.Expm1(beta[g])
		total += math.Exp(-beta[g] * beta[g] / (2 * PooledPriorScale * PooledPriorScale))
	}
	for g := range beta {
		logPrior[g] = -beta[g]*beta[g]/(2*PooledPriorScale*PooledPriorScale) - math.Log(total)
	}
	return beta, logPrior, expm1
}

// PooledLogFactor is log L_t(β) for one window: x canary errors of e errors
// in all, the canary's share of the window's requests w.
func PooledLogFactor(x, e int64, w, beta float64) float64 {
	return float64(x)*beta - float64(e)*math.Log1p(w*math.Expm1(beta))
}

// Observe adds one window: the canary's and the baseline's requests and
// errors since the previous window. A window without errors, or without
// requests on one arm, carries no evidence (its factor is 1). Negative
// counts or more errors than requests are ignored (the judge validates and
// clamps its inputs first).
func (p *PooledEvidence) Observe(canaryRequests, canaryErrors, baselineRequests, baselineErrors int64) {
	x, e := canaryErrors, canaryErrors+baselineErrors
	if canaryRequests <= 0 || baselineRequests <= 0 || e == 0 || x < 0 || baselineErrors < 0 ||
		canaryErrors > canaryRequests || baselineErrors > baselineRequests {
		return
	}
	if p.sums == nil {
		p.sums = make([]float64, pooledPoints)
	}
	w := float64(canaryRequests) / float64(canaryRequests+baselineRequests)
	fx, fe := float64(x), float64(e)
	for g, b := range pooledBeta {
		p.sums[g] += fx*b - fe*math.Log1p(w*pooledExpm1[g])
	}
	p.windows++
	p.logM = logSumExp(pooledLogPrior, p.sums)
}

// LogE returns log M, the log of the rollout's evidence so far.
func (p *PooledEvidence) LogE() float64 { return p.logM }

// Reject reports whether the evidence reached 1/α.
func (p *PooledEvidence) Reject(alpha float64) bool {
	return alpha > 0 && p.logM >= LogThreshold(alpha)
}

// logSumExp returns log Σ_g exp(a_g + b_g).
func logSumExp(a, b []float64) float64 {
	peak := math.Inf(-1)
	for g := range a {
		peak = max(peak, a[g]+b[g])
	}
	if math.IsInf(peak, 0) {
		return peak
	}
	var s float64
	for g := range a {
		s += math.Exp(a[g] + b[g] - peak)
	}
	return peak + math.Log(s)
}
