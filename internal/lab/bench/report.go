package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// Report is a bench run: every sample, and the summary the text shows.
type Report struct {
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Steps    int           `json:"stepsPerVariant"`
	Poll     time.Duration `json:"pollInterval"`
	Gap      time.Duration `json:"gap"`
	// Variants are the sync-option variants, the first the reference.
	Variants []string `json:"variants"`
	Samples  []Sample `json:"samples"`
}

// Metric is one timed segment of a step. A zero is "not seen", unless
// ZeroWhenLive and the step went live (a segment that took no time).
type Metric struct {
	Name         string
	Of           func(Sample) time.Duration
	ZeroWhenLive bool
}

// The metrics the ratios use.
var (
	metricFloor = Metric{Name: "push→VirtualService applied (floor)", Of: func(s Sample) time.Duration { return s.Applied }}
	metricLive  = Metric{Name: "push→live, gitshift's watches", Of: Sample.Live}
	metricPoll  = Metric{Name: "push→live, plain poll", Of: func(s Sample) time.Duration { return s.Poll }}
)

// Metrics are the rows of the summary, in the order of a step.
var Metrics = []Metric{
	{Name: "commit→push", Of: func(s Sample) time.Duration { return s.CommitToPush }},
	{Name: "push→refresh annotation set", Of: func(s Sample) time.Duration { return s.Refresh }},
	{Name: "push→Argo CD compared the commit", Of: func(s Sample) time.Duration { return s.Compared }},
	{Name: "push→Argo CD synced", Of: func(s Sample) time.Duration { return s.Synced }},
	{Name: "synced→live VirtualService", Of: Sample.SyncedToLive, ZeroWhenLive: true},
	metricFloor,
	metricLive,
	metricPoll,
	{Name: "commit→live (total)", Of: Sample.Total},
}

// Stat is a metric's median and 90th percentile over the samples that saw
// it (N of them).
type Stat struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50"`
	P90 time.Duration `json:"p90"`
}

// cell prints d, one of st's percentiles: "-" when nothing was seen.
func (st Stat) cell(d time.Duration) string {
	if st.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// Summarize returns one metric's Stat over the samples of variant. A
// sample that did not see the moment (0) does not count.
func (r *Report) Summarize(variant string, m Metric) Stat {
	var ds []time.Duration
	for _, s := range r.Samples {
		if s.Variant != variant {
			continue
		}
		if d := m.Of(s); d > 0 || (m.ZeroWhenLive && s.Live() > 0) {
			ds = append(ds, d)
		}
	}
	return Stat{N: len(ds), P50: Percentile(ds, 0.5), P90: Percentile(ds, 0.9)}
}

// Percentile is the q-quantile of ds by linear interpolation between the
// order statistics (Hyndman–Fan type 7, as R and NumPy default to); 0 for
// no data.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + time.Duration((h-float64(lo))*float64(s[lo+1]-s[lo]))
}

// Ratio is a/b, NaN when b is 0.
func Ratio(a, b time.Duration) float64 {
	if b == 0 || a == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// WriteText prints the side-by-side summary: each metric's p50 and p90 per
// sync-option variant with the p50's ratio to the first variant's, then the
// poll/watch and the live/floor ratios, and what steps without the refresh
// did.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "push→live per step in the lab: %d step commits per variant, rounds interleaved; plain poll every %s; %s between steps\n\n",
		r.Steps, r.Poll, r.Gap)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "segment")
	for i, v := range r.Variants {
		fmt.Fprintf(tw, "\t%s p50\tp90", v)
		if i > 0 {
			fmt.Fprint(tw, "\tp50 ratio")
		}
	}
	fmt.Fprint(tw, "\t\n")
	for _, m := range Metrics {
		fmt.Fprint(tw, m.Name)
		ref := r.Summarize(r.Variants[0], m)
		for i, v := range r.Variants {
			st := r.Summarize(v, m)
			fmt.Fprintf(tw, "\t%s\t%s", st.cell(st.P50), st.cell(st.P90))
			if i > 0 {
				fmt.Fprintf(tw, "\t%s", ratio(Ratio(st.P50, ref.P50)))
			}
		}
		fmt.Fprint(tw, "\t\n")
	}
	live := metricLive
	for _, x := range []struct {
		name     string
		num, den Metric
	}{{"plain poll / gitshift's watches", metricPoll, metricLive}, {"gitshift's watches / floor", metricLive, metricFloor}} {
		fmt.Fprint(tw, x.name)
		for i, v := range r.Variants {
			n, d := r.Summarize(v, x.num), r.Summarize(v, x.den)
			fmt.Fprintf(tw, "\t%s\t%s", ratio(Ratio(n.P50, d.P50)), ratio(Ratio(n.P90, d.P90)))
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
		}
		fmt.Fprint(tw, "\t\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var nr, live0 int
	for _, s := range r.Samples {
		if s.Variant == VariantNoRefresh {
			nr++
			if !s.TimedOut {
				live0++
			}
		}
	}
	if nr > 0 {
		st := r.Summarize(VariantNoRefresh, live)
		fmt.Fprintf(w, "\nwithout the refresh annotation: %d of %d steps live within the step timeout (p50 %s); Argo CD polls Git every 180 s in the lab\n",
			live0, nr, ms(st.P50))
	}
	return nil
}

// line is a sample's progress line.
func (s Sample) line() string {
	if s.TimedOut {
		return fmt.Sprintf("%.7s  not live within the timeout (synced %s, applied %s)", s.SHA, ms(s.Synced), ms(s.Applied))
	}
	return fmt.Sprintf("%.7s  commit→push %s  synced %s  applied %s  live %s  poll %s", s.SHA,
		ms(s.CommitToPush), ms(s.Synced), ms(s.Applied), ms(s.Live()), ms(s.Poll))
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}

	return fmt.Sprintf("%.2fs", d.Seconds())
}

func ratio(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}
