// Package controller is `gitshift controller`: it reconciles CanaryPolicy
// objects (gitshift.dev/v1alpha1) with controller-runtime and drives the
// same rollout engine as the CLI, one Engine.Step per reconcile, requeueing
// after the step's delay. Git stays the source of truth: a restarted or
// failed-over controller rebuilds every rollout from its commits' trailers
// and the live state, as `gitshift rollout start` resumes one.
//
// Reconcile is an ordered list of steps (reconcile.go): read the policy,
// step its running rollout, or look for a trigger when none runs, then
// write the status once. The trigger rules (trigger.go) and the status and
// conditions (status.go) are pure functions, table-tested; what needs Git or
// the cluster sits behind Backend (backend.go), wire in production and fakes
// in tests and the benchmark.
package controller
