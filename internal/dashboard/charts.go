package dashboard

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gitshift/gitshift/internal/dashboard/chart"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/stats"
)

// z95 is the normal quantile of the 95% Wilson intervals.
var z95 = stats.ZForConfidence(0.95)

// arms are one bucket's counts of the canary and the baseline (stable).
type arms struct{ canary, stable stats.Counts }

func armsOf(w metrics.WindowCounts, versions map[string]string, stable, canary string) arms {
	return arms{canary: w.ByVersion[versionOf(versions, canary)], stable: w.ByVersion[versionOf(versions, stable)]}
}

func versionOf(versions map[string]string, subset string) string {
	if v := versions[subset]; v != "" {
		return v
	}
	return subset
}

func mid(w metrics.WindowCounts) float64 {
	return (chart.Unix(w.Start) + chart.Unix(w.End)) / 2
}

// bucketData are the numbers behind one bucket's point, as data-*
// attributes: the window (unix milliseconds) and the counts.
func bucketData(w metrics.WindowCounts, a arms) []chart.Attr {
	return []chart.Attr{
		{Name: "start", Value: strconv.FormatInt(w.Start.UnixMilli(), 10)},
		{Name: "end", Value: strconv.FormatInt(w.End.UnixMilli(), 10)},
		{Name: "canary", Value: strconv.FormatInt(a.canary.Requests, 10)},
		{Name: "canary-errors", Value: strconv.FormatInt(a.canary.Errors, 10)},
		{Name: "stable", Value: strconv.FormatInt(a.stable.Requests, 10)},
		{Name: "stable-errors", Value: strconv.FormatInt(a.stable.Errors, 10)},
	}
}

// weightCommits are the rollout's weight-changing commits, oldest first.
func weightCommits(st rollout.State) []rollout.TimelineEntry {
	var out []rollout.TimelineEntry
	for _, e := range st.Timeline {
		if e.Weights != nil && e.Action != rollout.ActionControl {
			out = append(out, e)
		}
	}
	return out
}

func markers(d Detail) []chart.Marker {
	var out []chart.Marker
	for _, e := range weightCommits(d.State) {
		label := fmt.Sprintf("%d%%", e.Weights[d.Canary])
		if e.Action == rollout.ActionRollback {
			label = "rollback"
		}
		out = append(out, chart.Marker{X: chart.Unix(e.Time), Label: label, Class: e.Action})
	}
	return out
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }

// splitChart: the canary's weight in Git, live, and its measured share of
// the requests with a 95% Wilson interval per bucket.
func splitChart(d Detail, x0, x1 float64, loc *time.Location) chart.Chart {
	c := chart.Chart{ID: "split", Title: "Canary share: Git weight, live weight, measured (95% interval)", Width: 960, Height: 280, // full width on a laptop
		XMin: x0, XMax: x1, FixedY: true, YMin: 0, YMax: 100, XTicks: chart.TimeTicks, XLabel: chart.ClockLabel(loc), YLabel: func(v float64) string { return pct(v) },
		Markers: markers(d), EmptyMessage: "no weight commits"}
	git := chart.Series{Name: "Git weight", Class: "git", Kind: chart.Step, Points: []chart.Point{{X: x0, Y: 0}}}
	for _, e := range weightCommits(d.State) {
		w := float64(e.Weights[d.Canary])
		git.Points = append(git.Points, chart.Point{X: chart.Unix(e.Time), Y: w, Title: fmt.Sprintf("%.10s: %s", e.SHA, rollout.FormatWeights(e.Weights)),
			Data: []chart.Attr{{Name: "sha", Value: e.SHA}}})
	}
	live := chart.Series{Name: "live weight", Class: "live", Kind: chart.Step, Points: liveWeights(d, x0, x1)}
	measured := chart.Series{Name: "measured share", Class: "measured", Kind: chart.Dots}
	for _, w := range d.Traffic {
		a := armsOf(w, d.Versions, d.Stable, d.Canary)
		n := a.canary.Requests + a.stable.Requests
		if n == 0 {
			continue
		}
		share := float64(a.canary.Requests) / float64(n)
		lo, hi := stats.Wilson(a.canary.Requests, n, z95)
		p := chart.Point{X: mid(w), Y: 100 * share, Lo: 100 * lo, Hi: 100 * hi, Interval: true, Data: bucketData(w, a),
			Title: fmt.Sprintf("%s–%s: %d of %d requests to %s = %.1f%% [%.1f, %.1f]", w.Start.In(loc).Format("15:04:05"), w.End.In(loc).Format("15:04:05"),
				a.canary.Requests, n, d.Canary, 100*share, 100*lo, 100*hi)}
		measured.Points = append(measured.Points, p)
	}
	c.Series = []chart.Series{git, live, measured}
	if len(weightCommits(d.State)) == 0 {
		c.Series = nil
	}
	return c
}

// liveWeights is the canary's live weight over time: Argo CD's syncs of
// the rollout's commits (each sync brings the newest weights committed
// before it), or the live weights read now when no sync is known.
func liveWeights(d Detail, x0, x1 float64) []chart.Point {
	ws := weightCommits(d.State)
	bySHA := map[string]rollout.TimelineEntry{}
	for _, e := range ws {
		bySHA[e.SHA] = e
	}
	weightAt := func(rev string, at time.Time) (float64, bool) {
		if e, ok := bySHA[rev]; ok {
			return float64(e.Weights[d.Canary]), true
		}
		var w float64
		found := false
		for _, e := range ws {
			if !e.Time.After(at) {
				w, found = float64(e.Weights[d.Canary]), true
			}
		}
		return w, found
	}
	var out []chart.Point
	for _, h := range d.Deployments {
		x := chart.Unix(h.DeployedAt)
		if x > x1 {
			continue
		}
		w, ok := weightAt(h.Revision, h.DeployedAt)
		if !ok {
			w = 0 // before the rollout's first commit: the stable had it all
		}
		p := chart.Point{X: math.Max(x, x0), Y: w, Title: fmt.Sprintf("Argo CD synced %.10s", h.Revision), Data: []chart.Attr{{Name: "revision", Value: h.Revision}}}
		if len(out) > 0 && out[len(out)-1].X == p.X {
			out[len(out)-1] = p // several syncs before the chart begins: the last counts
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 && d.Live != nil {
		out = append(out, chart.Point{X: x1, Y: float64(d.Live[d.Canary]), Title: "live now"})
	}
	return out
}

// errorChart: canary and baseline error rates per bucket, with the guard's
// absolute limit and the baseline plus the non-inferiority margin.
func errorChart(d Detail, x0, x1 float64, loc *time.Location) chart.Chart {
	c := chart.Chart{ID: "errors", Title: "Error rate: canary vs baseline", XMin: x0, XMax: x1, XTicks: chart.TimeTicks, XLabel: chart.ClockLabel(loc),
		YLabel: func(v float64) string { return pct(v) }, Markers: markers(d), EmptyMessage: "no requests counted"}
	canary := chart.Series{Name: d.Canary + " (canary)", Class: "canary", Kind: chart.Line}
	stable := chart.Series{Name: d.Stable + " (baseline)", Class: "baseline", Kind: chart.Line}
	margin := chart.Series{Name: "baseline + margin", Class: "margin", Kind: chart.Line}
	var m float64
	if p := d.Analysis.ErrorRate.Margin; p != nil {
		m = *p
	}
	for _, w := range d.Traffic {
		a := armsOf(w, d.Versions, d.Stable, d.Canary)
		if a.canary.Requests > 0 {
			canary.Points = append(canary.Points, rate(w, a.canary, a, loc))
		}
		if a.stable.Requests > 0 {
			p := rate(w, a.stable, a, loc)
			stable.Points = append(stable.Points, p)
			if m > 0 {
				margin.Points = append(margin.Points, chart.Point{X: p.X, Y: p.Y + 100*m})
			}
		}
	}
	c.Series = []chart.Series{canary, stable}
	if len(margin.Points) > 0 {
		c.Series = append(c.Series, margin)
	}
	if g := d.Analysis.Guards.MaxErrorRate; g > 0 {
		c.Rules = []chart.Rule{{Y: 100 * g, Label: "guard max " + pct(100*g), Class: "limit"}}
	}
	return c
}

func rate(w metrics.WindowCounts, c stats.Counts, a arms, loc *time.Location) chart.Point {
	r := c.ErrorRate()
	return chart.Point{X: mid(w), Y: 100 * r, Data: bucketData(w, a),
		Title: fmt.Sprintf("%s: %d errors of %d = %.2f%%", w.End.In(loc).Format("15:04:05"), c.Errors, c.Requests, 100*r)}
}

// latencyChart: p50 and p99 of canary and baseline per bucket, from the
// duration histogram (as precise as its buckets).
func latencyChart(d Detail, x0, x1 float64, loc *time.Location) chart.Chart {
	c := chart.Chart{ID: "latency", Title: "Latency p50 / p99: canary vs baseline", XMin: x0, XMax: x1, XTicks: chart.TimeTicks, XLabel: chart.ClockLabel(loc),
		YLabel: func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + " ms" }, Markers: markers(d), EmptyMessage: "no latency histogram"}
	series := []chart.Series{
		{Name: d.Canary + " p99", Class: "canary p99", Kind: chart.Line}, {Name: d.Stable + " p99", Class: "baseline p99", Kind: chart.Line},
		{Name: d.Canary + " p50", Class: "canary p50", Kind: chart.Line}, {Name: d.Stable + " p50", Class: "baseline p50", Kind: chart.Line},
	}
	for _, w := range d.Traffic {
		a := armsOf(w, d.Versions, d.Stable, d.Canary)
		for i, arm := range []stats.Counts{a.canary, a.stable, a.canary, a.stable} {
			q := 0.99
			if i >= 2 {
				q = 0.5
			}
			v := stats.HistogramQuantile(q, arm.Buckets)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			series[i].Points = append(series[i].Points, chart.Point{X: mid(w), Y: math.Round(v*1e4) / 10,
				Title: fmt.Sprintf("%s: %s %.1f ms", w.End.In(loc).Format("15:04:05"), series[i].Name, v*1000)})
		}
	}
	c.Series = series
	return c
}
