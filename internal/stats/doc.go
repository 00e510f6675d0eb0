// Package stats holds the pure mathematics behind gitshift's canary analysis:
// Wilson score intervals for observed proportions, and anytime-valid
// sequential Bayes factors (beta-binomial mixtures against a point null) for
// the traffic split, the error rate and the latency histogram; and Counts,
// the integer counters they are computed from, which metrics measures and
// the judge and the rollout engine consume.
//
// Everything here is stdlib-only and free of I/O. The formulas follow
// docs/statistics.md and ../shared/reference/stats.md; every Bayes factor is
// computed in log space (math.Lgamma) so counts up to 1e9 stay finite.
//
// Validity rests on Ville's inequality: a non-negative martingale with mean 1
// under the null exceeds 1/α with probability at most α, however often it is
// looked at. Every LogBF function in this package returns the log of such a
// martingale's value (a mixture likelihood ratio with a proper prior).
package stats
