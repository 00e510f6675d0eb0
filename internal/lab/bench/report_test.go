package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{[]time.Duration{3 * s}, 0.9, 3 * s},
		{[]time.Duration{4 * s, 1 * s, 3 * s, 2 * s}, 0.5, 2500 * time.Millisecond},
		{[]time.Duration{1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s, 8 * s, 9 * s, 10 * s, 11 * s}, 0.9, 10 * s},
		{[]time.Duration{1 * s, 2 * s}, 0.9, 1900 * time.Millisecond},
		{[]time.Duration{1 * s, 2 * s}, 1, 2 * s},
	} {
		if got := Percentile(tc.ds, tc.q); got != tc.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.ds, tc.q, got, tc.want)
		}
	}
}

func TestSampleSegments(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name             string
		s                Sample
		live, lag, total time.Duration
	}{
		{"VirtualService applied before Synced", Sample{CommitToPush: 300 * ms, Synced: 1200 * ms, Applied: 900 * ms}, 1200 * ms, 0, 1500 * ms},
		{"VirtualService after Synced", Sample{CommitToPush: 300 * ms, Synced: 1200 * ms, Applied: 1500 * ms}, 1500 * ms, 300 * ms, 1800 * ms},
		{"never applied", Sample{CommitToPush: 300 * ms, Synced: 1200 * ms}, 0, 0, 0},
	} {
		if l, g, tot := tc.s.Live(), tc.s.SyncedToLive(), tc.s.Total(); l != tc.live || g != tc.lag || tot != tc.total {
			t.Errorf("%s: live %v, synced→live %v, total %v; want %v, %v, %v", tc.name, l, g, tot, tc.live, tc.lag, tc.total)
		}
	}
}

// TestWriteText: the sync options side by side with their ratio, and the
// poll/watch and watch/floor ratios, from the samples.
func TestWriteText(t *testing.T) {
	ms := time.Millisecond
	r := &Report{Steps: 2, Poll: time.Second, Variants: []string{VariantDefault, OutOfSyncOnly}}
	for _, d := range []time.Duration{2000 * ms, 2400 * ms} {
		r.Samples = append(r.Samples, Sample{Variant: VariantDefault, CommitToPush: 200 * ms, Synced: d, Applied: d - 500*ms, Poll: d + 800*ms})
		r.Samples = append(r.Samples, Sample{Variant: OutOfSyncOnly, CommitToPush: 200 * ms, Synced: d / 2, Applied: d/2 - 500*ms, Poll: d + 800*ms})
	}
	r.Samples = append(r.Samples, Sample{Variant: VariantNoRefresh, TimedOut: true})
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"push→Argo CD synced  2.20s  2.36s  1.10s  1.18s  0.50×",
		"plain poll / gitshift's watches  1.36×  1.34×  2.73×  2.68×",
		"synced→live VirtualService 0.00s 0.00s 0.00s 0.00s -",
		"push→refresh annotation set - - - - -",
		"gitshift's watches / floor  1.29×  1.27×  1.83×  1.74×",
		"without the refresh annotation: 0 of 1 steps live",
	} {
		if !strings.Contains(squeeze(out), squeeze(want)) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if !math.IsNaN(Ratio(time.Second, 0)) {
		t.Error("a ratio over nothing must be NaN")
	}
}

// squeeze collapses runs of spaces (tabwriter's padding).
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestWithVariant: a variant's options replace the Application's own
// settings of the same options (either value), and keep the others.
func TestWithVariant(t *testing.T) {
	base := []string{"CreateNamespace=true", "Validate=true", "PruneLast=true"}
	for _, tc := range []struct {
		v    Variant
		want string
	}{
		{DefaultVariants[0], "CreateNamespace=true PruneLast=true"},
		{DefaultVariants[1], "CreateNamespace=true PruneLast=true ApplyOutOfSyncOnly=true"},
		{DefaultVariants[3], "CreateNamespace=true PruneLast=true ApplyOutOfSyncOnly=true Validate=false"},
	} {
		if got := strings.Join(withVariant(base, DefaultVariants, tc.v), " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.v.Name, got, tc.want)
		}
	}
}
