package metrics

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/stats"
)

// Buckets counts the requests per version in consecutive windows
// (edges[i], edges[i+1]] from one query of raw samples per metric, for
// charts over time. Unlike Window, consecutive buckets partition the
// traffic: each counter increase lands in the bucket holding the sample
// that reports it, measured from the series' last sample at or before the
// bucket's start (0 for a series born later). So a bucket equals the
// difference of `sum by (destination_version) (istio_requests_total{...})`
// at its two edges when no counter reset, which a reader can check with
// two instant queries. Resets are handled as Window does.
func Buckets(ctx context.Context, q Querier, sel Selector, edges []time.Time) ([]WindowCounts, error) {
	if len(edges) < 2 {
		return nil, nil
	}
	for i := 1; i < len(edges); i++ {
		if !edges[i].After(edges[i-1]) {
			return nil, fmt.Errorf("bucket edges not increasing at %s", edges[i].Format(time.RFC3339))
		}
	}
	re, err := sel.errorRE()
	if err != nil {
		return nil, err
	}
	first, last := edges[0], edges[len(edges)-1]
	out := make([]WindowCounts, len(edges)-1)
	for i := range out {
		out[i] = WindowCounts{Start: edges[i], End: edges[i+1], ByVersion: map[string]stats.Counts{}}
	}
	rng := fmt.Sprintf("[%ds]", int64(math.Ceil((last.Sub(first) + Lookback).Seconds())))
	reqs, err := rawSeries(ctx, q, RequestsMetric+"{"+sel.Matchers()+"}"+rng, last)
	if err != nil {
		return nil, err
	}
	for _, s := range reqs {
		for i, n := range bucketDeltas(s.Values, edges) {
			if n == 0 {
				continue
			}
			addRequests(out[i].ByVersion, s.Metric, n, re)
			out[i].From, out[i].To = out[i].Start, out[i].End
		}
	}
	durations, err := rawSeries(ctx, q, DurationBuckets+"{"+sel.Matchers()+"}"+rng, last)
	if err != nil {
		return nil, err
	}
	for _, s := range durations {
		for i, n := range bucketDeltas(s.Values, edges) {
			if n == 0 {
				continue
			}
			if err := addBucket(out[i].ByVersion, s.Metric, n); err != nil {
				return nil, err
			}
		}
	}
	for i := range out {
		out[i].Series = len(reqs)
	}
	return out, nil
}

// bucketDeltas is one counter series' increase in each bucket of edges.
func bucketDeltas(samples []model.SamplePair, edges []time.Time) []int64 {
	out := make([]int64, len(edges)-1)
	j := 0
	prev := 0.0
	t0 := model.TimeFromUnixNano(edges[0].UnixNano())
	for j < len(samples) && samples[j].Timestamp <= t0 {
		prev = float64(samples[j].Value)
		j++
	}
	for i := range out {
		end := model.TimeFromUnixNano(edges[i+1].UnixNano())
		total := 0.0
		for ; j < len(samples) && samples[j].Timestamp <= end; j++ {
			v := float64(samples[j].Value)
			if v >= prev {
				total += v - prev
			} else {
				total += v // reset: the counter restarted from zero
			}
			prev = v
		}
		out[i] = int64(math.Round(total))
	}
	return out
}
