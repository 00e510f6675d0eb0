package rollout

import (
	"context"
	"time"
)

// The engine's dependencies, declared where they are used and kept small.
// The CLI adapts the shift, gitrepo, argocd, kube, metrics and judge packages
// to them; tests use in-memory fakes.

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
	Expect   map[string]int32
	Message  string // subject line
	Trailers []Trailer
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

// LiveWeights reads the live VirtualService route's weights per subset.
type LiveWeights interface {
	Weights(ctx context.Context) (map[string]int32, error)
}

// Counts are integer counters for one subset: requests, errors (by the
// policy's codes) and cumulative latency histogram buckets.
type Counts struct {
	Requests int64    `json:"requests"`
	Errors   int64    `json:"errors"`
	Buckets  []Bucket `json:"buckets,omitempty"`
}

// Bucket is one cumulative histogram bucket: Count requests took ≤ LE
// seconds (Prometheus le buckets, +Inf last).
type Bucket struct {
	LE    float64 `json:"le"`
	Count int64   `json:"count"`
}

// CounterSource counts the canary's and the baseline's requests in the
// window (since, at]: increases of the raw counters, resets handled, never
// rate() extrapolations. The engine keeps since at the step's analysis start
// and takes differences between looks, so every request is counted once.
// It returns an error wrapping ErrUnavailable when Prometheus cannot be
// reached, and one wrapping ErrNoData when the series do not exist (yet).
type CounterSource interface {
	Counts(ctx context.Context, since, at time.Time) (canary, baseline Counts, err error)
}

// Querier evaluates a custom check's PromQL to one scalar.
type Querier interface {
	Query(ctx context.Context, promql string, at time.Time) (float64, error)
}

// Judge decides on the canary from counts. BeginStep starts a new step (the
// weight changed); Observe takes the increase since the previous look, for
// both arms, and returns the judgement over the step so far.
type Judge interface {
	BeginStep(at time.Time, weight int32) error
	Observe(at time.Time, canary, baseline Counts) (Assessment, error)
}

// Verdict is the judge's answer.
type Verdict int

const (
	VerdictContinue Verdict = iota // no test rejected; not enough evidence to advance yet
	VerdictPromote                 // the judge's evidence criteria are met: may advance
	VerdictFail                    // a test rejected or a guard tripped: roll back
)

func (v Verdict) String() string {
	return [...]string{"Continue", "Promote", "Fail"}[v]
}

// MarshalText writes the verdict name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Assessment is a Judge's verdict with the numbers behind it.
type Assessment struct {
	Verdict Verdict
	Reason  string // why it failed, in words with numbers
	Report  Report
}

// Report is what the live view, the events and the final report show about
// the analysis of a step.
type Report struct {
	CanaryRequests    int64         `json:"canaryRequests"`
	CanaryErrors      int64         `json:"canaryErrors"`
	BaselineRequests  int64         `json:"baselineRequests"`
	BaselineErrors    int64         `json:"baselineErrors"`
	Weight            int32         `json:"weight"`
	ObservedSplit     float64       `json:"observedSplit"` // canary share of requests
	SplitLow          float64       `json:"splitLow"`      // 95% Wilson interval
	SplitHigh         float64       `json:"splitHigh"`
	CanaryErrorRate   float64       `json:"canaryErrorRate"`
	BaselineErrorRate float64       `json:"baselineErrorRate"`
	CanaryP50         float64       `json:"canaryP50Seconds,omitempty"`
	CanaryP99         float64       `json:"canaryP99Seconds,omitempty"`
	BaselineP50       float64       `json:"baselineP50Seconds,omitempty"`
	BaselineP99       float64       `json:"baselineP99Seconds,omitempty"`
	Tests             []TestResult  `json:"tests,omitempty"`
	InStep            time.Duration `json:"inStep"`
	Checks            []CheckResult `json:"checks,omitempty"`
}

// TestResult is one sequential test: its statistic (e.g. log Bayes factor)
// against the bound at which it rejects.
type TestResult struct {
	Name      string  `json:"name"`
	Statistic float64 `json:"statistic"`
	Bound     float64 `json:"bound"`
	Rejected  bool    `json:"rejected"`
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
