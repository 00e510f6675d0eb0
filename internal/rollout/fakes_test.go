package rollout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// world wires in-memory fakes of Git, Argo CD + cluster, Prometheus, the
// judge and the lease into one consistent little system: a commit's weights
// become live when the fake Argo CD syncs it, and traffic follows the live
// weights.
type world struct {
	t     *testing.T
	pol   *policy.CanaryPolicy
	clock *fakeClock
	git   *fakeGit
	argo  *fakeArgo
	prom  *fakeProm
	judge *fakeJudge
	// real, when set, is the engine's judge instead of the fake.
	real   Judge
	lease  *fakeLease
	hooks  *fakeHooks
	query  *fakeQuerier
	events []Event
	// onEvent lets a scenario act like a person at a moment of the rollout.
	onEvent func(w *world, ev Event)
	cancel  context.CancelFunc
	// sync and live replace argo as the engine's SyncWaiter / LiveWeights.
	sync SyncWaiter
	live LiveWeights
	// cp is the control plane (nil: none, the API server's word).
	cp ControlPlane
}

func newWorld(t *testing.T) *world {
	t.Helper()
	base := policy.CanaryPolicy{Spec: policy.Spec{
		Target:       policy.Target{Application: "bookinfo", VirtualService: policy.ObjectRef{Namespace: "bookinfo", Name: "reviews"}},
		StableSubset: "v1", CanarySubset: "v3",
		StepDefaults: policy.StepDefaults{MinDuration: policy.D(time.Minute), MinCanaryRequests: 100, MaxDuration: policy.D(10 * time.Minute)},
		Analysis:     policy.Analysis{Interval: policy.D(10 * time.Second), NoDataTimeout: policy.D(time.Minute)},
		SyncTimeout:  policy.D(2 * time.Minute),
	}}
	p, err := policy.Complete(base, policy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, pol: p, clock: &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}}
	w.git = &fakeGit{w: w, weights: map[string]int32{"v1": 100}, byCommit: map[string]map[string]int32{}}
	w.git.foreign("initial manifests", map[string]int32{"v1": 100})
	w.argo = &fakeArgo{w: w, live: map[string]int32{"v1": 100}}
	w.prom = &fakeProm{w: w, perTick: 1000, canaryErr: 0.005, baseErr: 0.005}
	w.judge = &fakeJudge{}
	w.lease = &fakeLease{}
	w.hooks = &fakeHooks{}
	w.query = &fakeQuerier{value: 1}
	return w
}

func (w *world) engine(o Options) *Engine {
	w.t.Helper()
	o.LiveRetry = time.Second
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	var sync SyncWaiter = w.argo
	if w.sync != nil {
		sync = w.sync
	}
	var live LiveWeights = w.argo
	if w.live != nil {
		live = w.live
	}
	var j Judge = w.judge
	if w.real != nil {
		j = w.real
	}
	e, err := New(w.pol, Deps{Shifter: w.git, Signaler: w.git, Sync: sync, Live: live, Counters: w.prom, Judge: j,
		History: w.git, Lease: w.lease, Clock: w.clock, Hooks: w.hooks, Querier: w.query, ControlPlane: w.cp,
		Events: SinkFunc(func(_ context.Context, ev Event) {
			w.events = append(w.events, ev)
			if w.onEvent != nil {
				w.onEvent(w, ev)
			}
		})}, o)
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

// run runs the engine to the end (or until a scenario crashes it).
func (w *world) run(o Options) (*Result, error) {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.cancel = cancel
	return w.engine(o).Run(ctx)
}

// crash simulates SIGKILL: the context ends; the engine returns at once.
func (w *world) crash() { w.cancel() }

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

// fakeGit is the remote branch: Shifter, Signaler and History at once.
type fakeGit struct {
	w        *world
	commits  []Commit // oldest first
	weights  map[string]int32
	byCommit map[string]map[string]int32
	seq      int
	// pushFail makes the next Shift calls fail as exhausted retries.
	pushFail int
	// conflictAt makes the Shift of step N ("N/M") report a conflict.
	conflictAt string
	// beforePush / afterPush let scenarios crash around a push.
	beforePush func(req ShiftRequest)
	afterPush  func(c Commit)
	shifts     int
	// routing and routingAt are the header route and mirror (routed_test.go).
	routing   mesh.CanaryRouting
	routingAt map[string]mesh.CanaryRouting
}

func (g *fakeGit) add(subject, author string, tr []Trailer, weights map[string]int32) Commit {
	g.seq++
	c := Commit{SHA: fmt.Sprintf("%040x", g.seq), Author: author, Time: g.w.clock.now, Subject: subject, Trailers: map[string]string{}}
	for _, t := range tr {
		c.Trailers[t.Key] = t.Value
	}
	if weights != nil {
		g.weights = copyWeights(weights)
	}
	g.byCommit[c.SHA] = copyWeights(g.weights)
	if g.routingAt == nil {
		g.routingAt = map[string]mesh.CanaryRouting{}
	}
	g.routingAt[c.SHA] = g.routing
	g.commits = append(g.commits, c)
	return c
}

func (g *fakeGit) foreign(subject string, weights map[string]int32) Commit {
	return g.add(subject, "alice", nil, weights)
}

func (g *fakeGit) signal(s Signal) Commit {
	id := ""
	for i := len(g.commits) - 1; i >= 0 && id == ""; i-- {
		id = g.commits[i].Trailers[TrailerRollout]
	}
	return g.add("signal "+string(s), "bob", []Trailer{{TrailerAction, ActionControl}, {TrailerRollout, id},
		{TrailerVirtualService, "bookinfo/reviews"}, {TrailerSignal, string(s)}}, nil)
}

func (g *fakeGit) Shift(ctx context.Context, req ShiftRequest) (ShiftResult, error) {
	g.shifts++
	tr := map[string]string{}
	for _, t := range req.Trailers {
		tr[t.Key] = t.Value
	}
	if g.conflictAt != "" && tr[TrailerStep] == g.conflictAt && tr[TrailerAction] != ActionRollback {
		return ShiftResult{}, fmt.Errorf("remote changed v1/v3 meanwhile: %w", ErrConflict)
	}
	if g.pushFail > 0 {
		g.pushFail--
		return ShiftResult{}, fmt.Errorf("push rejected 5 times: %w", ErrPushExhausted)
	}
	if g.beforePush != nil {
		g.beforePush(req)
		if ctx.Err() != nil {
			return ShiftResult{}, ctx.Err()
		}
	}
	if req.ExpectRouting != nil && !sameRouting(*req.ExpectRouting, g.routing, "v3") {
		return ShiftResult{}, fmt.Errorf("remote changed the header route or mirror meanwhile: %w", ErrConflict)
	}
	if req.Routing != nil {
		g.routing = *req.Routing
	}
	c := g.add(req.Message, "gitshift", req.Trailers, req.Weights)
	if g.afterPush != nil {
		g.afterPush(c)
	}
	if ctx.Err() != nil { // killed before learning that the push succeeded
		return ShiftResult{}, ctx.Err()
	}
	return ShiftResult{SHA: c.SHA, PushedAt: c.Time}, nil
}

func (g *fakeGit) Signal(_ context.Context, msg string, tr []Trailer) (ShiftResult, error) {
	c := g.add(msg, "gitshift", tr, nil)
	return ShiftResult{SHA: c.SHA, PushedAt: c.Time}, nil
}

func (g *fakeGit) Log(_ context.Context, n int) ([]Commit, error) {
	var out []Commit
	for i := len(g.commits) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, g.commits[i])
	}
	return out, nil
}

func (g *fakeGit) Weights(_ context.Context, rev string) (map[string]int32, error) {
	if rev == "" {
		return copyWeights(g.weights), nil
	}
	return copyWeights(g.byCommit[rev]), nil
}

// ours lists gitshift's commits as "action step" strings, oldest first.
func (g *fakeGit) ours() []string {
	var out []string
	for _, c := range g.commits {
		if a := c.Trailers[TrailerAction]; a != "" {
			s := a + " " + c.Trailers[TrailerStep]
			if sig := c.Trailers[TrailerSignal]; sig != "" {
				s = a + " " + sig
			}
			out = append(out, s)
		}
	}
	return out
}

// fakeArgo syncs commits into the live VirtualService.
type fakeArgo struct {
	w    *world
	live map[string]int32
	// neverSync lists SHAs Argo CD does not sync (by weight string of the commit).
	neverSync func(sha string) bool
	// drift replaces the live weights after a sync (a live edit).
	drift   map[string]int32
	onWait  func(sha string)
	liveErr error
	routing mesh.CanaryRouting
}

func (a *fakeArgo) WaitSynced(ctx context.Context, sha string, _ time.Time) error {
	if a.onWait != nil {
		a.onWait(sha)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if a.neverSync != nil && a.neverSync(sha) {
		// The fake clock cannot make a real deadline pass: jump past it.
		a.w.clock.now = a.w.clock.now.Add(a.w.pol.Spec.SyncTimeout.Duration)
		return context.DeadlineExceeded
	}
	a.live = copyWeights(a.w.git.byCommit[sha])
	a.routing = a.w.git.routingAt[sha]
	if a.drift != nil {
		a.live = copyWeights(a.drift)
	}
	return nil
}

func (a *fakeArgo) Weights(context.Context) (map[string]int32, error) {
	if a.liveErr != nil {
		return nil, a.liveErr
	}
	return copyWeights(a.live), nil
}

// fakeProm serves cumulative counters that grow by perTick requests per
// look, split by the live weights, with the given error rates.
type fakeProm struct {
	w                    *world
	perTick              int64
	canaryErr, baseErr   float64
	canary, base         stats.Counts
	since                time.Time
	calls                int
	fail                 func(call int) error // error for this call, or nil
	noTraffic            bool
	onCall               func(call int)
	canaryErrAfterWeight int32 // canaryErr applies only at or above this weight (0: always)
	// header and mirror steps (routed_test.go)
	stepCanary                stats.Counts
	stepFrom                  int
	misrouted, misroutedSoFar int64
	headerTraffic             *HeaderTraffic // nil: testers send the header
}

// Counts returns the increase since `since`: a new window start (a new
// step) starts the counters from zero.
func (p *fakeProm) Counts(_ context.Context, since, _ time.Time) (stats.Counts, stats.Counts, error) {
	p.calls++
	if !since.Equal(p.since) {
		p.since, p.canary, p.base = since, stats.Counts{}, stats.Counts{}
		p.stepCanary, p.stepFrom = stats.Counts{}, p.calls-1
	}
	if p.onCall != nil {
		p.onCall(p.calls)
	}
	if p.fail != nil {
		if err := p.fail(p.calls); err != nil {
			return stats.Counts{}, stats.Counts{}, err
		}
	}
	if !p.noTraffic {
		cw := int64(p.w.argo.live[p.w.pol.Spec.CanarySubset])
		cn := p.perTick * cw / 100
		bn := p.perTick - cn
		rate := p.canaryErr
		if int32(cw) < p.canaryErrAfterWeight {
			rate = p.baseErr
		}
		p.canary.Requests += cn
		p.canary.Errors += int64(float64(cn)*rate + 0.5)
		p.base.Requests += bn
		p.base.Errors += int64(float64(bn)*p.baseErr + 0.5)
	}
	return p.canary, p.base, nil
}

// fakeJudge: fails when the canary's error rate over the step is above
// twice the baseline's with at least 5 canary errors; promotes from 100
// canary requests. Enough to drive every transition; the real statistics
// are tested in internal/judge.
type fakeJudge struct {
	c, b   stats.Counts
	steps  []int32
	shares []float64
	forced *judge.Decision
	ni     *judge.NonInferiority // reported as it is (nil: none)
	// lean is reported on the first leanLooks looks of step 1 (every one
	// when leanLooks < 0).
	lean      *judge.Leaning
	leanLooks int
	looks     int
}

func (j *fakeJudge) BeginStep(_ time.Time, weight int32) error {
	j.c, j.b = stats.Counts{}, stats.Counts{}
	j.steps = append(j.steps, weight)
	return nil
}

func (j *fakeJudge) Observe(_ time.Time, c, b stats.Counts) (judge.Decision, error) {
	if err := errors.Join(j.c.Add(c), j.b.Add(b)); err != nil {
		return judge.Decision{}, err
	}
	rep := judge.Report{CanaryRequests: j.c.Requests, CanaryErrors: j.c.Errors, BaselineRequests: j.b.Requests, BaselineErrors: j.b.Errors,
		CanaryErrorRate: j.c.ErrorRate(), BaselineErrorRate: j.b.ErrorRate(), NonInferiority: j.ni}
	if j.looks++; len(j.steps) == 1 && (j.leanLooks < 0 || j.looks <= j.leanLooks) {
		rep.Leaning = j.lean
	}
	if j.forced != nil {
		d := *j.forced
		d.Report = rep
		return d, nil
	}
	if j.c.Errors >= 5 && rep.CanaryErrorRate > 2*rep.BaselineErrorRate {
		return judge.Decision{Verdict: judge.Fail, Reason: judge.ReasonErrorRate,
			Detail: fmt.Sprintf("error rate %.2f%% vs %.2f%%", 100*rep.CanaryErrorRate, 100*rep.BaselineErrorRate), Report: rep}, nil
	}
	if j.c.Requests >= 100 {
		return judge.Decision{Verdict: judge.Promote, Report: rep}, nil
	}
	return judge.Decision{Verdict: judge.Continue, Report: rep}, nil
}

type fakeLease struct {
	held               bool
	loseAfter          int // Renew fails after this many renewals (0: never)
	renewals           int
	acquired, released int
	evidence           map[string]judge.Saved
	loadErr            error
}

func (l *fakeLease) Acquire(context.Context) error {
	if l.held {
		return &LeaseHeldError{Lease: "bookinfo/gitshift-reviews", Holder: "other-runner"}
	}
	l.acquired++
	return nil
}

func (l *fakeLease) Renew(context.Context) error {
	l.renewals++
	if l.loseAfter > 0 && l.renewals > l.loseAfter {
		return fmt.Errorf("lease taken over by other-runner: %w", ErrLeaseLost)
	}
	return nil
}

func (l *fakeLease) Release(context.Context) error { l.released++; return nil }

// The fake lease keeps every save at once (the real one writes later saves
// with its renewals).
func (l *fakeLease) SaveEvidence(_ context.Context, id string, s judge.Saved) error {
	if l.evidence == nil {
		l.evidence = map[string]judge.Saved{}
	}
	l.evidence[id] = s
	return nil
}

func (l *fakeLease) LoadEvidence(id string) (judge.Saved, time.Time, bool, error) {
	if l.loadErr != nil {
		return judge.Saved{}, time.Time{}, false, l.loadErr
	}
	s, ok := l.evidence[id]
	return s, time.Time{}, ok, nil
}

type fakeHooks struct {
	fail  map[HookPoint]error
	calls []HookPoint
}

func (h *fakeHooks) Call(_ context.Context, p HookPoint, _ Event) error {
	h.calls = append(h.calls, p)
	return h.fail[p]
}

type fakeQuerier struct {
	value float64
	err   error
}

func (q *fakeQuerier) Query(context.Context, string, time.Time) (float64, error) {
	return q.value, q.err
}

func copyWeights(w map[string]int32) map[string]int32 {
	out := make(map[string]int32, len(w))
	for k, v := range w {
		out[k] = v
	}
	return out
}

var errPromDown = fmt.Errorf("dial tcp 127.0.0.1:9090: connection refused: %w", ErrUnavailable)

func isErr[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}
