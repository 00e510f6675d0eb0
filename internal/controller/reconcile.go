package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Options tune the reconciler; the zero value is usable.
type Options struct {
	// Resync is how often an idle policy re-reads Git (a rollout started by
	// a CLI that died is adopted then) and re-checks its trigger (5m).
	Resync time.Duration
	// MaxBlock bounds one engine step that waits (Argo CD's sync), so a
	// worker is never parked for minutes (5s).
	MaxBlock time.Duration
	// StepBudget is how long one reconcile keeps stepping through phases
	// that need no wait (Advancing → Shifting → WaitingSync) (3s).
	StepBudget time.Duration
	// RetryAfter is the delay after an error reaching Git or the cluster (30s).
	RetryAfter time.Duration
}

func (o *Options) defaults() {
	if o.Resync <= 0 {
		o.Resync = 5 * time.Minute
	}
	if o.MaxBlock <= 0 {
		o.MaxBlock = 5 * time.Second
	}
	if o.StepBudget <= 0 {
		o.StepBudget = 3 * time.Second
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 30 * time.Second
	}
}

// Reconciler reconciles CanaryPolicies. Each running rollout's Engine and
// Run live in memory between reconciles (active); everything durable is in
// Git, so a new process rebuilds them.
type Reconciler struct {
	Client   client.Client // cached reads; status patches
	Backend  Backend
	Recorder events.EventRecorder // Events on the CanaryPolicy (may be nil)
	Metrics  *Metrics
	Options  Options
	Logger   *slog.Logger
	// Now is the controller's clock (tests: the engine's fake clock).
	Now func() time.Time

	mu      sync.Mutex
	active  map[types.NamespacedName]*activeRollout
	checked map[types.NamespacedName]time.Time // last Git read of an idle policy
	// stuck is the branch head and policy generation at which resuming a
	// rollout failed on its history (steps changed mid-rollout): not
	// retried until either changes.
	stuck map[types.NamespacedName]string
}

// activeRollout is one running rollout.
type activeRollout struct {
	eng    *rollout.Engine
	run    *rollout.Run
	tr     *tracker
	done   func()
	nextAt time.Time // not stepped before (the engine's Outcome.After)
	head   string    // stuckKey of a resumed rollout ("" for a new one)
}

// NewReconciler fills defaults.
func NewReconciler(c client.Client, b Backend, rec events.EventRecorder, m *Metrics, o Options, log *slog.Logger) *Reconciler {
	o.defaults()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m == nil {
		m = NewMetrics()
	}
	return &Reconciler{Client: c, Backend: b, Recorder: rec, Metrics: m, Options: o, Logger: log, Now: time.Now,
		active: map[types.NamespacedName]*activeRollout{}, checked: map[types.NamespacedName]time.Time{}, stuck: map[types.NamespacedName]string{}}
}

// pass is one reconcile of one policy.
type pass struct {
	cp    *api.CanaryPolicy
	st    *api.Status
	ready Readiness
	cause string
	now   time.Time
}

// Reconcile reads the policy, steps its rollout or looks for a trigger,
// and writes the status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.NamespacedName
	var cp api.CanaryPolicy
	if err := r.Client.Get(ctx, key, &cp); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(ctx, key)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("reading CanaryPolicy %s: %w", key, err)
	}
	base := cp.DeepCopy()
	p := &pass{cp: &cp, st: &cp.Status, ready: Readiness{OK: true}, now: r.Now()}
	res := r.reconcile(ctx, key, p)
	p.st.ObservedGeneration = cp.Generation
	if p.st.Phase == "" {
		p.st.Phase = api.PhaseIdle
	}
	SetConditions(p.st, cp.Generation, p.ready, p.cause, p.now)
	r.Metrics.SetPhase(key.String(), p.st.Phase)
	if !equality.Semantic.DeepEqual(base.Status, cp.Status) {
		if err := r.Client.Status().Patch(ctx, &cp, client.MergeFrom(base)); err != nil && !apierrors.IsNotFound(err) {
			return res, fmt.Errorf("writing the status of CanaryPolicy %s: %w", key, err)
		}
	}
	return res, nil
}

func (r *Reconciler) reconcile(ctx context.Context, key types.NamespacedName, p *pass) ctrl.Result {
	pol, perr := p.cp.Policy()
	r.mu.Lock()
	a := r.active[key]
	r.mu.Unlock()
	if a != nil {
		if perr != nil {
			p.ready = Readiness{Reason: "InvalidSpec", Message: "the running rollout goes on with the spec it started with; " + perr.Error()}
		}
		return r.step(ctx, key, p, a)
	}
	if perr != nil {
		p.ready = Readiness{Reason: "InvalidSpec", Message: perr.Error()}
		p.st.Message = "fix the spec: " + perr.Error()
		return ctrl.Result{}
	}
	return r.idle(ctx, key, p, pol)
}

// idle reads Git on first sight and every Resync (resuming any unfinished
// rollout), then applies the trigger rules.
func (r *Reconciler) idle(ctx context.Context, key types.NamespacedName, p *pass, pol *policy.CanaryPolicy) ctrl.Result {
	r.mu.Lock()
	last := r.checked[key]
	r.mu.Unlock()
	if last.IsZero() || p.now.Sub(last) >= r.Options.Resync {
		state, err := r.Backend.State(ctx, pol)
		if err != nil {
			return r.unavailable(p, "reading the rollout's Git history", err)
		}
		r.mu.Lock()
		r.checked[key] = p.now
		r.mu.Unlock()
		verifyEnd := state.Finished && state.HeadSHA == state.StepSHA && running(p.st.Phase)
		r.mu.Lock()
		stuck := r.stuck[key] == stuckKey(state.HeadSHA, p.cp.Generation)
		r.mu.Unlock()
		switch {
		case state.Found && !state.Finished && stuck:
			p.st.Message = fmt.Sprintf("rollout %s in Git cannot be resumed with this policy (see lastDecision); retried when the policy or the branch changes (e.g. after `gitshift rollout abort`)", state.ID)
			return ctrl.Result{RequeueAfter: r.Options.Resync}
		case state.Found && (!state.Finished || verifyEnd):
			return r.start(ctx, key, p, pol, "resume", "", stuckKey(state.HeadSHA, p.cp.Generation))
		}
		if state.Found && (p.st.RolloutID != state.ID || running(p.st.Phase)) {
			fromState(p.st, state, pol.Spec.CanarySubset)
		}
	}
	in := TriggerInput{Kind: pol.Spec.Trigger, Generation: p.cp.Generation, Annotation: p.cp.Annotations[api.StartAnnotation], Seen: p.st.Trigger}
	if in.Kind == policy.TriggerWorkload {
		ws, err := r.workloads(ctx, pol)
		if err != nil {
			return r.unavailable(p, "resolving the canary subset's workloads", err)
		}
		in.Workloads = ws
	}
	dec := Decide(in)
	if !dec.Start {
		if dec.Seen != nil {
			p.st.Trigger = dec.Seen
		}
		p.st.Message = dec.Message
		if dec.Soon {
			return ctrl.Result{RequeueAfter: min(r.Options.RetryAfter, r.Options.Resync)}
		}
		return ctrl.Result{RequeueAfter: r.Options.Resync}
	}
	w, err := r.Backend.GitWeights(ctx, pol)
	if err != nil {
		return r.unavailable(p, "reading the weights in Git", err)
	}
	t := metaTime(p.now)
	dec.Seen.Kind, dec.Seen.Reason, dec.Seen.Time, dec.Seen.Rollout = string(in.Kind), dec.Why, &t, ""
	p.st.Trigger = dec.Seen
	if w[pol.Spec.CanarySubset] >= 100 {
		p.st.Message = fmt.Sprintf("%s; Git already gives %s 100%%: nothing to roll out", dec.Why, pol.Spec.CanarySubset)
		r.event(p.cp, "Normal", "TriggerIgnored", "Trigger", p.st.Message)
		return ctrl.Result{RequeueAfter: r.Options.Resync}
	}
	return r.start(ctx, key, p, pol, string(in.Kind), dec.Why, "")
}

// start wires an engine and takes the rollout's first step; head is the
// stuckKey a resumed rollout was found at ("" for a new one).
func (r *Reconciler) start(ctx context.Context, key types.NamespacedName, p *pass, pol *policy.CanaryPolicy, kind, why, head string) ctrl.Result {
	tr := &tracker{ref: p.cp.DeepCopy(), policy: key.String(), canary: pol.Spec.CanarySubset, steps: len(pol.Spec.Steps),
		rec: r.Recorder, m: r.Metrics, p2l: map[string]*float64{}}
	eng, done, err := r.Backend.Build(ctx, pol, tr, rollout.Options{WaitForLease: true, MaxBlock: r.Options.MaxBlock, Trigger: why,
		Logger: r.Logger.With("canaryPolicy", key.String())})
	if err != nil {
		return r.unavailable(p, "wiring the rollout", err)
	}
	a := &activeRollout{eng: eng, run: eng.Begin(), tr: tr, done: done, head: head}
	tr.run = a.run
	r.mu.Lock()
	r.active[key] = a
	r.mu.Unlock()
	r.Metrics.Started.WithLabelValues(kind).Inc()
	r.Logger.Info("rollout", "canaryPolicy", key.String(), "trigger", kind, "why", why)
	res := r.step(ctx, key, p, a)
	if t := p.st.Trigger; t != nil && a.run.ID != "" {
		t.Rollout = a.run.ID
		if kind == "resume" && t.Kind == "" {
			t.Kind = "resume"
		}
	}
	return res
}

// step drives the rollout: Engine.Step until it asks to wait, then requeue
// after that wait (never sleeping in the worker).
func (r *Reconciler) step(ctx context.Context, key types.NamespacedName, p *pass, a *activeRollout) ctrl.Result {
	if wait := a.nextAt.Sub(p.now); wait > 0 {
		// An event (the policy, a workload) arrived before the engine's
		// delay ended: analysis windows keep their interval.
		a.tr.apply(p.st, p.now)
		return ctrl.Result{RequeueAfter: wait}
	}
	began := time.Now()
	for {
		after, done, err := a.eng.Step(ctx, a.run)
		now := r.Now()
		if err != nil {
			return r.stepError(ctx, key, p, a, err)
		}
		a.tr.apply(p.st, now)
		p.st.Message = ""
		if done {
			var herr *rollout.HistoryError
			if a.run.Phase == rollout.Failed && errors.As(a.run.Cause, &herr) && a.head != "" {
				r.mu.Lock()
				r.stuck[key] = a.head
				r.mu.Unlock()
			}
			p.cause = CauseReason(a.run.Cause)
			if res := a.eng.Result(a.run); res.Reason != "" {
				p.st.Message = trim(res.Reason, 1024)
			}
			r.drop(ctx, key, a, true)
			return ctrl.Result{RequeueAfter: r.Options.Resync}
		}
		if after > 0 || time.Since(began) >= r.Options.StepBudget {
			a.nextAt = now.Add(after)
			return ctrl.Result{RequeueAfter: max(after, time.Millisecond)}
		}
	}
}

// stepError handles what Step returns instead of recording: the lease of
// the VirtualService held or taken by another runner (a CLI run), or the
// controller stopping.
func (r *Reconciler) stepError(ctx context.Context, key types.NamespacedName, p *pass, a *activeRollout, err error) ctrl.Result {
	var held *rollout.LeaseHeldError
	switch {
	case errors.As(err, &held):
		r.drop(ctx, key, a, false)
		r.recheck(key)
		if p.st.LeaseHolder != held.Holder {
			r.event(p.cp, "Normal", "LeaseHeld", "Wait", "waiting: "+held.Error())
		}
		p.st.Phase, p.st.LeaseHolder = api.PhaseWaiting, held.Holder
		p.st.Message = "waiting: " + held.Error()
		wait := time.Until(held.Expires) + time.Second
		return ctrl.Result{RequeueAfter: min(max(wait, 5*time.Second), 2*time.Minute)}
	case errors.Is(err, rollout.ErrLeaseLost):
		r.drop(ctx, key, a, false)
		r.recheck(key)
		p.st.Phase, p.st.Message = api.PhaseWaiting, "waiting: another runner took the VirtualService's lease over: "+err.Error()
		r.event(p.cp, "Warning", "LeaseLost", "Wait", p.st.Message)
		return ctrl.Result{RequeueAfter: 10 * time.Second}
	case ctx.Err() != nil:
		return ctrl.Result{} // stopping: Git has the state
	}
	return r.unavailable(p, "stepping the rollout", err)
}

// drop forgets an active rollout; finish releases its lease (a lost or
// never-taken lease is not ours to release).
func (r *Reconciler) drop(ctx context.Context, key types.NamespacedName, a *activeRollout, finish bool) {
	if finish {
		a.eng.Finish(ctx, a.run)
	}
	if a.done != nil {
		a.done()
	}
	r.mu.Lock()
	if r.active[key] == a {
		delete(r.active, key)
	}
	r.mu.Unlock()
}

// recheck makes the next reconcile read Git again: the other runner may
// have finished (or abandoned) the rollout meanwhile.
func (r *Reconciler) recheck(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.checked, key)
	r.mu.Unlock()
}

// forget drops a deleted policy: its running rollout stops here (its state
// is in Git; a policy applied again resumes it).
func (r *Reconciler) forget(ctx context.Context, key types.NamespacedName) {
	r.mu.Lock()
	a := r.active[key]
	delete(r.checked, key)
	r.mu.Unlock()
	if a != nil {
		r.drop(ctx, key, a, true)
	}
	r.Metrics.Forget(key.String())
}

// ReleaseAll gives every held VirtualService lease up (graceful shutdown:
// the next leader, or a CLI, need not wait for them to expire).
func (r *Reconciler) ReleaseAll(ctx context.Context) {
	r.mu.Lock()
	all := make(map[types.NamespacedName]*activeRollout, len(r.active))
	for k, a := range r.active {
		all[k] = a
	}
	r.mu.Unlock()
	for k, a := range all {
		r.drop(ctx, k, a, true)
	}
}

// Active is the number of running rollouts in memory.
func (r *Reconciler) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

// unavailable reports an error the controller retries: Ready=False with a
// reason that tells a broken setup from an unreachable system.
func (r *Reconciler) unavailable(p *pass, what string, err error) ctrl.Result {
	reason := "Unavailable"
	switch errkind.Of(err) {
	case errkind.Invalid, errkind.Usage:
		reason = "InvalidConfig"
	case errkind.Conflict:
		reason = "Conflict"
	}
	p.ready = Readiness{Reason: reason, Message: trim(what+": "+err.Error(), 1024)}
	p.st.Message = p.ready.Message
	r.Logger.Warn(what, "canaryPolicy", p.cp.Namespace+"/"+p.cp.Name, "err", err)
	return ctrl.Result{RequeueAfter: r.Options.RetryAfter}
}

func (r *Reconciler) event(cp *api.CanaryPolicy, typ, reason, action, note string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(cp, nil, typ, reason, action, "%s", trim(note, 1000))
	}
}

func stuckKey(head string, generation int64) string { return head + "@" + fmtInt(generation) }
