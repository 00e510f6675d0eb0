package stats

import (
	"errors"
	"math"
)

// ErrNoConvergence is returned when the incomplete-beta continued fraction
// does not converge; callers fall back to a simpler, still valid, rule.
var ErrNoConvergence = errors.New("stats: incomplete beta continued fraction did not converge")

// LogBeta returns log B(a,b) = lgamma(a) + lgamma(b) − lgamma(a+b) for a,b > 0.
func LogBeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// LogBetaUpperTail returns log(1 − I_x(a,b)) = log P(θ > x) for θ ~ Beta(a,b),
// where I is the regularised incomplete beta function.
//
// It evaluates the continued fraction of DLMF 8.17.22,
//
//	I_x(a,b) = x^a (1−x)^b / (a·B(a,b)) · 1/(1+ d₁/(1+ d₂/(1+ …)))
//	d₂ₘ₊₁ = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)),  d₂ₘ = m(b−m)x / ((a+2m−1)(a+2m)),
//
// with the modified Lentz method. The fraction converges quickly only for
// x < (a+1)/(a+b+2); above that point the symmetry 1 − I_x(a,b) = I_{1−x}(b,a)
// is used, so the tail that is small is always the one computed directly and
// its logarithm never underflows (the prefactor is assembled in log space).
func LogBetaUpperTail(x, a, b float64) (float64, error) {
	switch {
	case !(a > 0 && b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(x):
		return math.NaN(), errors.New("stats: beta tail needs finite a, b > 0")
	case x <= 0:
		return 0, nil
	case x >= 1:
		return math.Inf(-1), nil
	}
	if x < (a+1)/(a+b+2) {
		logLower, err := logBetaCF(x, a, b)
		if err != nil {
			return math.NaN(), err
		}
		return math.Log1p(-math.Exp(logLower)), nil
	}
	return logBetaCF(1-x, b, a)
}

// logBetaCF returns log I_x(a,b) via the continued fraction; the caller
// guarantees x is below the switching point so the fraction converges.
func logBetaCF(x, a, b float64) (float64, error) {
	const (
		eps  = 1e-15
		tiny = 1e-300
	)
	// Convergence needs O(sqrt(max(a,b))) terms near the switching point.
	maxIter := 1000 + int(20*math.Sqrt(max(a, b)))
	clamp := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c := 1.0
	d := 1 / clamp(1-(a+b)*x/(a+1)) // 1 + d₁, d₁ = −(a+b)x/(a+1)
	h := d
	converged := false
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		// Even step d₂ₘ.
		num := fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm))
		d = 1 / clamp(1+num*d)
		c = clamp(1 + num/c)
		h *= d * c
		// Odd step d₂ₘ₊₁.
		num = -(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))
		d = 1 / clamp(1+num*d)
		c = clamp(1 + num/c)
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < eps {
			converged = true
			break
		}
	}
	if !converged || !(h > 0) {
		return math.NaN(), ErrNoConvergence
	}
	logPrefactor := a*math.Log(x) + b*math.Log1p(-x) - math.Log(a) - LogBeta(a, b)
	return logPrefactor + math.Log(h), nil
}
