// Package fence holds no code: its test is the module's dependency fence.
// It checks, from `go list -deps`, that the offline packages (source, mesh,
// check, edit, gitrepo, metrics, stats, judge, rollout, rollout/policy)
// import no cluster client and that no production package imports the lab
// (internal/lab, internal/meshsim, internal/sidecar) or package testing.
package fence
