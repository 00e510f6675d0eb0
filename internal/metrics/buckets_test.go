package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// matrixQuerier answers every query with the series whose metric name the
// query selects.
type matrixQuerier map[string]model.Matrix

func (m matrixQuerier) Query(_ context.Context, promql string, _ time.Time) (model.Value, error) {
	name, _, _ := strings.Cut(promql, "{")
	return m[name], nil
}

func samples(t0 time.Time, vals ...float64) []model.SamplePair {
	out := make([]model.SamplePair, len(vals))
	for i, v := range vals {
		out[i] = model.SamplePair{Timestamp: model.TimeFromUnixNano(t0.Add(time.Duration(i) * 10 * time.Second).UnixNano()), Value: model.SampleValue(v)}
	}
	return out
}

func TestBucketsPartitionTheTraffic(t *testing.T) {
	t0 := time.Unix(1748858400, 0)
	// Samples every 10 s from t0; edges at t0+5, +25, +45: each bucket
	// holds two samples.
	edges := []time.Time{t0.Add(5 * time.Second), t0.Add(25 * time.Second), t0.Add(45 * time.Second)}
	q := matrixQuerier{
		RequestsMetric: {
			{Metric: model.Metric{VersionLabel: "v1", CodeLabel: "200"}, Values: samples(t0, 100, 110, 130, 135, 150)},
			// A reset in the second bucket: 20 → 3 counts +3, then +4.
			{Metric: model.Metric{VersionLabel: "v1", CodeLabel: "503"}, Values: samples(t0, 10, 12, 20, 3, 7)},
			// Born inside the first bucket: its first value counts in full.
			{Metric: model.Metric{VersionLabel: "v3", CodeLabel: "200"}, Values: samples(t0.Add(20*time.Second), 6, 9, 15)},
		},
		DurationBuckets: {
			{Metric: model.Metric{VersionLabel: "v1", "le": "50"}, Values: samples(t0, 1, 2, 4, 8, 16)},
		},
	}
	got, err := Buckets(context.Background(), q, sel, edges)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d buckets, want 2", len(got))
	}
	want := []struct{ v1, v1err, v3, le50 int64 }{
		{v1: 30 + 10, v1err: 10, v3: 6, le50: 3},
		{v1: 20 + 7, v1err: 7, v3: 9, le50: 12},
	}
	for i, w := range want {
		b := got[i]
		if b.ByVersion["v1"].Requests != w.v1 || b.ByVersion["v1"].Errors != w.v1err || b.ByVersion["v3"].Requests != w.v3 {
			t.Errorf("bucket %d: %+v, want v1 %d (%d errors), v3 %d", i, b.ByVersion, w.v1, w.v1err, w.v3)
		}
		if bs := b.ByVersion["v1"].Buckets; len(bs) != 1 || bs[0].LE != 0.05 || bs[0].Count != w.le50 {
			t.Errorf("bucket %d latency %+v, want le 0.05 s count %d", i, bs, w.le50)
		}
		if !b.Start.Equal(edges[i]) || !b.End.Equal(edges[i+1]) {
			t.Errorf("bucket %d spans %s..%s", i, b.Start, b.End)
		}
	}
	// Without resets the buckets add up to the difference of the series'
	// values at the outer edges: nothing is lost between buckets.
	if sum := got[0].ByVersion["v1"].Requests - got[0].ByVersion["v1"].Errors + got[1].ByVersion["v1"].Requests - got[1].ByVersion["v1"].Errors; sum != 150-100 {
		t.Errorf("v1 200s over both buckets = %d, want 50", sum)
	}
}

func TestBucketsRejectsEdgesOutOfOrder(t *testing.T) {
	t0 := time.Unix(1748858400, 0)
	if _, err := Buckets(context.Background(), matrixQuerier{}, sel, []time.Time{t0, t0}); err == nil {
		t.Fatal("equal edges accepted")
	}
	if got, err := Buckets(context.Background(), matrixQuerier{}, sel, []time.Time{t0}); err != nil || got != nil {
		t.Fatalf("one edge: %v, %v; want no buckets", got, err)
	}
}
