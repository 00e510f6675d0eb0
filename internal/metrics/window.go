package metrics

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/stats"
)

// WindowCounts are the requests counted in [Start, End] per version.
type WindowCounts struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// From/To bound the raw samples actually used: the counts cover
	// (From, To], which lags the requested window by up to one scrape
	// interval. Zero when no sample fell in the window.
	From      time.Time               `json:"from"`
	To        time.Time               `json:"to"`
	Series    int                     `json:"series"`
	ByVersion map[string]stats.Counts `json:"byVersion"`
}

// Total sums requests over all versions.
func (w WindowCounts) Total() int64 {
	var n int64
	for _, c := range w.ByVersion {
		n += c.Requests
	}
	return n
}

// Window counts the requests in [start, end] per version from raw counter
// samples. Each series (one proxy, code, source...) is differenced on its
// own, sample by sample, so a counter reset (proxy restart) in the window is
// handled exactly: a decrease means the counter restarted from zero and the
// new value is the increment. Traffic before start is excluded even when the
// last scrape before start is older than start; the price is that counts
// begin at the first scrape after start.
func Window(ctx context.Context, q Querier, sel Selector, start, end time.Time) (WindowCounts, error) {
	if !end.After(start) {
		return WindowCounts{}, fmt.Errorf("empty window %s..%s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	re, err := sel.errorRE()
	if err != nil {
		return WindowCounts{}, err
	}
	wc := WindowCounts{Start: start, End: end, ByVersion: map[string]stats.Counts{}}
	rng := fmt.Sprintf("[%ds]", int64(math.Ceil((end.Sub(start) + Lookback).Seconds())))

	reqs, err := rawSeries(ctx, q, RequestsMetric+"{"+sel.Matchers()+"}"+rng, end)
	if err != nil {
		return WindowCounts{}, err
	}
	for _, s := range reqs {
		n, from, to := seriesDelta(s.Values, start)
		wc.widen(from, to)
		addRequests(wc.ByVersion, s.Metric, n, re)
	}
	buckets, err := rawSeries(ctx, q, DurationBuckets+"{"+sel.Matchers()+"}"+rng, end)
	if err != nil {
		return WindowCounts{}, err
	}
	for _, s := range buckets {
		n, _, _ := seriesDelta(s.Values, start)
		if err := addBucket(wc.ByVersion, s.Metric, n); err != nil {
			return WindowCounts{}, err
		}
	}
	wc.Series = len(reqs)
	return wc, nil
}

func rawSeries(ctx context.Context, q Querier, promql string, at time.Time) (model.Matrix, error) {
	v, err := q.Query(ctx, promql, at)
	if err != nil {
		return nil, err
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query %q: want a matrix of raw samples, got %s", promql, v.Type())
	}
	return m, nil
}

func (w *WindowCounts) widen(from, to time.Time) {
	if from.IsZero() {
		return
	}
	if w.From.IsZero() || from.Before(w.From) {
		w.From = from
	}
	if to.After(w.To) {
		w.To = to
	}
}

// seriesDelta is the increase of one counter series after start. If the
// series had a sample at or before start, counting begins at its first
// sample after start; otherwise the series was born inside the window (Istio
// creates a series on its first request) and its first value counts in full.
// from/to are the times the counted increase lies between.
func seriesDelta(samples []model.SamplePair, start time.Time) (n int64, from, to time.Time) {
	ts := model.TimeFromUnixNano(start.UnixNano())
	i := 0
	for i < len(samples) && samples[i].Timestamp <= ts {
		i++
	}
	if i == len(samples) {
		return 0, time.Time{}, time.Time{}
	}
	var total, prev float64
	if i == 0 {
		total, prev = float64(samples[0].Value), float64(samples[0].Value)
		from = start
	} else {
		prev = float64(samples[i].Value)
		from = samples[i].Timestamp.Time()
	}
	for _, s := range samples[i+1:] {
		v := float64(s.Value)
		if v >= prev {
			total += v - prev
		} else {
			total += v // reset: the counter restarted from zero
		}
		prev = v
	}
	return int64(math.Round(total)), from, samples[len(samples)-1].Timestamp.Time()
}
