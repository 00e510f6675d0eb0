package simulate

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// Result is the simulation's table and the settings that produced it.
type Result struct {
	Settings Settings `json:"settings"`
	Rows     []Row    `json:"rows"`
}

// Settings echo what was simulated, so a table can be reproduced.
type Settings struct {
	Policy          string   `json:"policy"`
	Steps           []int32  `json:"steps"`
	Interval        string   `json:"interval"`
	Alpha           float64  `json:"alpha"`
	Margin          float64  `json:"margin"`
	HoldBayesFactor float64  `json:"holdBayesFactor"`
	RPS             float64  `json:"rps"`
	BaselineError   float64  `json:"baselineError"`
	BaselineLatency string   `json:"baselineLatency,omitempty"`
	Histograms      bool     `json:"histograms"`
	Runs            int      `json:"runs"`
	Seed            uint64   `json:"seed"`
	Notes           []string `json:"notes"`
	// Routed describes the header and mirror steps ("1: header x-canary
	// exact \"1\"", "2: mirror 20%"); their Steps entry is 0.
	Routed []string `json:"routedSteps,omitempty"`
}

// Row is one rule on one scenario over all runs. Quantiles are over all
// runs, a run that never rolled back counting as +∞: nil means that quantile
// was never reached ("—").
type Row struct {
	Scenario      string  `json:"scenario"`
	CanaryError   float64 `json:"canaryError"`
	CanaryLatency string  `json:"canaryLatency,omitempty"`
	// Worse: the canary is worse than the baseline, so rollbacks are
	// detections; otherwise they are false rollbacks.
	Worse bool   `json:"worse"`
	Rule  string `json:"rule"`
	// Runs is 0 for the oracle when the canary is not worse (nothing to
	// detect).
	Runs        int  `json:"runs"`
	RolledBack  Rate `json:"rolledBack"`
	AtFirstStep Rate `json:"rolledBackAtFirstStep"`
	Paused      int  `json:"paused,omitempty"`
	// Seconds from the first step's start to the rollback decision.
	DetectP50 *float64 `json:"detectP50Seconds"`
	DetectP90 *float64 `json:"detectP90Seconds"`
	// Canary errors served before the rollback decision (exposure).
	ExposureP50 *float64 `json:"canaryErrorsP50"`
	ExposureP90 *float64 `json:"canaryErrorsP90"`
	// Seconds to reach 100% over the runs that did.
	FullP50 *float64       `json:"reached100P50Seconds"`
	FullP90 *float64       `json:"reached100P90Seconds"`
	Reasons map[string]int `json:"reasons,omitempty"`
}

// Rate is a proportion with its 95% Wilson interval.
type Rate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

func rate(k, n int) Rate {
	if n == 0 {
		return Rate{}
	}
	lo, hi := stats.Wilson(int64(k), int64(n), stats.ZForConfidence(0.95))
	return Rate{Value: float64(k) / float64(n), Low: lo, High: hi}
}

func (cfg Config) table(outs [][][]Outcome, histograms bool) *Result {
	p := cfg.Policy
	res := &Result{Settings: Settings{Policy: p.Metadata.Name, Interval: p.Spec.Analysis.Interval.Duration.String(),
		Alpha: p.Spec.Analysis.Alpha, RPS: cfg.RPS, BaselineError: cfg.BaselineError, Histograms: histograms,
		Runs: cfg.Runs, Seed: cfg.Seed, Notes: notes}}
	if m := p.Spec.Analysis.ErrorRate.Margin; m != nil {
		res.Settings.Margin = *m
	}
	if h := p.Spec.Analysis.HoldBayesFactor; h != nil {
		res.Settings.HoldBayesFactor = *h
	}
	if histograms {
		res.Settings.BaselineLatency = cfg.BaselineLatency.String()
	}
	for i, st := range p.Spec.Steps {
		res.Settings.Steps = append(res.Settings.Steps, st.Weight)
		switch st.Kind() {
		case policy.StepHeader:
			kind, v := st.HeaderRoute.Match()
			res.Settings.Routed = append(res.Settings.Routed, fmt.Sprintf("%d: header %s %s %q", i+1, st.HeaderRoute.Name, kind, v))
		case policy.StepMirror:
			res.Settings.Routed = append(res.Settings.Routed, fmt.Sprintf("%d: mirror %d%%", i+1, st.Mirror))
		}
	}
	if len(res.Settings.Routed) > 0 {
		res.Settings.Notes = append(slices.Clone(res.Settings.Notes), fmt.Sprintf("header steps: %s of the requests carry the header and reach the canary, judged without a split test; "+
			"mirror steps: the canary gets copies of that share of the requests, judged at p/(100+p), and their errors reach no user (no exposure); "+
			"the Flagger-style rows run the weighted steps only", pct(cfg.headerShare())))
	}
	for s, sc := range cfg.Scenarios {
		t := Traffic{BaselineError: cfg.BaselineError, CanaryError: sc.CanaryError}
		name := fmt.Sprintf("errors %s vs %s", pct(sc.CanaryError), pct(cfg.BaselineError))
		lat := ""
		if histograms {
			t.BaselineLatency, t.CanaryLatency = cfg.BaselineLatency, cmp(sc.CanaryLatency, cfg.BaselineLatency)
			lat = t.CanaryLatency.String()
			if t.CanaryLatency != t.BaselineLatency {
				name += fmt.Sprintf(", latency %s vs %s", t.CanaryLatency, t.BaselineLatency)
			}
		}
		for k, rule := range ruleNames {
			row := aggregate(outs[s][k])
			row.Scenario, row.CanaryError, row.CanaryLatency, row.Worse, row.Rule = name, sc.CanaryError, lat, worse(t), rule
			res.Rows = append(res.Rows, row)
		}
	}
	return res
}

var notes = []string{
	"every rule sees its own Poisson traffic; the gitshift rows step as the rollout engine does (judge.NextMove), manual gates resumed at once, push→live not simulated; the previous judge steps on its minimums only (no margin, no hold)",
	fmt.Sprintf("Flagger-style: a check every %s of the canary-only success rate ≥ %g%% over that minute (no requests fail the check), a passed check advances to the next weight, failed checks accumulate", flaggerEvery, 100*flaggerMinSR),
	"oracle SPRT: Wald's test knowing both arms' true distributions at the policy's alpha, looking at the same interval, on the steps' minimum durations; the effect SPRT knows only the odds ratio and learns the baseline from the same windows as the judge",
	"quantiles over all runs, a run never rolled back counting as +∞ (—); 100% reached over the runs promoted",
}

// aggregate summarises one rule's outcomes; zero outcomes (a rule that did
// not run) give an empty row.
func aggregate(outs []Outcome) Row {
	var row Row
	if len(outs) == 0 || (!outs[0].RolledBack && !outs[0].Paused && !outs[0].Promoted) {
		return row
	}
	row.Runs = len(outs)
	row.Reasons = map[string]int{}
	var rolled, first int
	detect, exposure := make([]float64, 0, len(outs)), make([]float64, 0, len(outs))
	var full []float64
	for _, o := range outs {
		switch {
		case o.RolledBack:
			rolled++
			if o.Step == 1 {
				first++
			}
			row.Reasons[o.Reason]++
			detect = append(detect, o.Seconds)
			exposure = append(exposure, float64(o.CanaryErrors))
			continue
		case o.Paused:
			row.Paused++
			row.Reasons["paused: "+o.Reason]++
		case o.Promoted:
			full = append(full, o.Seconds)
		}
		detect = append(detect, math.Inf(1))
		exposure = append(exposure, math.Inf(1))
	}
	row.RolledBack, row.AtFirstStep = rate(rolled, len(outs)), rate(first, len(outs))
	row.DetectP50, row.DetectP90 = quantile(detect, 0.5), quantile(detect, 0.9)
	row.ExposureP50, row.ExposureP90 = quantile(exposure, 0.5), quantile(exposure, 0.9)
	row.FullP50, row.FullP90 = quantile(full, 0.5), quantile(full, 0.9)
	if len(row.Reasons) == 0 {
		row.Reasons = nil
	}
	return row
}

// quantile is the q-quantile (lower empirical); nil when empty or +∞.
func quantile(v []float64, q float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	slices.Sort(v)
	x := v[max(0, int(math.Ceil(q*float64(len(v))))-1)]
	if math.IsInf(x, 1) {
		return nil
	}
	return &x
}

func pct(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.3g%%", 100*v), ".0%") }

// WriteText prints the table for humans: settings, then one line per rule
// and scenario.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Settings
	steps := fmt.Sprint(s.Steps)
	if len(s.Routed) > 0 {
		steps += " (" + strings.Join(s.Routed, ", ") + ")"
	}
	fmt.Fprintf(w, "policy %s: steps %s, looks every %s, alpha %g, margin %g, hold above BF %g; %g rps, baseline errors %s",
		s.Policy, steps, s.Interval, s.Alpha, s.Margin, s.HoldBayesFactor, s.RPS, pct(s.BaselineError))
	if s.Histograms {
		fmt.Fprintf(w, ", latency median %s", s.BaselineLatency)
	}
	fmt.Fprintf(w, "; %d runs per row, seed %d\n\n", s.Runs, s.Seed)
	// A Markdown table, aligned for the terminal.
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	cells := func(c ...string) { fmt.Fprintln(tw, "| "+strings.Join(c, "\t| ")+"\t|") }
	cells("scenario", "rule", "rolled back [95% CI]", "at 1st step", "detect p50/p90 s", "canary errors p50/p90", "100% reached p50/p90 s", "reasons")
	cells("---", "---", "---:", "---:", "---:", "---:", "---:", "---")
	for _, row := range r.Rows {
		if row.Runs == 0 {
			cells(row.Scenario, row.Rule, "n/a", "", "", "", "", "")
			continue
		}
		kind := ""
		if !row.Worse {
			kind = "false "
		}
		cells(row.Scenario, row.Rule,
			fmt.Sprintf("%s%.1f%% [%.1f, %.1f]", kind, 100*row.RolledBack.Value, 100*row.RolledBack.Low, 100*row.RolledBack.High),
			fmt.Sprintf("%.1f%%", 100*row.AtFirstStep.Value),
			num(row.DetectP50)+" / "+num(row.DetectP90), num(row.ExposureP50)+" / "+num(row.ExposureP90),
			num(row.FullP50)+" / "+num(row.FullP90), reasons(row.Reasons))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  - %s\n", n)
	}
	return nil
}

func num(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f", *v)
}

func reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
