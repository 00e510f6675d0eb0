package controller

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
)

// CauseReason names the typed cause of a rollback, pause or stop in
// CamelCase: condition reasons and the decisions metric's reason label
// (a small fixed set, unlike the free-text reason).
func CauseReason(cause error) string {
	checks := []struct {
		reason string
		is     func(error) bool
	}{
		{"CanaryFailed", as[*rollout.CanaryFailedError]},
		{"SyncTimeout", as[*rollout.SyncTimeoutError]},
		{"NoData", as[*rollout.NoDataError]},
		{"StepTimeout", as[*rollout.StepTimeoutError]},
		{"Aborted", as[*rollout.AbortedError]},
		{"ForeignChange", as[*rollout.ForeignChangeError]},
		{"Drift", as[*rollout.DriftError]},
		{"HookFailed", as[*rollout.HookError]},
		{"PushFailed", as[*rollout.PushError]},
		{"LeaseHeld", as[*rollout.LeaseHeldError]},
		{"LeaseLost", func(err error) bool { return errors.Is(err, rollout.ErrLeaseLost) }},
		{"History", as[*rollout.HistoryError]},
		{"Unavailable", func(err error) bool { return errors.Is(err, rollout.ErrUnavailable) }},
	}
	if cause == nil {
		return "Evidence"
	}
	for _, c := range checks {
		if c.is(cause) {
			return c.reason
		}
	}
	return "Error"
}

func as[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// Readiness is the Ready condition's input: can the controller work on the
// policy (valid spec, Secrets and systems reachable)?
type Readiness struct {
	OK      bool
	Reason  string
	Message string
}

// running reports phases in which a rollout is under way.
func running(phase string) bool {
	switch phase {
	case "", api.PhaseIdle, rollout.Promoted.String(), rollout.RolledBack.String(), rollout.Aborted.String(), rollout.Failed.String():
		return false
	}
	return true
}

// SetConditions computes the four conditions from the status' phase and
// the readiness. Argo CD's health check reads them: Progressing=True is
// Progressing, RolledBack=True (or phase Failed/Aborted) is Degraded,
// anything else Healthy.
func SetConditions(st *api.Status, generation int64, ready Readiness, cause string, now time.Time) {
	set := func(typ string, ok bool, reason, msg string) {
		s := metav1.ConditionFalse
		if ok {
			s = metav1.ConditionTrue
		}
		if msg == "" {
			msg = reason
		}
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: s, Reason: reason, Message: trim(msg, 1024),
			ObservedGeneration: generation, LastTransitionTime: metaTime(now)})
	}
	if ready.OK {
		set(api.ConditionReady, true, "Reconciled", ready.Message)
	} else {
		set(api.ConditionReady, false, ready.Reason, ready.Message)
	}
	phase := st.Phase
	if phase == "" {
		phase = api.PhaseIdle
	}
	set(api.ConditionProgressing, running(phase), phase, st.Message)
	switch phase {
	case rollout.Promoted.String():
		set(api.ConditionPromoted, true, "Promoted", decisionReason(st))
		set(api.ConditionRolledBack, false, "Promoted", "")
	case rollout.RolledBack.String():
		set(api.ConditionPromoted, false, "RolledBack", "")
		set(api.ConditionRolledBack, true, cause, decisionReason(st))
	case api.PhaseIdle:
		if meta.FindStatusCondition(st.Conditions, api.ConditionPromoted) == nil {
			set(api.ConditionPromoted, false, "NoRollout", "no rollout has run yet")
			set(api.ConditionRolledBack, false, "NoRollout", "no rollout has run yet")
		}
	default:
		set(api.ConditionPromoted, false, phase, "")
		set(api.ConditionRolledBack, false, phase, "")
	}
}

func decisionReason(st *api.Status) string {
	if st.LastDecision != nil {
		return st.LastDecision.Reason
	}
	return ""
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// fromState fills a status from Git history alone (a controller that
// restarted while no rollout was running): the last rollout's id, step,
// weights and commits.
func fromState(st *api.Status, s rollout.State, canary string) {
	st.RolloutID = s.ID
	if s.Steps > 0 {
		st.Step = formatStep(s.Step, s.Steps)
	}
	setWeights(st, s.Weights, canary)
	st.Commits = commitRecords(s.Timeline, st.Commits)
	if s.Finished {
		switch s.Action {
		case rollout.ActionPromote:
			st.Phase = rollout.Promoted.String()
		case rollout.ActionRollback:
			st.Phase = rollout.RolledBack.String()
		}
	}
}

func setWeights(st *api.Status, w map[string]int32, canary string) {
	if w == nil {
		return
	}
	st.GitWeights = w
	c := w[canary]
	st.CanaryWeight = &c
}

// commitRecords turns a timeline into bounded status records, keeping the
// push→live times already known (by SHA).
func commitRecords(tl []rollout.TimelineEntry, known []api.CommitRecord) []api.CommitRecord {
	p2l := map[string]*float64{}
	for _, c := range known {
		p2l[c.SHA] = c.PushToLiveSeconds
	}
	if len(tl) > api.MaxCommits {
		tl = tl[len(tl)-api.MaxCommits:]
	}
	out := make([]api.CommitRecord, 0, len(tl))
	for _, e := range tl {
		action := e.Action
		if e.Signal != "" {
			action += " " + string(e.Signal)
		}
		out = append(out, api.CommitRecord{SHA: e.SHA, Time: metaTime(e.Time), Action: action, Step: e.Step,
			Weights: rollout.FormatWeights(e.Weights), Decision: string(e.Decision), PushToLiveSeconds: p2l[e.SHA]})
	}
	return out
}

func formatStep(i, n int) string {
	return itoa(i) + "/" + itoa(n)
}

func itoa(i int) string { return fmtInt(int64(i)) }
