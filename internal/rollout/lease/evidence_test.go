package lease

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/stats"
)

// savedAfterLooks is a judge's state after a few looks at a worse canary.
func savedAfterLooks(t *testing.T) judge.Saved {
	t.Helper()
	j, err := judge.New(judge.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	_ = j.BeginStep(t0, 5)
	for i := range 6 {
		_, _ = j.Observe(t0.Add(time.Duration(i+1)*5*time.Second), stats.Counts{Requests: 10, Errors: 1}, stats.Counts{Requests: 190, Errors: 1})
	}
	return j.Save()
}

// The evidence rides on the lease's renewals and release, and the next
// runner of the same rollout reads it back; another rollout does not.
func TestEvidenceTravelsWithTheLease(t *testing.T) {
	cs := fake.NewSimpleClientset()
	clock := clocktesting.NewFakeClock(t0)
	ctx := context.Background()
	first := newLease(cs, "me", clock)
	if err := first.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	saved := savedAfterLooks(t)
	if err := first.SaveEvidence(ctx, "r-1", saved); err != nil {
		t.Fatal(err)
	}
	writes := func() (n int) {
		for _, a := range cs.Actions() {
			if a.GetVerb() == "update" || a.GetVerb() == "create" {
				n++
			}
		}
		return n
	}
	// The runner's first save is written at once, before a renewal is due...
	ann := get(t, cs).Annotations[EvidenceAnnotation]
	if ann == "" {
		t.Fatal("the first save was not written at once")
	}
	clock.Step(5 * time.Second)
	t.Logf("annotation %s: %d bytes", EvidenceAnnotation, len(ann))
	// ...later ones ride on the renewals (every third of the duration):
	// saving adds no write.
	saved.Steps = 7
	_ = first.SaveEvidence(ctx, "r-1", saved)
	before := writes()
	clock.Step(5 * time.Second)
	if err := first.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if writes() != before || get(t, cs).Annotations[EvidenceAnnotation] != ann {
		t.Fatalf("a later save wrote the lease before its renewal (%d writes)", writes()-before)
	}
	clock.Step(20 * time.Second)
	if err := first.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if get(t, cs).Annotations[EvidenceAnnotation] == ann {
		t.Fatal("the renewal did not carry the latest evidence")
	}
	saved.Steps = 1

	// SIGKILL: no release. The next runner (same identity) resumes.
	next := newLease(cs, "me", clock)
	if err := next.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	got, at, ok, err := next.LoadEvidence("r-1")
	if err != nil || !ok || !at.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("LoadEvidence: ok %v at %v err %v", ok, at, err)
	}
	if got.ErrorRate.LogE() != saved.ErrorRate.LogE() || got.Canary.Requests != saved.Canary.Requests || got.Canary.Errors != saved.Canary.Errors || got.Steps != 7 {
		t.Fatalf("loaded %+v, want %+v", got, saved)
	}
	if _, _, ok, _ := next.LoadEvidence("r-2"); ok {
		t.Fatal("another rollout's evidence was returned")
	}

	// A stopped runner (release) leaves its latest save for the resume.
	clock.Step(time.Second)
	saved.Steps = 2
	_ = next.SaveEvidence(ctx, "r-1", saved)
	if err := next.Release(ctx); err != nil {
		t.Fatal(err)
	}
	third := newLease(cs, "other", clock)
	if err := third.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _, ok, _ := third.LoadEvidence("r-1"); !ok || got.Steps != 2 {
		t.Fatalf("after a release: ok %v steps %d, want the latest save", ok, got.Steps)
	}
}

func TestEvidenceUnreadable(t *testing.T) {
	cs := fake.NewSimpleClientset()
	le := existing("", t0)
	le.Annotations = map[string]string{EvidenceAnnotation: "{not json"}
	if _, err := cs.CoordinationV1().Leases("bookinfo").Create(context.Background(), le, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	l := newLease(cs, "me", clocktesting.NewFakeClock(t0))
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := l.LoadEvidence("r-1"); err == nil {
		t.Fatal("a broken annotation was read without error")
	}
}
