package judge

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// windows are looks' counts, drawn for a canary slightly worse than the
// baseline (1.5% vs 1% errors) so that the tests accumulate some evidence
// without failing the rollout.
func windows(seed uint64, n int, weight int32) [][2]Counts {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([][2]Counts, n)
	for i := range out {
		total := int64(90 + rng.IntN(20))
		c := total * int64(weight) / 100
		errs := func(n int64, rate float64) (e int64) {
			for range n {
				if rng.Float64() < rate {
					e++
				}
			}
			return e
		}
		out[i] = [2]Counts{
			{Requests: c, Errors: errs(c, 0.015)},
			{Requests: total - c, Errors: errs(total-c, 0.01)},
		}
		// 5% slow requests on both arms.
		for k, n := range []int64{c, total - c} {
			slow := errs(n, 0.05)
			out[i][k].Buckets = hist(n-slow, slow)
		}
	}
	return out
}

// roundTrip is what the runner does: JSON into the Lease, and back.
func roundTrip(t *testing.T, s Saved) Saved {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out Saved
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return out
}

// A judge restored at a step boundary decides the rest of the rollout
// exactly as the judge that saved it: one process, not two.
func TestRestoreAtStepBoundaryContinuesTheSameProcess(t *testing.T) {
	for _, perStep := range []bool{false, true} {
		pol := DefaultPolicy()
		pol.PerStepErrorRate = perStep
		a, _ := New(pol)
		if err := a.BeginStep(t0, 5); err != nil {
			t.Fatal(err)
		}
		at := t0
		for _, w := range windows(1, 30, 5) {
			at = at.Add(5 * time.Second)
			if d, err := a.Observe(at, w[0], w[1]); err != nil || d.Verdict == Fail {
				t.Fatalf("step 1 of the reference: %v %+v", err, d)
			}
		}
		saved := roundTrip(t, a.Save())

		b, _ := New(pol)
		if err := b.Restore(saved); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Observe(at, Counts{Requests: 1}, Counts{Requests: 1}); !errors.Is(err, ErrNoStep) {
			t.Fatalf("Observe before the resumed step began: %v, want ErrNoStep", err)
		}
		for _, j := range []*Judge{a, b} {
			if err := j.BeginStep(at, 25); err != nil {
				t.Fatal(err)
			}
		}
		for i, w := range windows(2, 30, 25) {
			at = at.Add(5 * time.Second)
			da, _ := a.Observe(at, w[0], w[1])
			db, _ := b.Observe(at, w[0], w[1])
			if da.Verdict != db.Verdict || len(da.Report.Tests) != len(db.Report.Tests) {
				t.Fatalf("perStep %v window %d: %v vs restored %v", perStep, i, da.Verdict, db.Verdict)
			}
			for k := range da.Report.Tests {
				if da.Report.Tests[k] != db.Report.Tests[k] {
					t.Fatalf("perStep %v window %d: test %+v vs restored %+v", perStep, i, da.Report.Tests[k], db.Report.Tests[k])
				}
			}
			if (da.Report.NonInferiority == nil) != (db.Report.NonInferiority == nil) ||
				da.Report.NonInferiority != nil && *da.Report.NonInferiority != *db.Report.NonInferiority {
				t.Fatalf("window %d: non-inferiority %+v vs restored %+v", i, da.Report.NonInferiority, db.Report.NonInferiority)
			}
		}
	}
}

// Restored mid-step, the pooled error-rate process and the rollout's
// totals go on as before; the step's own tests start a new factor.
func TestRestoreMidStepKeepsThePooledProcess(t *testing.T) {
	pol := DefaultPolicy()
	a, _ := New(pol)
	_ = a.BeginStep(t0, 10)
	at := t0
	ws := windows(3, 40, 10)
	var saved Saved
	for i, w := range ws[:20] {
		at = at.Add(5 * time.Second)
		_, _ = a.Observe(at, w[0], w[1])
		if i == 9 {
			saved = roundTrip(t, a.Save())
		}
	}
	// The runner died after look 10; looks 11..20 were never saved. The
	// resumed runner restores look 10's state and counts from its own start.
	b, _ := New(pol)
	if err := b.Restore(saved); err != nil {
		t.Fatal(err)
	}
	_ = b.BeginStep(at, 10)
	ref, _ := New(pol) // what the process is: looks 1..10, then 21..40
	_ = ref.BeginStep(t0, 10)
	for _, w := range append(append([][2]Counts{}, ws[:10]...), ws[20:]...) {
		_, _ = ref.Observe(at, w[0], w[1])
	}
	var db Decision
	for _, w := range ws[20:] {
		at = at.Add(5 * time.Second)
		db, _ = b.Observe(at, w[0], w[1])
	}
	if got, want := b.errEv.LogE(), ref.errEv.LogE(); got != want {
		t.Fatalf("pooled log E %v, want %v (looks 1-10 and 21-40)", got, want)
	}
	if got, want := b.rollCanary, ref.rollCanary; got.Requests != want.Requests || got.Errors != want.Errors {
		t.Fatalf("rollout totals %+v, want %+v", got, want)
	}
	if db.Report.CanaryRequests >= ref.canary.Requests {
		t.Fatalf("the resumed step counted %d canary requests, want only its own (< %d)", db.Report.CanaryRequests, ref.canary.Requests)
	}
}

func TestRestoreRefuses(t *testing.T) {
	good := func() Saved {
		j, _ := New(DefaultPolicy())
		_ = j.BeginStep(t0, 5)
		_, _ = j.Observe(t0.Add(5*time.Second), Counts{Requests: 10, Errors: 1}, Counts{Requests: 190, Errors: 1})
		return j.Save()
	}
	for name, tc := range map[string]struct {
		saved func(Saved) Saved
		begun bool
	}{
		"a judge that has begun": {saved: func(s Saved) Saved { return s }, begun: true},
		"another format":         {saved: func(s Saved) Saved { s.Version = 99; return s }},
		"negative steps":         {saved: func(s Saved) Saved { s.Steps = -1; return s }},
		"more errors than requests": {saved: func(s Saved) Saved {
			s.Canary.Errors = s.Canary.Requests + 1
			return s
		}},
	} {
		j, _ := New(DefaultPolicy())
		if tc.begun {
			_ = j.BeginStep(t0, 5)
		}
		if err := j.Restore(tc.saved(good())); !errors.Is(err, ErrRestore) {
			t.Errorf("%s: %v, want ErrRestore", name, err)
		}
	}
}

// Save and Restore copy: a saved state does not change as the judge that
// saved it, or the one restored from it, goes on.
func TestSavedIsACopy(t *testing.T) {
	a, _ := New(DefaultPolicy())
	_ = a.BeginStep(t0, 10)
	ws := windows(5, 20, 10)
	for _, w := range ws[:10] {
		_, _ = a.Observe(t0, w[0], w[1])
	}
	s := a.Save()
	before := s.ErrorRate.LogE()
	sums, _ := json.Marshal(s.ErrorRate)
	b, _ := New(DefaultPolicy())
	_ = b.Restore(s)
	_ = b.BeginStep(t0, 10)
	for _, w := range ws[10:] {
		_, _ = a.Observe(t0, w[0], w[1])
		_, _ = b.Observe(t0, w[0], w[1])
	}
	if after, _ := json.Marshal(s.ErrorRate); string(after) != string(sums) || s.ErrorRate.LogE() != before {
		t.Fatal("the saved evidence changed after Save")
	}
}

// A resumed runner that finds session affinity keeps the split test off
// even if the runner before it had not.
func TestRestoreKeepsThisRunnersSplitOff(t *testing.T) {
	a, _ := New(DefaultPolicy())
	_ = a.BeginStep(t0, 10)
	b, _ := New(DefaultPolicy())
	b.SplitUntestable("consistent hashing")
	if err := b.Restore(a.Save()); err != nil || b.splitOff != "consistent hashing" {
		t.Fatalf("splitOff %q (%v), want this runner's reason kept", b.splitOff, err)
	}
}
