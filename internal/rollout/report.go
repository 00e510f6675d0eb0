package rollout

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// WriteReport writes the closing markdown report of a rollout: outcome,
// the timeline of commits and decisions, and per step the push→live latency
// and the evidence at the decision.
func WriteReport(w io.Writer, p *policy.CanaryPolicy, res *Result) error {
	s := p.Spec
	var b strings.Builder
	fmt.Fprintf(&b, "# Rollout %s: %s\n\n", res.ID, res.Phase)
	fmt.Fprintf(&b, "- VirtualService `%s`, Application `%s/%s`\n", s.Target.VirtualService, s.Target.ArgoCDNamespace, s.Target.Application)
	fmt.Fprintf(&b, "- %s → %s, steps %s, failure policy %s\n", s.StableSubset, s.CanarySubset, stepList(s.Steps), s.FailurePolicy)
	fmt.Fprintf(&b, "- started %s, ended %s (%s)\n", res.Started.UTC().Format(time.RFC3339), res.Finished.UTC().Format(time.RFC3339), res.Finished.Sub(res.Started).Round(time.Second))
	if res.Reason != "" {
		fmt.Fprintf(&b, "- %s\n", res.Reason)
	}
	b.WriteString("\n## Commits and decisions\n\n| time | commit | action | step | weights | decision | reason |\n|---|---|---|---|---|---|---|\n")
	for _, e := range res.Timeline {
		action := e.Action
		if e.Signal != "" {
			action += " " + string(e.Signal)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s |\n", e.Time.UTC().Format("15:04:05"), short(e.SHA), action, e.Step,
			FormatWeights(e.Weights), e.Decision, cell(e.Reason))
	}
	if rows := stepRows(res.Events, s.CanarySubset, res.Finished, res.Phase); len(rows) > 0 {
		b.WriteString("\n## Steps\n\n| step | weight | push → live | analysed | canary req | canary err | baseline err | split [95%] | decision |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range rows {
			b.WriteString(r)
		}
	}
	if res.Phase == Failed || res.Phase == Aborted {
		b.WriteString("\nThe rollout stopped without reaching a safe end state on its own: the last commit above is what Git says; check `gitshift verify` and decide.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stepRows summarises each step from the event stream: the push, the moment
// the live weights were verified, and the last analysis before the decision.
func stepRows(events []Event, canary string, end time.Time, final Phase) []string {
	var rows []string
	var pushed, live time.Time
	var weight int32
	var step int
	var last *Report
	flush := func(decision string, at time.Time) {
		if pushed.IsZero() {
			return
		}
		pl, analysed := "–", "–"
		if !live.IsZero() {
			pl = live.Sub(pushed).Round(100 * time.Millisecond).String()
			if at.After(live) && weight > 0 && weight < 100 {
				analysed = at.Sub(live).Round(time.Second).String()
			}
		}
		label := fmt.Sprint(step)
		if weight == 0 {
			label = "rollback"
		}
		cr, ce, be, split := "–", "–", "–", "–"
		if last != nil {
			cr = fmt.Sprint(last.CanaryRequests)
			ce = fmt.Sprintf("%.2f%%", 100*last.CanaryErrorRate)
			be = fmt.Sprintf("%.2f%%", 100*last.BaselineErrorRate)
			split = fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*last.ObservedSplit, 100*last.SplitLow, 100*last.SplitHigh)
		}
		rows = append(rows, fmt.Sprintf("| %s | %d%% | %s | %s | %s | %s | %s | %s | %s |\n", label, weight, pl, analysed, cr, ce, be, split, decision))
		pushed, live, last = time.Time{}, time.Time{}, nil
	}
	for _, ev := range events {
		switch {
		case ev.Type == EventCommit && ev.Weights != nil:
			flush("", ev.Time) // a commit without a decision in between (resume)
			pushed, step, weight = ev.Time, ev.Step, ev.Weights[canary]
		case ev.Type == EventPhase && (ev.Phase == Analysing || ev.Phase == Promoted || ev.Phase == RolledBack) && live.IsZero():
			live = ev.Time
		case ev.Type == EventAnalysis:
			last = ev.Analysis
		case ev.Type == EventDecision && ev.Decision != DecisionHold && ev.Decision != DecisionStart:
			if live.IsZero() && (ev.Phase == Promoted || ev.Phase == RolledBack) {
				live = ev.Time // the end: verified live in the same step as the decision
			}
			flush(string(ev.Decision), ev.Time)
		}
	}
	flush(final.String(), end)
	return rows
}

func stepList(steps []policy.Step) string {
	var s []string
	for _, st := range steps {
		g := ""
		if st.Gate == policy.GateManual {
			g = " (manual)"
		}
		s = append(s, fmt.Sprintf("%d%s", st.Weight, g))
	}
	return strings.Join(s, ", ")
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
