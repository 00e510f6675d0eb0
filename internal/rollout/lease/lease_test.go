package lease

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/gitshift/gitshift/internal/rollout"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func existing(holderID string, renewed time.Time) *coordv1.Lease {
	secs, tr := int32(60), int32(3)
	rt := metav1.NewMicroTime(renewed)
	return &coordv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "gitshift-reviews", Namespace: "bookinfo"},
		Spec: coordv1.LeaseSpec{HolderIdentity: &holderID, LeaseDurationSeconds: &secs, RenewTime: &rt, LeaseTransitions: &tr}}
}

func newLease(cs *fake.Clientset, id string, now *time.Time) *Lease {
	return &Lease{Client: cs.CoordinationV1(), Namespace: "bookinfo", Name: Name("reviews"), Identity: id,
		Annotations: map[string]string{"gitshift.dev/virtualservice": "bookinfo/reviews"}, Now: func() time.Time { return *now }}
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
			now := tc.now
			l := newLease(cs, "me", &now)
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
	now := t0
	err := newLease(cs, "me", &now).Acquire(context.Background())
	var held *rollout.LeaseHeldError
	if !errors.As(err, &held) || held.Holder != "other" {
		t.Fatalf("want LeaseHeldError by other, got %v", err)
	}
}

func TestRenewAndRelease(t *testing.T) {
	cs := fake.NewSimpleClientset()
	now := t0
	l := newLease(cs, "me", &now)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Second) // < duration/3: no write
	if err := l.Renew(ctx); err != nil || !get(t, cs).Spec.RenewTime.Time.Equal(t0) {
		t.Fatalf("renew wrote early: %v", err)
	}
	now = now.Add(20 * time.Second)
	if err := l.Renew(ctx); err != nil || !get(t, cs).Spec.RenewTime.Time.Equal(now) {
		t.Fatalf("renew: %v %v", err, get(t, cs).Spec.RenewTime)
	}
	if err := l.Release(ctx); err != nil || *get(t, cs).Spec.HolderIdentity != "" {
		t.Fatalf("release: %v", err)
	}
	// The next runner takes a released lease at once.
	if err := newLease(cs, "next", &now).Acquire(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRenewAfterTakeoverIsLost(t *testing.T) {
	cs := fake.NewSimpleClientset()
	now := t0
	l := newLease(cs, "me", &now)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// The runner hangs past expiry; another takes the stale lease over.
	now = now.Add(2 * time.Minute)
	if err := newLease(cs, "other", &now).Acquire(ctx); err != nil {
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

func TestAutoRenew(t *testing.T) {
	cs := fake.NewSimpleClientset()
	l := &Lease{Client: cs.CoordinationV1(), Namespace: "bookinfo", Name: "gitshift-reviews", Identity: "me",
		Duration: 300 * time.Millisecond, AutoRenew: true}
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	first := get(t, cs).Spec.RenewTime.Time
	time.Sleep(350 * time.Millisecond) // a blocking step longer than the lease
	if renewed := get(t, cs).Spec.RenewTime.Time; !renewed.After(first) {
		t.Fatalf("not renewed in the background: %v → %v", first, renewed)
	}
	if err := l.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil || *get(t, cs).Spec.HolderIdentity != "" {
		t.Fatalf("release: %v", err)
	}
}
