package rollout

import (
	"context"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/stats"
)

// The engine's dependencies, declared where they are used and kept small.
// Package adapt fits the shift, gitrepo, argocd, kube and metrics packages to
// them (the judge fits as it is); tests use in-memory fakes.

// Shifter commits new weights for the rollout's VirtualService and pushes
// them safely (compare-and-swap, never force). It returns an error wrapping
// ErrConflict when the remote changed the same weights meanwhile, and one
// wrapping ErrPushExhausted when pushes kept failing (the remote unchanged).
type Shifter interface {
	Shift(ctx context.Context, req ShiftRequest) (ShiftResult, error)
}

// ShiftRequest asks for one commit that sets Weights on the target route.
type ShiftRequest struct {
	Weights map[string]int32
	// Expect are the weights the rollout believes Git has (nil: no
	// expectation, the first step). A Shifter that finds others must fail
	// with ErrConflict instead of overwriting a person's change.
	Expect map[string]int32
	// Routing, when set, is the header route and mirror the commit leaves
	// (nil fields remove gitshift's header route and the canary's mirror);
	// nil leaves them as they are. ExpectRouting is what the rollout
	// believes Git has, checked like Expect.
	Routing, ExpectRouting *mesh.CanaryRouting
	Message                string // subject line
	Trailers               []Trailer
}

// ShiftResult is the pushed commit.
type ShiftResult struct {
	SHA      string
	PushedAt time.Time
}

// Signaler pushes an empty commit carrying control trailers (pause, resume,
// promote, abort), with the same push safety as Shifter.
type Signaler interface {
	Signal(ctx context.Context, message string, trailers []Trailer) (ShiftResult, error)
}

// SyncWaiter refreshes the Argo CD Application and blocks until it has
// synced sha (Synced, Healthy, reconciled after pushedAt) or ctx ends.
type SyncWaiter interface {
	WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error
}

// SyncRefresher is optionally implemented by a SyncWaiter: Refresh asks
// Argo CD to read Git now. The engine calls it the moment a push returns,
// before it records the commit (events, webhooks) and before the next step
// renews the lease, so Argo CD works on the commit meanwhile. A failure is
// only logged: WaitSynced refreshes when it has not been done for sha.
type SyncRefresher interface {
	Refresh(ctx context.Context, sha string) error
}

// LiveWeights reads the live VirtualService route's weights per subset.
type LiveWeights interface {
	Weights(ctx context.Context) (map[string]int32, error)
}

// LiveWaiter is optionally implemented by LiveWeights: WaitWeights blocks
// up to within until the live weights equal want (a watch), and returns the
// weights it saw last. Not reaching want is not an error; an error means
// the weights could not be read. With it VerifyingLive waits for a lagging
// apply as long as it lags, instead of re-reading every LiveRetry.
type LiveWaiter interface {
	WaitWeights(ctx context.Context, want map[string]int32, within time.Duration) (map[string]int32, error)
}

// CounterSource counts the canary's and the baseline's requests in the
// window (since, at]: increases of the raw counters, resets handled, never
// rate() extrapolations. The engine keeps since at the step's analysis start
// and takes differences between looks, so every request is counted once.
// It returns an error wrapping ErrUnavailable when Prometheus cannot be
// reached, and one wrapping ErrNoData when the series do not exist (yet).
type CounterSource interface {
	Counts(ctx context.Context, since, at time.Time) (canary, baseline stats.Counts, err error)
}

// Querier evaluates a custom check's PromQL to one scalar.
type Querier interface {
	Query(ctx context.Context, promql string, at time.Time) (float64, error)
}

// Judge decides on the canary from counts: the seam between the engine and
// the statistics (internal/judge implements it). BeginStep starts a new step
// at the canary's weight in percent; Observe takes the increase since the
// previous look, for both arms, and returns the decision over the step so
// far. Step durations, minimum requests and missing data are the engine's.
type Judge interface {
	BeginStep(at time.Time, weight int32) error
	Observe(at time.Time, canary, baseline stats.Counts) (judge.Decision, error)
}

// Analysis is one look at a step as events and the closing report show it:
// the judge's report and the policy's custom checks. The report's fields are
// embedded, so its JSON is flat.
type Analysis struct {
	judge.Report
	Checks []CheckResult `json:"checks,omitempty"`
}

// CheckResult is one custom PromQL check.
type CheckResult struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Op        string  `json:"op"`
	Threshold float64 `json:"threshold"`
	OK        bool    `json:"ok"`
}

// Commit is one commit of the remote branch as History reports it.
type Commit struct {
	SHA      string
	Author   string
	Time     time.Time
	Subject  string
	Trailers map[string]string
}

// History reads the remote branch (freshly fetched).
type History interface {
	// Log returns up to n commits, newest first.
	Log(ctx context.Context, n int) ([]Commit, error)
	// Weights returns the target route's weights as Git has them at rev
	// ("" for the branch head).
	Weights(ctx context.Context, rev string) (map[string]int32, error)
}

// Lease makes one runner per VirtualService. Acquire returns a
// *LeaseHeldError when another live runner holds it; Renew returns an error
// wrapping ErrLeaseLost when someone took it over.
type Lease interface {
	Acquire(ctx context.Context) error
	Renew(ctx context.Context) error
	Release(ctx context.Context) error
}

// Clock is time, replaceable in tests.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Hooks calls the policy's webhooks. A nil Hooks calls none.
type Hooks interface {
	Call(ctx context.Context, point HookPoint, ev Event) error
}

// HookPoint names a webhook.
type HookPoint string

const (
	HookBeforeStep HookPoint = "beforeStep"
	HookAfterStep  HookPoint = "afterStep"
	HookOnRollback HookPoint = "onRollback"
)

// EventSink receives every event the engine records (terminal view, JSON
// lines, Kubernetes Events, notifications). It must not block for long.
type EventSink interface {
	Emit(ctx context.Context, ev Event)
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WallClock returns the real clock.
func WallClock() Clock { return realClock{} }
