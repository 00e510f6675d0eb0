package lease

import (
	"context"
	"errors"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/gitshift/gitshift/internal/rollout"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func existing(holderID string, renewed time.Time) *coordv1.Lease {
	secs, tr := int32(60), int32(3)
	rt := metav1.NewMicroTime(renewed)
	return &coordv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "gitshift-reviews", Namespace: "bookinfo"},
		Spec: coordv1.LeaseSpec{HolderIdentity: &holderID, LeaseDurationSeconds: &secs, RenewTime: &rt, LeaseTransitions: &tr}}
}

func newLease(cs *fake.Clientset, id string, clock Clock) *Lease {
	return &Lease{Client: cs.CoordinationV1(), Namespace: "bookinfo", Name: Name("reviews"), Identity: id,
		Annotations: map[string]string{"gitshift.dev/virtualservice": "bookinfo/reviews"}, Clock: clock}
}

func get(t *testing.T, cs *fake.Clientset) *coordv1.Lease {
	t.Helper()
	le, err := cs.CoordinationV1().Leases("bookinfo").Get(context.Background(), "gitshift-reviews", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return le
}

func TestAcquire(t *testing.T) {
	tests := []struct {
		name            string
		objs            []runtime.Object
		now             time.Time
		wantHeld        bool
		wantTransitions int32
	}{
		{name: "free: created", now: t0, wantTransitions: 0},
		{name: "held and fresh: refused", objs: []runtime.Object{existing("other", t0.Add(-30*time.Second))}, now: t0, wantHeld: true},
		{name: "held but stale (renewTime + 60s passed): taken over", objs: []runtime.Object{existing("other", t0.Add(-61*time.Second))}, now: t0, wantTransitions: 4},
		{name: "ours from a previous run: kept", objs: []runtime.Object{existing("me", t0.Add(-5*time.Second))}, now: t0, wantTransitions: 3},
		{name: "released (empty holder): taken", objs: []runtime.Object{existing("", t0)}, now: t0, wantTransitions: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewSimpleClientset(tc.objs...)
			l := newLease(cs, "me", clocktesting.NewFakeClock(tc.now))
			err := l.Acquire(context.Background())
			var held *rollout.LeaseHeldError
			if tc.wantHeld {
				if !errors.As(err, &held) || held.Holder != "other" || !strings.Contains(err.Error(), "bookinfo/gitshift-reviews") {
					t.Fatalf("want LeaseHeldError, got %v", err)
				}
				if *get(t, cs).Spec.HolderIdentity != "other" {
					t.Error("refused acquire changed the lease")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			le := get(t, cs)
			if *le.Spec.HolderIdentity != "me" || *le.Spec.LeaseTransitions != tc.wantTransitions || !le.Spec.RenewTime.Time.Equal(t0) {
				t.Errorf("lease %+v", le.Spec)
			}
			if le.Annotations["gitshift.dev/virtualservice"] != "bookinfo/reviews" {
				t.Errorf("annotations %v", le.Annotations)
			}
		})
	}
}

func TestTakeoverRace(t *testing.T) {
	// Two runners see the same stale lease; the API server accepts the
	// first update and rejects the second on resourceVersion.
	cs := fake.NewSimpleClientset(existing("dead", t0.Add(-2*time.Minute)))
	updates := 0
	cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		updates++
		if updates == 1 {
			// The other runner won meanwhile.
			other := existing("other", t0)
			if err := cs.Tracker().Update(schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}, other, "bookinfo"); err != nil {
				t.Fatal(err)
			}
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "leases"}, "gitshift-reviews", errors.New("resourceVersion changed"))
		}
		return false, nil, nil
	})
	err := newLease(cs, "me", clocktesting.NewFakeClock(t0)).Acquire(context.Background())
	var held *rollout.LeaseHeldError
	if !errors.As(err, &held) || held.Holder != "other" {
		t.Fatalf("want LeaseHeldError by other, got %v", err)
	}
}

func TestRenewAndRelease(t *testing.T) {
	cs := fake.NewSimpleClientset()
	clock := clocktesting.NewFakeClock(t0)
	l := newLease(cs, "me", clock)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Step(10 * time.Second) // < duration/3: no write
	if err := l.Renew(ctx); err != nil || !get(t, cs).Spec.RenewTime.Time.Equal(t0) {
		t.Fatalf("renew wrote early: %v", err)
	}
	clock.Step(20 * time.Second)
	if err := l.Renew(ctx); err != nil || !get(t, cs).Spec.RenewTime.Time.Equal(clock.Now()) {
		t.Fatalf("renew: %v %v", err, get(t, cs).Spec.RenewTime)
	}
	if err := l.Release(ctx); err != nil || *get(t, cs).Spec.HolderIdentity != "" {
		t.Fatalf("release: %v", err)
	}
	// The next runner takes a released lease at once.
	if err := newLease(cs, "next", clock).Acquire(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRenewAfterTakeoverIsLost(t *testing.T) {
	cs := fake.NewSimpleClientset()
	clock := clocktesting.NewFakeClock(t0)
	l := newLease(cs, "me", clock)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// The runner hangs past expiry; another takes the stale lease over.
	clock.Step(2 * time.Minute)
	if err := newLease(cs, "other", clock).Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if *a.(k8stesting.UpdateAction).GetObject().(*coordv1.Lease).Spec.HolderIdentity == "me" {
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "leases"}, "gitshift-reviews", errors.New("stale"))
		}
		return false, nil, nil
	})
	err := l.Renew(ctx)
	if !errors.Is(err, rollout.ErrLeaseLost) || !strings.Contains(err.Error(), `"other"`) {
		t.Fatalf("want ErrLeaseLost naming other, got %v", err)
	}
	if err := l.Release(ctx); err != nil || *get(t, cs).Spec.HolderIdentity != "other" {
		t.Fatalf("release of a lost lease touched it: %v", err)
	}
}

func TestName(t *testing.T) {
	if Name("reviews") != "gitshift-reviews" {
		t.Error(Name("reviews"))
	}
	long := Name(strings.Repeat("x", 80))
	if len(long) != 63 || long == Name(strings.Repeat("x", 81)) {
		t.Errorf("%q", long)
	}
}

// TestAutoRenew: a runner blocked for longer than its lease keeps it through
// background renewals; when its renewals fail until the lease expires,
// another runner takes it over and the first learns on its next Renew that
// it lost it. Time is a fake clock: nothing waits for the lease.
func TestAutoRenew(t *testing.T) {
	cs := fake.NewSimpleClientset()
	var apiDown, takenOver atomic.Bool
	cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if *a.(k8stesting.UpdateAction).GetObject().(*coordv1.Lease).Spec.HolderIdentity != "me" {
			return false, nil, nil
		}
		switch {
		case takenOver.Load():
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "leases"}, "gitshift-reviews", errors.New("stale"))
		case apiDown.Load():
			return true, nil, apierrors.NewServiceUnavailable("api server down")
		}
		return false, nil, nil
	})
	clock := clocktesting.NewFakeClock(t0)
	l := newLease(cs, "me", clock)
	l.Duration, l.AutoRenew = time.Minute, true
	rival := newLease(cs, "other", clock)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// tick moves time by more than a third of the lease and waits until the
	// background renewer has acted on it and waits again.
	tick := func() {
		t.Helper()
		waitForRenewer(t, clock)
		clock.Step(21 * time.Second)
		waitForRenewer(t, clock)
	}

	// Blocked for 84 s, past the first expiry (t0+60s): renewed meanwhile.
	for range 4 {
		tick()
	}
	if got := get(t, cs).Spec.RenewTime.Time; !got.Equal(t0.Add(84 * time.Second)) {
		t.Fatalf("renewed at %v, want t0+84s", got)
	}
	var held *rollout.LeaseHeldError
	if err := rival.Acquire(ctx); !errors.As(err, &held) || held.Holder != "me" {
		t.Fatalf("rival acquired a lease renewed in the background: %v", err)
	}
	if err := l.Renew(ctx); err != nil {
		t.Fatal(err)
	}

	// The API server refuses renewals until the lease expires (t0+144s).
	apiDown.Store(true)
	for range 3 {
		tick()
	}
	if err := rival.Acquire(ctx); err != nil {
		t.Fatalf("rival could not take over the expired lease: %v", err)
	}
	if le := get(t, cs); *le.Spec.HolderIdentity != "other" || *le.Spec.LeaseTransitions != 1 {
		t.Fatalf("after takeover: %+v", le.Spec)
	}
	takenOver.Store(true)
	tick()
	if err := l.Renew(ctx); !errors.Is(err, rollout.ErrLeaseLost) || !strings.Contains(err.Error(), `"other"`) {
		t.Fatalf("want ErrLeaseLost naming other, got %v", err)
	}
	if err := l.Release(ctx); err != nil || *get(t, cs).Spec.HolderIdentity != "other" {
		t.Fatalf("release of a lost lease touched it: %v", err)
	}
}

// waitForRenewer waits until the background renewer waits on the clock.
func waitForRenewer(t *testing.T, clock *clocktesting.FakeClock) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !clock.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("the background renewer does not wait on the clock")
		}
		goruntime.Gosched()
	}
}
