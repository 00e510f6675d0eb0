package rollout

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
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
		w := FormatWeights(e.Weights)
		if e.Header != nil || e.Mirror != nil {
			w += "; " + FormatRouting(mesh.CanaryRouting{Header: e.Header, Mirror: e.Mirror})
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s |\n", e.Time.UTC().Format("15:04:05"), short(e.SHA), action, e.Step,
			cell(w), e.Decision, cell(e.Reason))
	}
	if rows := stepRows(res.Events, s.CanarySubset, res.Finished, res.Phase); len(rows) > 0 {
		b.WriteString("\n## Steps\n\n| step | canary | push → live | analysed | canary req | canary err | baseline err | split [95%] | decision |\n|---|---|---|---|---|---|---|---|---|\n")
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

// StepSummary is one step of a finished (or stopped) rollout as its events
// tell it: the push, the moment the live weights were verified, and the last
// analysis before the decision.
type StepSummary struct {
	Step   int
	Weight int32 // the canary's weight; 0 for header, mirror and rollback commits
	// Kind is what the step changes, Action the commit's Gitshift-Action,
	// Routing the header route or mirror the commit set (nil for none).
	Kind    policy.StepKind
	Action  string
	Routing *mesh.CanaryRouting
	SHA     string
	Pushed  time.Time
	// Live is when the engine verified the pushed weights live (zero if it
	// never did).
	Live time.Time
	// Applied is push → applied by the control plane (istiod held the
	// commit's VirtualService and its proxies ACKed it); zero without a
	// control plane or when it did not report the step applied.
	Applied time.Duration
	// Analysed is how long the step was judged before the decision (zero for
	// 0 and 100 % steps, which are not analysed).
	Analysed time.Duration
	// Last is the last analysis of the step, nil without one.
	Last     *Analysis
	Decision string
}

// Rollback reports the rollback commit's row. Events written before
// commits carried their action tell it by the weight alone.
func (s StepSummary) Rollback() bool {
	if s.Action != "" {
		return s.Action == ActionRollback
	}
	return s.Weight == 0 && (s.Kind == "" || s.Kind == policy.StepWeight)
}

// analysed reports whether the step is judged: every step but the rollback
// and the final 100%.
func (s StepSummary) analysed() bool {
	return !s.Rollback() && (s.Kind == policy.StepHeader || s.Kind == policy.StepMirror || s.Weight > 0 && s.Weight < 100)
}

// Canary says what the step gives the canary: "25%", "header x-canary
// exact "1" -> v3", "mirror v3=20".
func (s StepSummary) Canary() string {
	if s.Routing != nil && !s.Rollback() {
		return FormatRouting(*s.Routing)
	}
	return fmt.Sprintf("%d%%", s.Weight)
}

// PushToLive is the time from the push to the weights verified live, zero
// if they never were.
func (s StepSummary) PushToLive() time.Duration {
	if s.Live.IsZero() {
		return 0
	}
	return s.Live.Sub(s.Pushed)
}

// StepSummaries summarises each step from the event stream, in order; end
// and final close the last step when no decision did.
func StepSummaries(events []Event, canary string, end time.Time, final Phase) []StepSummary {
	var out []StepSummary
	var cur *StepSummary
	flush := func(decision string, at time.Time) {
		if cur == nil {
			return
		}
		if !cur.Live.IsZero() && at.After(cur.Live) && cur.analysed() {
			cur.Analysed = at.Sub(cur.Live)
		}
		cur.Decision = decision
		out = append(out, *cur)
		cur = nil
	}
	for _, ev := range events {
		switch {
		case ev.Type == EventCommit && ev.Weights != nil:
			flush("", ev.Time) // a commit without a decision in between (resume)
			cur = &StepSummary{Step: ev.Step, Weight: ev.Weights[canary], Kind: ev.StepKind, Action: ev.Action, Routing: ev.Routing, SHA: ev.SHA, Pushed: ev.Time}
		case cur == nil:
		case ev.Type == EventPhase && (ev.Phase == Analysing || ev.Phase == Promoted || ev.Phase == RolledBack) && cur.Live.IsZero():
			cur.Live = ev.Time
		case ev.Type == EventControlPlane && ev.ControlPlane != nil && ev.ControlPlane.Applied:
			cur.Applied = ev.ControlPlane.SincePush
		case ev.Type == EventAnalysis:
			cur.Last = ev.Analysis
		case ev.Type == EventDecision && ev.Decision != DecisionHold && ev.Decision != DecisionStart:
			if cur.Live.IsZero() && (ev.Phase == Promoted || ev.Phase == RolledBack) {
				cur.Live = ev.Time // the end: verified live in the same step as the decision
			}
			flush(string(ev.Decision), ev.Time)
		}
	}
	flush(final.String(), end)
	return out
}

// stepRows renders StepSummaries as markdown table rows.
func stepRows(events []Event, canary string, end time.Time, final Phase) []string {
	var rows []string
	for _, s := range StepSummaries(events, canary, end, final) {
		pl, analysed := "–", "–"
		if !s.Live.IsZero() {
			pl = s.PushToLive().Round(100 * time.Millisecond).String()
		}
		if s.Analysed > 0 {
			analysed = s.Analysed.Round(time.Second).String()
		}
		label := fmt.Sprint(s.Step)
		if s.Rollback() {
			label = "rollback"
		}
		cr, ce, be, split := "–", "–", "–", "–"
		if r := s.Last; r != nil {
			cr = fmt.Sprint(r.CanaryRequests)
			ce = fmt.Sprintf("%.2f%%", 100*r.CanaryErrorRate)
			be = fmt.Sprintf("%.2f%%", 100*r.BaselineErrorRate)
			split = fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.ObservedSplit, 100*r.SplitLow, 100*r.SplitHigh)
		}
		if r := s.Last; r != nil && s.Kind == policy.StepHeader {
			split = fmt.Sprintf("%.1f%% (clients' share, not tested)", 100*r.ObservedSplit)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label, cell(s.Canary()), pl, analysed, cr, ce, be, split, s.Decision))
	}
	return rows
}

func stepList(steps []policy.Step) string {
	var s []string
	for _, st := range steps {
		g := ""
		if st.Gate == policy.GateManual {
			g = " (manual)"
		}
		what := fmt.Sprint(st.Weight)
		switch st.Kind() {
		case policy.StepHeader:
			kind, v := st.HeaderRoute.Match()
			what = fmt.Sprintf("header %s %s %q", st.HeaderRoute.Name, kind, v)
		case policy.StepMirror:
			what = fmt.Sprintf("mirror %d", st.Mirror)
		}
		s = append(s, what+g)
	}
	return strings.Join(s, ", ")
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
