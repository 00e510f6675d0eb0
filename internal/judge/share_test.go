package judge

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBeginShare: a mirror step's split is tested at the copies' share of
// all counted requests (20% mirror: 1/6), a header step's not at all; the
// comparative tests run in both.
func TestBeginShare(t *testing.T) {
	pol := DefaultPolicy()
	pol.Latency = false
	tests := []struct {
		name             string
		share            float64
		canary, baseline Counts
		want             Verdict
		wantReason       Reason
		wantSplit        bool
	}{
		{"mirror 20%: 1000 copies of 5000 requests", 20.0 / 120, Counts{Requests: 1000, Errors: 5}, Counts{Requests: 5000, Errors: 25}, Promote, ReasonNone, true},
		{"mirror 20% but half of the requests copied", 20.0 / 120, Counts{Requests: 2500}, Counts{Requests: 5000}, Fail, ReasonSplitMismatch, true},
		{"mirror 20%: the copies fail", 20.0 / 120, Counts{Requests: 1000, Errors: 400}, Counts{Requests: 5000}, Fail, ReasonAbsoluteGuard, true},
		{"header step: any share, no split test", 0, Counts{Requests: 300}, Counts{Requests: 9000}, Promote, ReasonNone, false},
		{"header step: tagged requests fail", 0, Counts{Requests: 300, Errors: 60}, Counts{Requests: 9000, Errors: 9}, Fail, ReasonAbsoluteGuard, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.BeginShare(t0, tt.share, "because"); err != nil {
				t.Fatal(err)
			}
			d, err := j.Observe(t0.Add(5*time.Minute), tt.canary, tt.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tt.want || d.Reason != tt.wantReason {
				t.Fatalf("verdict %s %s (%s), want %s %s", d.Verdict, d.Reason, d.Detail, tt.want, tt.wantReason)
			}
			split := slices.ContainsFunc(d.Report.Tests, func(r TestResult) bool { return r.Name == "split" })
			if split != tt.wantSplit {
				t.Errorf("split test run %v, want %v", split, tt.wantSplit)
			}
			if !tt.wantSplit && !slices.ContainsFunc(d.Report.Notes, func(n string) bool { return strings.Contains(n, "because") }) {
				t.Errorf("notes %q do not say why the split test is off", d.Report.Notes)
			}
			if d.Report.Weight != 0 {
				t.Errorf("report weight %d, want 0 (no weight routes the canary)", d.Report.Weight)
			}
		})
	}
	j, _ := New(pol)
	for _, bad := range []float64{-0.1, 1, 2} {
		if err := j.BeginShare(t0, bad, ""); err == nil {
			t.Errorf("share %v accepted", bad)
		}
	}
}

// TestSplitUntestable: under session affinity a share far from the weight
// is not a split mismatch; the report says why; the error-rate test still
// fails a bad canary; without the call the same counts are a mismatch.
func TestSplitUntestable(t *testing.T) {
	pol := DefaultPolicy()
	pol.Latency = false
	const why = "DestinationRule bookinfo/reviews hashes requests by header x-user (consistentHash)"
	for _, tt := range []struct {
		name             string
		affinity         bool
		canary, baseline Counts
		want             Verdict
		wantReason       Reason
	}{
		{"affinity: half the requests at a 10% canary", true, Counts{Requests: 5000, Errors: 5}, Counts{Requests: 5000, Errors: 5}, Promote, ReasonNone},
		{"affinity: a failing canary still fails", true, Counts{Requests: 5000, Errors: 500}, Counts{Requests: 5000, Errors: 5}, Fail, ReasonAbsoluteGuard},
		{"no affinity: the same split is a mismatch", false, Counts{Requests: 5000, Errors: 5}, Counts{Requests: 5000, Errors: 5}, Fail, ReasonSplitMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			if tt.affinity {
				j.SplitUntestable(why)
			}
			for step, w := range []int32{5, 10} { // the reason holds across steps
				if err := j.BeginStep(t0.Add(time.Duration(step)*time.Hour), w); err != nil {
					t.Fatal(err)
				}
			}
			d, err := j.Observe(t0.Add(time.Hour+5*time.Minute), tt.canary, tt.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tt.want || d.Reason != tt.wantReason {
				t.Fatalf("verdict %s %s (%s), want %s %s", d.Verdict, d.Reason, d.Detail, tt.want, tt.wantReason)
			}
			noted := slices.ContainsFunc(d.Report.Notes, func(n string) bool { return strings.Contains(n, "split test off: "+why) })
			if noted != tt.affinity || d.Report.Weight != 10 {
				t.Errorf("notes %q, weight %d", d.Report.Notes, d.Report.Weight)
			}
		})
	}
}
