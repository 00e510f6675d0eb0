// Package simulate measures a canary policy's operating characteristics:
// it runs many simulated rollouts of a service (Poisson traffic, per-arm
// error rates and latency histograms) through the rollout's own judge and
// stepping rule (policy.NewJudge, judge.Advance), beside reference rules:
// the judge of the previous release, Flagger-style success-rate checks and
// the oracle SPRT that knows the true rates (the information limit). It
// reports false rollbacks, detection times, the canary errors served before
// a rollback and the time a healthy canary takes to reach 100%.
// `gitshift simulate` prints its table; docs/statistics.md quotes it.
package simulate
