package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// analyse (Analysing) looks at the metrics once per interval. A canary
// proven worse is rolled back whatever the failure policy says; a step
// advances only with the evidence the policy asks for (time, canary
// requests, the judge's own criteria); missing evidence for too long applies
// the failure policy.
func (e *Engine) analyse(ctx context.Context, r *Run) (Outcome, error) {
	if _, o, stop := e.watchGit(ctx, r); stop {
		return o, nil
	}
	look, stop := e.look(ctx, r)
	if stop {
		return look, nil
	}
	st := e.step(r.Step)
	now := e.d.Clock.Now()
	inStep := now.Sub(r.analysisStart)
	// The judge's rule (judge.NextMove, shared with `gitshift simulate`):
	// minDuration and minCanaryRequests, or non-inferiority shown, and no
	// test leaning toward a worse canary, or maxDuration. A look without
	// an analysis (no data this time) cannot advance the step.
	v, rep := judge.Continue, judge.Report{}
	if look.Analysis != nil {
		v, rep = r.lastVerdict, look.Analysis.Report
	}
	move := judge.NextMove(v, rep, inStep, r.totalCanary, st.Limits())
	switch {
	case move.Advances():
		reason := e.summary(r, inStep, move)
		var warn string
		if move == judge.AdvanceUnresolved {
			warn = fmt.Sprintf("step %s advanced at maxDuration with its evidence leaning toward a worse canary: %s", formatStep(r.Step, e.steps()), look.Analysis.Report.Leaning)
		}
		if st.Gate == policy.GateManual {
			return Outcome{Next: AwaitingGate, Decision: DecisionHold, Reason: reason + "; manual gate: waiting for `gitshift rollout resume`",
				Analysis: look.Analysis, Note: "waiting for `gitshift rollout resume` (or promote/abort)", Warning: warn}, nil
		}
		return Outcome{Next: Advancing, Decision: DecisionAdvance, Reason: reason, Analysis: look.Analysis, Warning: warn}, nil
	case move == judge.Timeout:
		cause := &StepTimeoutError{Step: r.Step, MaxDuration: st.MaxDuration.Duration, Requests: r.totalCanary, Needed: st.MinCanaryRequests,
			ServiceRPS: stepRPS(st, r.totalCanary, inStep)}
		o := e.failurePolicy(r, cause)
		o.Analysis = look.Analysis
		return o, nil
	case move == judge.Hold:
		look.Note = e.holdNote(look.Analysis.Report.Leaning, inStep, st)
		return look, nil
	}
	look.Note = e.nextNote(r, inStep, st)
	return look, nil
}

// look takes one sample of the counters, feeds the judge and the custom
// checks, and returns an Outcome that stays in the current phase unless
// the canary failed or metrics were missing for too long (stop = true).
func (e *Engine) look(ctx context.Context, r *Run) (Outcome, bool) {
	interval := e.p.Spec.Analysis.Interval.Duration
	stay := Outcome{Next: r.Phase, After: interval}
	now := e.d.Clock.Now()
	// One growing window from the step's start (the live weights were
	// verified then): differences between looks are exact increments.
	sc, err := e.counts(ctx, r, now)
	if err != nil {
		return e.noData(r, now, err)
	}
	canary, baseline := sc.Canary, sc.Baseline
	if sc.Misrouted > 0 {
		cause := &MisrouteError{Step: r.Step, N: sc.Misrouted, What: sc.Misroute, Total: sc.Misrouted + canary.Requests + baseline.Requests}
		return Outcome{Next: RollingBack, Decision: DecisionRollback, Cause: cause, Reason: cause.Error()}, true
	}
	dc, db := stats.Delta(r.prevCanary, canary), stats.Delta(r.prevBaseline, baseline)
	r.prevCanary, r.prevBaseline = canary, baseline
	if dc.Requests == 0 && db.Requests == 0 {
		return e.noData(r, now, ErrNoData)
	}
	r.noDataSince, r.lastErr = time.Time{}, nil
	r.totalCanary += dc.Requests
	d, err := e.d.Judge.Observe(now, dc, db)
	if err != nil {
		return e.noData(r, now, fmt.Errorf("judging the window: %w", err))
	}
	e.saveEvidence(ctx, r)
	verdict, reason := d.Verdict, d.String()
	a := &Analysis{Report: d.Report}
	if verdict != judge.Fail {
		failed, why, checks, err := e.customChecks(ctx, now)
		if err != nil {
			return e.noData(r, now, err)
		}
		a.Checks = checks
		if failed {
			verdict, reason = judge.Fail, why
		}
	}
	// The step's weight and time are the engine's, whatever the judge says.
	a.InStep = now.Sub(r.analysisStart)
	a.Weight = e.step(r.Step).Weight
	r.report, r.lastVerdict = a, verdict
	stay.Analysis = a
	if verdict == judge.Fail {
		cause := &CanaryFailedError{Step: r.Step, Reason: reason}
		return Outcome{Next: RollingBack, Decision: DecisionRollback, Cause: cause, Reason: cause.Error(), Analysis: a}, true
	}
	return stay, false
}

// noData holds the step while metrics are missing and applies the failure
// policy once they have been missing for noDataTimeout. No evidence, no
// promotion: time without data does not count towards advancing.
func (e *Engine) noData(r *Run, now time.Time, err error) (Outcome, bool) {
	if r.noDataSince.IsZero() {
		r.noDataSince = now
	}
	r.lastErr = err
	timeout := e.p.Spec.Analysis.NoDataTimeout.Duration
	if now.Sub(r.noDataSince) >= timeout {
		cause := &NoDataError{Since: r.noDataSince, Timeout: timeout, Err: err}
		return e.failurePolicy(r, cause), true
	}
	what := "no traffic in the last interval"
	if !errors.Is(err, ErrNoData) {
		what = err.Error()
	}
	return Outcome{Next: r.Phase, After: e.p.Spec.Analysis.Interval.Duration,
		Note: fmt.Sprintf("holding: %s (failure policy in %s)", what, (timeout - now.Sub(r.noDataSince)).Round(time.Second))}, false
}

func (e *Engine) summary(r *Run, inStep time.Duration, move judge.Move) string {
	s := fmt.Sprintf("step %s (%s) passed after %s with %d canary requests",
		formatStep(r.Step, e.steps()), e.describeStep(r.Step), inStep.Round(time.Second), r.totalCanary)
	rep := r.report
	if rep != nil {
		s += fmt.Sprintf(", error rate %.2f%% vs baseline %.2f%%", 100*rep.CanaryErrorRate, 100*rep.BaselineErrorRate)
		if ni := rep.NonInferiority; ni != nil && ni.Shown {
			s += fmt.Sprintf("; no worse than baseline + %.2g points (bound %.2g)", 100*ni.Margin, 100*ni.Upper)
		}
	}
	if move == judge.AdvanceUnresolved && rep != nil && rep.Leaning != nil {
		// Rolling back on evidence below the bound would spend more than α;
		// the canary goes on, and the evidence with it.
		s += fmt.Sprintf("; held until maxDuration %s: %s, not enough to roll back, so it advances with the evidence carried on",
			e.step(r.Step).MaxDuration.Duration, rep.Leaning)
	}
	return s
}

// holdNote tells the live view why a step that met its minimums waits.
func (e *Engine) holdNote(l *judge.Leaning, inStep time.Duration, st policy.Step) string {
	left := (st.MaxDuration.Duration - inStep).Round(time.Second)
	return fmt.Sprintf("holding: %s; advance once it falls to %.3g or below, at maxDuration (in %s) at the latest; rollback at %.3g",
		l, l.HoldAbove, left, l.RejectAt)
}

func (e *Engine) nextNote(r *Run, inStep time.Duration, st policy.Step) string {
	var need []string
	if d := st.MinDuration.Duration - inStep; d > 0 {
		need = append(need, fmt.Sprintf("%s more", d.Round(time.Second)))
	}
	if n := st.MinCanaryRequests - r.totalCanary; n > 0 {
		need = append(need, fmt.Sprintf("%d more canary requests", n))
	}
	if r.lastVerdict != judge.Promote {
		need = append(need, "the judge's evidence")
	}
	next := "advance"
	if r.Step+1 <= e.steps() {
		next = "advance to " + e.describeStep(r.Step+1)
	}
	if st.Gate == policy.GateManual {
		next = "wait for the manual gate"
	}
	if len(need) == 0 {
		return next
	}
	sooner := ""
	if rep := r.report; rep != nil && rep.NonInferiority != nil && (st.MinDuration.Duration > inStep || st.MinCanaryRequests > r.totalCanary) {
		ni := rep.NonInferiority
		sooner = fmt.Sprintf(" (sooner once errors are shown within +%.2g points of the baseline's: bound now +%.2g)", 100*ni.Margin, 100*ni.Upper)
		if ni.Shown {
			sooner = fmt.Sprintf(" (errors shown within +%.2g points: sooner once the judge has its minimum requests)", 100*ni.Margin)
		}
	}
	return fmt.Sprintf("%s after %v%s; rollback if a test rejects; failure policy at %s", next, need, sooner, st.MaxDuration.Duration)
}

// stepRPS estimates the total rate a weighted step saw from its canary
// requests over the time analysed (0 when the step's canary share is not
// its weight: header and mirror steps).
func stepRPS(st policy.Step, canary int64, analysed time.Duration) float64 {
	if st.Weight <= 0 || st.HeaderRoute != nil || st.Mirror > 0 || analysed <= 0 {
		return 0
	}
	return float64(canary) / (float64(st.Weight) / 100) / analysed.Seconds()
}
