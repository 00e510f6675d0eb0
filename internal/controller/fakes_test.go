package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/lease"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// The controller's fakes: one in-memory Git repository, Argo CD and
// Prometheus per policy (a commit's weights go live when the fake Argo CD
// syncs it, traffic follows the live weights), the real judge, and the
// real Lease over client-go's fake clientset, all on one fake clock.

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error { c.Add(d); return nil }

type fakeRepo struct {
	clock     rollout.Clock
	commits   []rollout.Commit // oldest first
	weights   map[string]int32
	live      map[string]int32
	canaryErr float64
	perLook   int64
	canary    string
	since     time.Time
	c, b      stats.Counts
	// wall is the real time of each commit (the notification test).
	wall []time.Time
}

func (g *fakeRepo) add(msg string, tr []rollout.Trailer, w map[string]int32) rollout.ShiftResult {
	c := rollout.Commit{SHA: fmt.Sprintf("%040x", len(g.commits)+1), Author: "gitshift", Time: g.clock.Now(), Subject: msg, Trailers: map[string]string{}}
	for _, t := range tr {
		c.Trailers[t.Key] = t.Value
	}
	if w != nil {
		g.weights = w
	}
	g.commits = append(g.commits, c)
	g.wall = append(g.wall, time.Now())
	return rollout.ShiftResult{SHA: c.SHA, PushedAt: c.Time}
}

func (g *fakeRepo) Shift(_ context.Context, req rollout.ShiftRequest) (rollout.ShiftResult, error) {
	return g.add(req.Message, req.Trailers, req.Weights), nil
}
func (g *fakeRepo) Signal(_ context.Context, msg string, tr []rollout.Trailer) (rollout.ShiftResult, error) {
	return g.add(msg, tr, nil), nil
}
func (g *fakeRepo) Log(_ context.Context, n int) ([]rollout.Commit, error) {
	var out []rollout.Commit
	for i := len(g.commits) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, g.commits[i])
	}
	return out, nil
}
func (g *fakeRepo) Weights(context.Context, string) (map[string]int32, error) { return g.weights, nil }
func (g *fakeRepo) WaitSynced(context.Context, string, time.Time) error {
	g.live = g.weights
	return nil
}

type liveOf struct{ g *fakeRepo }

func (l liveOf) Weights(context.Context) (map[string]int32, error) { return l.g.live, nil }

func (g *fakeRepo) Counts(_ context.Context, since, _ time.Time) (stats.Counts, stats.Counts, error) {
	if !since.Equal(g.since) {
		g.since, g.c, g.b = since, stats.Counts{}, stats.Counts{}
	}
	cn := g.perLook * int64(g.live[g.canary]) / 100
	g.c.Requests += cn
	g.c.Errors += int64(float64(cn)*g.canaryErr + 0.5)
	g.b.Requests += g.perLook - cn
	g.b.Errors += (g.perLook - cn) / 200
	return g.c, g.b, nil
}

// startedBy is the first step commit of rollout id made by another runner
// (a CLI, an earlier controller) for bookinfo/reviews.
func (g *fakeRepo) startedBy(id, step string, w map[string]int32) {
	g.add("rollout "+id+": step "+step, []rollout.Trailer{{Key: rollout.TrailerAction, Value: rollout.ActionStep}, {Key: rollout.TrailerRollout, Value: id},
		{Key: rollout.TrailerVirtualService, Value: "bookinfo/reviews"}, {Key: rollout.TrailerStep, Value: step},
		{Key: rollout.TrailerWeights, Value: rollout.FormatWeights(w)}, {Key: rollout.TrailerDecision, Value: "start"}}, w)
}

// ours lists the rollout's commits as "action step".
func (g *fakeRepo) ours() []string {
	var out []string
	for _, c := range g.commits {
		if a := c.Trailers[rollout.TrailerAction]; a != "" {
			out = append(out, a+" "+c.Trailers[rollout.TrailerStep])
		}
	}
	return out
}

type fakeBackend struct {
	clock    rollout.Clock
	leases   kubernetes.Interface
	repos    map[string]*fakeRepo // by policy namespace/name
	refs     []WorkloadRef
	notify   *adapt.Dispatcher
	identity string
	builds   int
	// cp is the control plane every engine waits on (nil: none).
	cp rollout.ControlPlane
}

func (b *fakeBackend) repo(p *policy.CanaryPolicy) *fakeRepo {
	return b.repos[p.Metadata.Namespace+"/"+p.Metadata.Name]
}

func (b *fakeBackend) State(_ context.Context, p *policy.CanaryPolicy) (rollout.State, error) {
	cs, _ := b.repo(p).Log(context.Background(), 200)
	return rollout.Derive(cs, p.Spec.Target.VirtualService.String(), "")
}
func (b *fakeBackend) GitWeights(_ context.Context, p *policy.CanaryPolicy) (map[string]int32, error) {
	return b.repo(p).weights, nil
}
func (b *fakeBackend) CanaryWorkloads(context.Context, *policy.CanaryPolicy) ([]WorkloadRef, error) {
	return b.refs, nil
}
func (b *fakeBackend) Build(_ context.Context, p *policy.CanaryPolicy, sink rollout.EventSink, o rollout.Options) (*rollout.Engine, func(), error) {
	b.builds++
	g := b.repo(p)
	j, err := adapt.NewJudge(p.Spec.Analysis)
	if err != nil {
		return nil, nil, err
	}
	sinks := rollout.Sinks{sink}
	if len(p.Spec.Notifications) > 0 {
		var rs []adapt.Receiver
		for _, n := range p.Spec.Notifications {
			rs = append(rs, adapt.Receiver{Type: n.Type, URL: n.URL, On: n.On})
		}
		sinks = append(sinks, &adapt.Notifications{Policy: p.Metadata.Name, Receivers: rs, Out: b.notify})
	}
	vs := p.Spec.Target.VirtualService
	l := &lease.Lease{Client: b.leases.CoordinationV1(), Namespace: vs.Namespace, Name: lease.Name(vs.Name), Identity: b.identity, Clock: leaseClock{b.clock}}
	eng, err := rollout.New(p, rollout.Deps{Shifter: g, Signaler: g, History: g, Sync: g, Live: liveOf{g}, Counters: g, Judge: j,
		Lease: l, Clock: b.clock, Events: sinks, ControlPlane: b.cp}, o)
	return eng, func() {}, err
}

// counts are the API requests the controller makes, by kind.
type counts struct {
	get, list, patch, update, create, leases, events atomic.Int64
	// series maps each Event's series key (what the events.k8s.io
	// recorder merges on: type, reason, action) to its notes.
	mu     sync.Mutex
	series map[string][]string
}

func (c *counts) total() int64 {
	return c.get.Load() + c.list.Load() + c.patch.Load() + c.update.Load() + c.create.Load() + c.leases.Load() + c.events.Load()
}

// env is a controller over fakes.
type env struct {
	t       testing.TB
	clock   *fakeClock
	client  client.Client
	backend *fakeBackend
	r       *Reconciler
	rec     *events.FakeRecorder
	n       *counts
}

func newEnv(t testing.TB, objs ...client.Object) *env {
	t.Helper()
	// Only the kinds the controller reads: the fake client looks types up
	// in the scheme on every call, and the whole client-go scheme would
	// dominate the benchmark.
	s := runtime.NewScheme()
	if err := errors.Join(api.AddToScheme(s), appsv1.AddToScheme(s)); err != nil {
		t.Fatal(err)
	}
	n := &counts{}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithStatusSubresource(&api.CanaryPolicy{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, k client.ObjectKey, o client.Object, opts ...client.GetOption) error {
				n.get.Add(1)
				return c.Get(ctx, k, o, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				n.patch.Add(1)
				return c.SubResource(sub).Patch(ctx, o, p, opts...)
			},
		}).Build()
	clock := &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	// The simple clientset: the field-managed one builds a REST mapper per
	// write, which would dominate the benchmark's allocations.
	leases := k8sfake.NewSimpleClientset() //nolint:staticcheck

	leases.PrependReactor("*", "leases", func(k8stesting.Action) (bool, runtime.Object, error) { n.leases.Add(1); return false, nil, nil })
	b := &fakeBackend{clock: clock, leases: leases, repos: map[string]*fakeRepo{}, identity: "gitshift-controller gitshift-system/gitshift-controller",
		notify: adapt.NewDispatcher(adapt.DispatcherOptions{Timeout: 500 * time.Millisecond})}
	t.Cleanup(func() { b.notify.Close(time.Second) })
	rec := events.NewFakeRecorder(100000)
	r := NewReconciler(c, b, countingRecorder{rec, n}, NewMetrics(), Options{StepBudget: time.Hour}, nil)
	r.Now = clock.Now
	return &env{t: t, clock: clock, client: c, backend: b, r: r, rec: rec, n: n}
}

type countingRecorder struct {
	*events.FakeRecorder
	n *counts
}

func (c countingRecorder) Eventf(regarding, related runtime.Object, typ, reason, action, note string, args ...any) {
	c.n.events.Add(1)
	c.n.mu.Lock()
	if c.n.series == nil {
		c.n.series = map[string][]string{}
	}
	key := typ + "|" + reason + "|" + action
	c.n.series[key] = append(c.n.series[key], fmt.Sprintf(note, args...))
	c.n.mu.Unlock()
	c.FakeRecorder.Eventf(regarding, related, typ, reason, action, note, args...)
}

// policy is a CanaryPolicy with fast steps (the analysis needs 300 canary
// requests and 30s per step) and its repository at v1=100.
func (e *env) policy(name string, trigger policy.Trigger, mutate ...func(*api.CanaryPolicy)) *api.CanaryPolicy {
	cp := &api.CanaryPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo", Generation: 1},
		Spec: policy.Spec{Target: policy.Target{Application: "bookinfo", VirtualService: policy.ObjectRef{Name: name}},
			StableSubset: "v1", CanarySubset: "v3", Trigger: trigger,
			StepDefaults: policy.StepDefaults{MinDuration: policy.D(30 * time.Second), MinCanaryRequests: 300},
			Analysis:     policy.Analysis{Interval: policy.D(10 * time.Second)}}}
	for _, m := range mutate {
		m(cp)
	}
	e.backend.repos["bookinfo/"+name] = &fakeRepo{clock: e.backend.clock, weights: map[string]int32{"v1": 100, "v3": 0},
		live: map[string]int32{"v1": 100, "v3": 0}, perLook: 2000, canaryErr: 0.005, canary: "v3"}
	return cp
}

// reconcile runs one reconcile and moves the clock by its requeue delay.
func (e *env) reconcile(name string) ctrl.Result {
	e.t.Helper()
	res, err := e.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "bookinfo", Name: name}})
	if err != nil {
		e.t.Fatalf("reconcile %s: %v", name, err)
	}
	e.clock.Add(res.RequeueAfter)
	return res
}

// until reconciles until the status satisfies done.
func (e *env) until(name string, max int, done func(st api.Status) bool) api.Status {
	e.t.Helper()
	for i := 0; i < max; i++ {
		e.reconcile(name)
		if st := e.status(name); done(st) {
			return st
		}
	}
	st := e.status(name)
	e.t.Fatalf("%s: not done after %d reconciles: phase %s, message %q", name, max, st.Phase, st.Message)
	return st
}

// update changes the stored policy (a person's or Argo CD's apply).
func (e *env) update(name string, mutate func(*api.CanaryPolicy)) {
	e.t.Helper()
	var cp api.CanaryPolicy
	if err := e.client.Get(context.Background(), types.NamespacedName{Namespace: "bookinfo", Name: name}, &cp); err != nil {
		e.t.Fatal(err)
	}
	mutate(&cp)
	if err := e.client.Update(context.Background(), &cp); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) status(name string) api.Status {
	var cp api.CanaryPolicy
	if err := e.client.Get(context.Background(), types.NamespacedName{Namespace: "bookinfo", Name: name}, &cp); err != nil {
		e.t.Fatal(err)
	}
	return cp.Status
}

// mergedEvents lists the Events the events.k8s.io recorder would merge
// into one series although their notes differ (the series shows the
// first note only).
func (e *env) mergedEvents() []string {
	e.n.mu.Lock()
	defer e.n.mu.Unlock()
	var out []string
	for key, notes := range e.n.series {
		for _, n := range notes[1:] {
			if n != notes[0] {
				out = append(out, fmt.Sprintf("%s: %q and %q", key, notes[0], n))
				break
			}
		}
	}
	return out
}

func (e *env) events() []string {
	var out []string
	for {
		select {
		case ev := <-e.rec.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func hasEvent(evs []string, reason string) bool {
	for _, e := range evs {
		if strings.Contains(e, " "+reason+" ") {
			return true
		}
	}
	return false
}

// deployment is the canary's workload with image and a finished rollout.
func deployment(image string, rolledOut bool) *appsv1.Deployment {
	one := int32(1)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "reviews-v3", Namespace: "bookinfo", Generation: 1},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "reviews", "version": "v3"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews", Image: image}}}}}}
	if rolledOut {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1}
	}
	return d
}

// leaseClock gives the lease the fake engine clock's now (the lease does not
// renew in the background here, so After is never waited on).
type leaseClock struct{ rollout.Clock }

func (c leaseClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
