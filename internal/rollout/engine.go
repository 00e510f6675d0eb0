package rollout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Deps are the engine's collaborators. Querier and Hooks may be nil when the
// policy has no custom checks or webhooks; Events may be nil.
type Deps struct {
	Shifter  Shifter
	Signaler Signaler
	Sync     SyncWaiter
	Live     LiveWeights
	Counters CounterSource
	Judge    Judge
	History  History
	Lease    Lease
	Clock    Clock
	Querier  Querier
	Hooks    Hooks
	Events   EventSink
	// ControlPlane, when set, is waited on after the API server holds a
	// step (the strongest "live" signal); nil: the API server's word.
	ControlPlane ControlPlane
}

// Options tune the engine; the zero value is usable.
type Options struct {
	// ID names the rollout to resume or start. Empty: resume the newest
	// unfinished rollout of the VirtualService, or start a new one.
	ID string
	// HistoryDepth is how many commits are read to rebuild state (200).
	HistoryDepth int
	// LiveTries and LiveRetry bound how long the live weights may lag a
	// Synced Application before it counts as drift (5 × 2s).
	LiveTries int
	LiveRetry time.Duration
	// NewID names a new rollout (default "<vs>-<UTC time>").
	NewID  func(now time.Time) string
	Logger *slog.Logger
	// WaitForLease makes Step return a lease held by another runner, or
	// lost to one, as an error instead of stopping the rollout in Failed:
	// the controller requeues and tries again, the CLI exits 3.
	WaitForLease bool
	// MaxBlock bounds a step that waits for something outside (Argo CD's
	// sync): past it the step returns and is stepped again after
	// PollAfter. 0 waits up to the policy's own timeout in one step (CLI).
	MaxBlock time.Duration
	// PollAfter is the delay before such a step is retried (default 2s).
	PollAfter time.Duration
	// ControlPlaneWait bounds the wait for Deps.ControlPlane per step
	// (default DefaultControlPlaneWait).
	ControlPlaneWait time.Duration
	// Trigger says what started a new rollout; its first commit records it
	// in Gitshift-Trigger. Empty for a person's `rollout start`.
	Trigger string
}

// Engine runs one rollout of one policy.
type Engine struct {
	p *policy.CanaryPolicy
	d Deps
	// routed: the policy has header or mirror steps (see routing.go).
	routed bool
	o      Options
	vs     string
	log    *slog.Logger
}

// Outcome is what a step function decided: the next phase and what to record.
type Outcome struct {
	Next Phase
	// After delays running Next (polling); 0 runs it at once.
	After    time.Duration
	Decision Decision
	Reason   string
	// Cause is the typed error behind a rollback, pause or stop.
	Cause error
	// Commit is a commit this step pushed.
	Commit *TimelineEntry
	// Analysis is this look's report (Analysing, AwaitingGate).
	Analysis *Analysis
	// Note tells the live view what comes next.
	Note string
	// ControlPlane is the control plane's answer once the step was live
	// in the API server (nil without Deps.ControlPlane); ControlPlaneErr
	// says why it did not report the step applied.
	ControlPlane    *ControlPlaneStatus
	ControlPlaneErr error
	// Warning is something to know that does not stop the rollout (a step
	// that advanced on inconclusive evidence leaning toward a worse canary).
	Warning string
}

// Result is how a rollout ended.
type Result struct {
	ID       string          `json:"id"`
	Phase    Phase           `json:"phase"`
	Step     int             `json:"step"`
	Steps    int             `json:"steps"`
	Cause    error           `json:"-"`
	Reason   string          `json:"reason,omitempty"`
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished"`
	Timeline []TimelineEntry `json:"timeline"`
	Events   []Event         `json:"-"`
}

// New checks the dependencies and returns an engine for p (defaulted and
// validated, see policy.Complete).
func New(p *policy.CanaryPolicy, d Deps, o Options) (*Engine, error) {
	var missing []string
	for name, v := range map[string]any{"Shifter": d.Shifter, "Signaler": d.Signaler, "Sync": d.Sync, "Live": d.Live,
		"Counters": d.Counters, "Judge": d.Judge, "History": d.History, "Lease": d.Lease} {
		if v == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("rollout engine: missing dependencies %v", missing)
	}
	if len(p.Spec.Analysis.CustomChecks) > 0 && d.Querier == nil {
		return nil, errors.New("rollout engine: the policy has custom checks but no Prometheus querier was given")
	}
	if routed(p) {
		if err := checkRoutedDeps(d); err != nil {
			return nil, err
		}
	}
	if d.Clock == nil {
		d.Clock = WallClock()
	}
	if o.HistoryDepth <= 0 {
		o.HistoryDepth = 200
	}
	if o.LiveTries <= 0 {
		o.LiveTries = 5
	}
	if o.LiveRetry <= 0 {
		o.LiveRetry = 2 * time.Second
	}
	if o.PollAfter <= 0 {
		o.PollAfter = 2 * time.Second
	}
	if o.ControlPlaneWait <= 0 {
		o.ControlPlaneWait = DefaultControlPlaneWait
	}
	vs := p.Spec.Target.VirtualService.String()
	if o.NewID == nil {
		name := p.Spec.Target.VirtualService.Name
		o.NewID = func(now time.Time) string { return name + "-" + now.UTC().Format("20060102-150405") }
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Engine{p: p, d: d, o: o, vs: vs, routed: routed(p), log: o.Logger.With("virtualService", vs)}, nil
}

// Run drives the rollout until a terminal phase, and returns how it ended.
// The error is non-nil only when ctx ended first: the rollout then stays
// where Git says it is and a later Run resumes it. Run is a loop over Step
// that sleeps Outcome.After between steps: the CLI and the controller drive
// the same step function.
func (e *Engine) Run(ctx context.Context) (*Result, error) {
	r := e.Begin()
	defer e.Finish(ctx, r)
	for {
		after, done, err := e.Step(ctx, r)
		if err != nil || done {
			return e.result(r), err
		}
		if after > 0 {
			if err := e.d.Clock.Sleep(ctx, after); err != nil {
				return e.result(r), err
			}
		}
	}
}

// Begin returns a new rollout in Idle, to be driven by Step.
func (e *Engine) Begin() *Run {
	r := &Run{ID: e.o.ID, Phase: Idle, started: e.d.Clock.Now()}
	r.enteredAt = r.started
	return r
}

// Step runs the step function of r's phase once, records its outcome, and
// returns how long to wait before the next Step (Outcome.After) and whether
// r reached a terminal phase. It never sleeps: a caller that is not a
// terminal (the controller) requeues after the delay instead of parking a
// worker. The error is non-nil when ctx ended (r is unchanged and may be
// stepped again), and, with Options.WaitForLease, when the VirtualService's
// lease is held by another runner (*LeaseHeldError, in Idle) or was taken
// over (ErrLeaseLost): the rollout is then someone else's for now, and
// nothing is recorded.
func (e *Engine) Step(ctx context.Context, r *Run) (after time.Duration, done bool, err error) {
	if r.Phase.Terminal() {
		return 0, true, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	def := table[r.Phase]
	var out Outcome
	if r.leased {
		if err = e.d.Lease.Renew(ctx); err != nil {
			if e.o.WaitForLease && errors.Is(err, ErrLeaseLost) {
				r.leased = false
				return 0, false, err
			}
			err = fmt.Errorf("renewing the lease: %w", err)
		}
	}
	if err == nil {
		out, err = def.step(e, ctx, r)
	}
	if r.Phase == Idle && err == nil && out.Next != Failed {
		r.leased = true
	}
	if held := (*LeaseHeldError)(nil); e.o.WaitForLease && r.Phase == Idle && errors.As(out.Cause, &held) {
		return 0, false, out.Cause
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		out = Outcome{Next: Failed, Decision: DecisionStop, Cause: err, Reason: err.Error()}
	}
	if !def.allows(out.Next) {
		err := &TransitionError{From: r.Phase, To: out.Next}
		out = Outcome{Next: Failed, Decision: DecisionStop, Cause: err, Reason: err.Error()}
	}
	e.record(ctx, r, out)
	return out.After, out.Next.Terminal(), nil
}

// Finish releases the VirtualService's lease if r holds it. Call it once
// when done with r (ended, or abandoned on shutdown).
func (e *Engine) Finish(ctx context.Context, r *Run) {
	if !r.leased {
		return
	}
	r.leased = false
	// Release with a fresh context: ctx may be cancelled already, and a
	// released lease spares the next runner the stale wait.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := e.d.Lease.Release(rctx); err != nil {
		e.log.Warn("releasing the lease", "err", err)
	}
}

// Result is how r stands (or ended).
func (e *Engine) Result(r *Run) *Result { return e.result(r) }

func (e *Engine) result(r *Run) *Result {
	res := &Result{ID: r.ID, Phase: r.Phase, Step: r.Step, Steps: len(e.p.Spec.Steps), Cause: r.Cause,
		Started: r.started, Finished: e.d.Clock.Now(), Timeline: r.timeline, Events: r.events}
	if r.Cause != nil {
		res.Reason = r.Cause.Error()
	} else {
		res.Reason = r.Reason
	}
	return res
}

// record is the one place where an outcome becomes state, events and logs.
func (e *Engine) record(ctx context.Context, r *Run, out Outcome) {
	now := e.d.Clock.Now()
	from := r.Phase
	base := Event{Time: now, Rollout: r.ID, Phase: out.Next, Step: r.Step, Steps: len(e.p.Spec.Steps), Weights: r.Expected, SHA: r.StepSHA, Next: out.Note}
	if !r.analysisStart.IsZero() {
		base.InStep = now.Sub(r.analysisStart)
	}
	if r.Step >= 1 && r.Step <= e.steps() {
		base.StepKind = e.step(r.Step).Kind()
	}
	emit := func(ev Event) {
		r.events = append(r.events, ev)
		if e.d.Events != nil {
			e.d.Events.Emit(ctx, ev)
		}
	}
	if out.Commit != nil {
		r.timeline = append(r.timeline, *out.Commit)
		ev := base
		ev.Type, ev.SHA, ev.Weights, ev.Decision, ev.Reason = EventCommit, out.Commit.SHA, out.Commit.Weights, out.Commit.Decision, out.Commit.Reason
		ev.Action = out.Commit.Action
		if out.Commit.Header != nil || out.Commit.Mirror != nil {
			ev.Routing = &mesh.CanaryRouting{Header: out.Commit.Header, Mirror: out.Commit.Mirror}
		}
		emit(ev)
		e.log.Info("pushed", "sha", short(out.Commit.SHA), "action", out.Commit.Action, "step", out.Commit.Step, "weights", FormatWeights(out.Commit.Weights))
	}
	if out.ControlPlane != nil || out.ControlPlaneErr != nil {
		ev := base
		ev.Type, ev.ControlPlane = EventControlPlane, out.ControlPlane
		if out.ControlPlaneErr != nil {
			ev.Type, ev.Reason, ev.Error = EventWarning, "control plane: "+out.ControlPlaneErr.Error()+"; going on with the API server's word", out.ControlPlaneErr.Error()
			e.log.Warn("control plane: going on with the API server's word", "sha", short(r.StepSHA), "err", out.ControlPlaneErr)
		} else {
			ev.Reason = out.ControlPlane.Summary
			e.log.Info("applied by the control plane", "sha", short(r.StepSHA), "sincePush", out.ControlPlane.SincePush.Round(time.Millisecond),
				"resourceVersion", out.ControlPlane.ResourceVersion, "proxies", fmt.Sprintf("%d/%d", out.ControlPlane.Acked, out.ControlPlane.Proxies))
		}
		emit(ev)
	}
	if out.Analysis != nil {
		ev := base
		ev.Type, ev.Analysis, ev.Reason = EventAnalysis, out.Analysis, out.Reason
		emit(ev)
	}
	if out.Warning != "" {
		ev := base
		ev.Type, ev.Reason = EventWarning, out.Warning
		emit(ev)
		e.log.Warn(out.Warning, "step", r.Step)
	}
	if out.Cause != nil {
		r.Cause = out.Cause
	}
	if out.Decision != "" {
		r.Decision, r.Reason = out.Decision, out.Reason
		ev := base
		ev.Type, ev.Decision, ev.Reason = EventDecision, out.Decision, out.Reason
		if out.Cause != nil {
			ev.Error = out.Cause.Error()
		}
		emit(ev)
		e.log.Info("decision", "decision", out.Decision, "reason", out.Reason, "step", r.Step)
	}
	if from != out.Next {
		r.Phase, r.enteredAt = out.Next, now
		ev := base
		f := from
		ev.Type, ev.From = EventPhase, &f
		if out.Decision == "" {
			ev.Reason = out.Reason // e.g. why a resumed rollout continues where it does
		}
		emit(ev)
		e.log.Debug("phase", "from", from, "to", out.Next)
	}
	if out.Next.Terminal() {
		ev := base
		ev.Type, ev.Reason = EventDone, e.result(r).Reason
		if r.Cause != nil {
			ev.Error = r.Cause.Error()
		}
		emit(ev)
	}
}

// stepWeights are the weights of step i (1-based).
func (e *Engine) stepWeights(i int) map[string]int32 {
	w := e.p.Spec.Steps[i-1].Weight
	return map[string]int32{e.p.Spec.StableSubset: 100 - w, e.p.Spec.CanarySubset: w}
}

func (e *Engine) stableWeights() map[string]int32 {
	return map[string]int32{e.p.Spec.StableSubset: 100, e.p.Spec.CanarySubset: 0}
}

func (e *Engine) step(i int) policy.Step { return e.p.Spec.Steps[i-1] }

func (e *Engine) steps() int { return len(e.p.Spec.Steps) }

// failurePolicy is where "cannot conclude" leads: roll back or pause. With
// nothing committed yet there is nothing to roll back or pause: stop.
func (e *Engine) failurePolicy(r *Run, cause error) Outcome {
	if r.StepSHA == "" {
		return Outcome{Next: Failed, Decision: DecisionStop, Cause: cause, Reason: cause.Error()}
	}
	if e.p.Spec.FailurePolicy == policy.FailurePause {
		r.pauseCommitted = false
		return Outcome{Next: Paused, Decision: DecisionPause, Cause: cause, Reason: cause.Error(), Note: "waiting for `gitshift rollout resume|promote|abort`"}
	}
	return Outcome{Next: RollingBack, Decision: DecisionRollback, Cause: cause, Reason: cause.Error()}
}
