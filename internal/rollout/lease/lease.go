// Package lease makes one gitshift runner per VirtualService with a
// coordination.k8s.io/v1 Lease in the application's namespace. It takes a
// lease once and renews it (client-go's leaderelection is built for a
// continuous election loop with callbacks; a rollout needs "acquire or tell
// me who holds it" and a renew that fails loudly when someone took over).
package lease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordclient "k8s.io/client-go/kubernetes/typed/coordination/v1"

	"github.com/gitshift/gitshift/internal/rollout"
)

// DefaultDuration is how long a lease stays valid without renewal. A
// runner killed with SIGKILL blocks the next one for at most this long.
const DefaultDuration = 60 * time.Second

// Lease is one VirtualService's runner lease.
type Lease struct {
	Client    coordclient.LeasesGetter
	Namespace string
	Name      string
	// Identity names this runner (host/pid/user), shown to the others.
	Identity string
	Duration time.Duration
	// Annotations are written on the Lease (e.g. the rollout id).
	Annotations map[string]string
	// Clock is the time source; wall time when nil. Tests pass a fake one.
	Clock Clock
	// AutoRenew renews in the background between Acquire and Release, so a
	// step that blocks longer than the lease (waiting minutes for Argo CD)
	// does not let it expire. Renew then reports whether it is still held.
	AutoRenew bool

	mu        sync.Mutex
	held      *coordv1.Lease
	lastRenew time.Time
	lost      error
	stop      context.CancelFunc
	done      chan struct{}
	evidence  string // EvidenceAnnotation's next value ("" : none saved)
	// evidenceWritten: a renewal carried this runner's evidence.
	evidenceWritten bool
}

var _ rollout.Lease = (*Lease)(nil)

// Clock is what the lease needs of time: now, and a wait (the background
// renewal's).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Name returns the Lease name for a VirtualService: readable, and within
// the 63 characters of a label-safe name.
func Name(vsName string) string {
	n := "gitshift-" + vsName
	if len(n) <= 63 {
		return n
	}
	h := sha256.Sum256([]byte(vsName))
	return n[:52] + "-" + hex.EncodeToString(h[:])[:10]
}

func (l *Lease) clock() Clock {
	if l.Clock != nil {
		return l.Clock
	}
	return wallClock{}
}

func (l *Lease) now() time.Time { return l.clock().Now() }

func (l *Lease) duration() time.Duration {
	if l.Duration > 0 {
		return l.Duration
	}
	return DefaultDuration
}

func (l *Lease) ref() string { return l.Namespace + "/" + l.Name }

// Acquire takes the lease if it is free, ours, or stale (renewTime +
// leaseDuration in the past). A takeover is an update with the read
// resourceVersion, so two runners racing for a stale lease cannot both win.
func (l *Lease) Acquire(ctx context.Context) error {
	l.mu.Lock()
	err := l.acquire(ctx)
	l.mu.Unlock()
	if err == nil && l.AutoRenew && l.stop == nil {
		bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l.stop, l.done = cancel, make(chan struct{})
		go l.keepAlive(bg)
	}
	return err
}

// keepAlive renews every third of the duration until Release.
func (l *Lease) keepAlive(ctx context.Context) {
	defer close(l.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.clock().After(l.duration() / 3):
			l.mu.Lock()
			if l.lost == nil {
				if err := l.renew(ctx); errors.Is(err, rollout.ErrLeaseLost) {
					l.lost = err
				}
			}
			l.mu.Unlock()
		}
	}
}

func (l *Lease) acquire(ctx context.Context) error {
	leases := l.Client.Leases(l.Namespace)
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := leases.Get(ctx, l.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			created, err := leases.Create(ctx, l.fresh(), metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				continue
			}
			if err != nil {
				return l.apiError("creating", err)
			}
			l.held, l.lastRenew = created, l.now()
			return nil
		}
		if err != nil {
			return l.apiError("reading", err)
		}
		if held := l.heldByOther(cur); held != nil {
			return held
		}
		next := cur.DeepCopy()
		now := metav1.NewMicroTime(l.now())
		if holder(cur) != l.Identity {
			transitions := int32(0)
			if cur.Spec.LeaseTransitions != nil {
				transitions = *cur.Spec.LeaseTransitions
			}
			transitions++
			next.Spec.LeaseTransitions = &transitions
			next.Spec.AcquireTime = &now
		}
		next.Spec.HolderIdentity = &l.Identity
		secs := max(1, int32(l.duration()/time.Second))
		next.Spec.LeaseDurationSeconds = &secs
		next.Spec.RenewTime = &now
		l.annotate(next)
		updated, err := leases.Update(ctx, next, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			continue // someone else moved first: look again
		}
		if err != nil {
			return l.apiError("taking", err)
		}
		l.held, l.lastRenew = updated, l.now()
		return nil
	}
	return fmt.Errorf("lease %s: kept changing under us while acquiring: %w", l.ref(), rollout.ErrLeaseLost)
}

// heldByOther returns a LeaseHeldError when another live runner holds cur.
func (l *Lease) heldByOther(cur *coordv1.Lease) error {
	h := holder(cur)
	if h == "" || h == l.Identity {
		return nil
	}
	expires := expiry(cur, l.duration())
	if !l.now().Before(expires) {
		return nil // stale: the holder stopped renewing
	}
	var renewed time.Time
	if cur.Spec.RenewTime != nil {
		renewed = cur.Spec.RenewTime.Time
	}
	return &rollout.LeaseHeldError{Lease: l.ref(), Holder: h, RenewTime: renewed, Expires: expires}
}

// Renew extends the lease. It writes at most every third of the duration
// (the engine calls it on every phase). If another runner took the lease
// over, it returns an error wrapping rollout.ErrLeaseLost: the engine stops.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	return l.renew(ctx)
}

func (l *Lease) renew(ctx context.Context) error {
	if l.held == nil {
		return fmt.Errorf("lease %s: renew before acquire: %w", l.ref(), rollout.ErrLeaseLost)
	}
	// Evidence never written goes out even before a renewal is due:
	// SaveEvidence writes a runner's first save at once.
	if l.now().Sub(l.lastRenew) < l.duration()/3 && (l.evidence == "" || l.evidenceWritten) {
		return nil
	}
	next := l.held.DeepCopy()
	now := metav1.NewMicroTime(l.now())
	next.Spec.RenewTime = &now
	l.withEvidence(next)
	updated, err := l.Client.Leases(l.Namespace).Update(ctx, next, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		cur, gerr := l.Client.Leases(l.Namespace).Get(ctx, l.Name, metav1.GetOptions{})
		if gerr != nil {
			return l.apiError("reading", gerr)
		}
		if holder(cur) != l.Identity {
			l.held = nil
			return fmt.Errorf("lease %s now held by %q: %w", l.ref(), holder(cur), rollout.ErrLeaseLost)
		}
		l.held = cur
		return l.renew(ctx)
	}
	if apierrors.IsNotFound(err) {
		l.held = nil
		return fmt.Errorf("lease %s was deleted: %w", l.ref(), rollout.ErrLeaseLost)
	}
	if err != nil {
		// A failed renew is not yet a lost lease: it stays ours until it
		// expires. Report it only when it is about to.
		if l.now().After(expiry(l.held, l.duration()).Add(-l.duration() / 3)) {
			return l.apiError("renewing", err)
		}
		return nil
	}
	l.held, l.lastRenew = updated, l.now()
	l.evidenceWritten = l.evidence != ""
	return nil
}

// Release gives the lease up (clears the holder) so the next runner need
// not wait for it to expire. Releasing a lease someone else took is a no-op.
func (l *Lease) Release(ctx context.Context) error {
	if l.stop != nil {
		l.stop()
		<-l.done
		l.stop = nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		return nil
	}
	next := l.held.DeepCopy()
	empty := ""
	next.Spec.HolderIdentity = &empty
	l.withEvidence(next) // a runner stopped mid-rollout may be resumed
	_, err := l.Client.Leases(l.Namespace).Update(ctx, next, metav1.UpdateOptions{})
	l.held = nil
	if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		return l.apiError("releasing", err)
	}
	return nil
}

func (l *Lease) fresh() *coordv1.Lease {
	now := metav1.NewMicroTime(l.now())
	secs := max(1, int32(l.duration()/time.Second))
	zero := int32(0)
	le := &coordv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: l.Name, Namespace: l.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "gitshift"}},
		Spec: coordv1.LeaseSpec{HolderIdentity: &l.Identity, LeaseDurationSeconds: &secs,
			AcquireTime: &now, RenewTime: &now, LeaseTransitions: &zero},
	}
	l.annotate(le)
	return le
}

func (l *Lease) annotate(le *coordv1.Lease) {
	if len(l.Annotations) == 0 {
		return
	}
	if le.Annotations == nil {
		le.Annotations = map[string]string{}
	}
	for k, v := range l.Annotations {
		le.Annotations[k] = v
	}
}

// apiError marks transport and server failures as ErrUnavailable (exit 2);
// a refusal (RBAC, invalid object) is the user's to fix and stays plain.
func (l *Lease) apiError(what string, err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return fmt.Errorf("%s lease %s: %w", what, l.ref(), err)
	}
	return fmt.Errorf("%s lease %s: %w: %w", what, l.ref(), rollout.ErrUnavailable, err)
}

func holder(le *coordv1.Lease) string {
	if le.Spec.HolderIdentity == nil {
		return ""
	}
	return *le.Spec.HolderIdentity
}

// expiry is renewTime + leaseDuration (the lease's own duration when set).
func expiry(le *coordv1.Lease, def time.Duration) time.Time {
	d := def
	if le.Spec.LeaseDurationSeconds != nil {
		d = time.Duration(*le.Spec.LeaseDurationSeconds) * time.Second
	}
	var t time.Time
	switch {
	case le.Spec.RenewTime != nil:
		t = le.Spec.RenewTime.Time
	case le.Spec.AcquireTime != nil:
		t = le.Spec.AcquireTime.Time
	}
	return t.Add(d)
}
