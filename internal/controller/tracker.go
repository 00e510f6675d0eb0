package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout"
)

// tracker is the engine's event sink for one controller-run rollout: it
// keeps what the status shows beyond the Run (live weights, the decision's
// evidence, push→live per commit), records Events on the CanaryPolicy and
// feeds the metrics. The engine emits synchronously inside Step, in the
// reconcile that owns the rollout, so it needs no lock.
type tracker struct {
	ref    runtime.Object // the CanaryPolicy Events are about
	policy string         // namespace/name, the metrics label
	canary string
	steps  int
	rec    events.EventRecorder
	m      *Metrics
	run    *rollout.Run

	live     map[string]int32
	last     *rollout.Analysis
	decision *api.Decision
	p2l      map[string]*float64 // commit SHA → push→live seconds
	pushed   time.Time           // the current step's commit
	verified bool
}

var _ rollout.EventSink = (*tracker)(nil)

func (t *tracker) Emit(_ context.Context, ev rollout.Event) {
	switch ev.Type {
	case rollout.EventCommit:
		t.pushed, t.verified = ev.Time, false
		t.event(corev1.EventTypeNormal, "RolloutCommit", "Commit", ev, "rollout %s step %d/%d: pushed %.10s (%s)", ev.Rollout, ev.Step, ev.Steps, ev.SHA, rollout.FormatWeights(ev.Weights))
	case rollout.EventPhase:
		if ev.From != nil && *ev.From == rollout.Idle && ev.Reason != "" {
			// A rollout picked up from Git (a restart, a failover): where it
			// continues, and whether the judge's evidence came with it.
			t.event(corev1.EventTypeNormal, "RolloutResumed", "Resume", ev, "%s", ev.Reason)
		}
		if (ev.Phase == rollout.Analysing || ev.Phase == rollout.Promoted || ev.Phase == rollout.RolledBack) && !t.pushed.IsZero() && !t.verified {
			t.verified = true
			t.live = ev.Weights
			d := ev.Time.Sub(t.pushed).Seconds()
			t.p2l[ev.SHA] = &d
			t.m.PushToLive.Observe(d)
		}
	case rollout.EventControlPlane:
		if cp := ev.ControlPlane; cp != nil {
			t.event(corev1.EventTypeNormal, "ControlPlaneApplied", "Verify", ev, "rollout %s step %d/%d: istiod applied %.10s %s after the push (resourceVersion %s, %d/%d proxies acknowledged)",
				ev.Rollout, ev.Step, ev.Steps, ev.SHA, cp.SincePush.Round(time.Millisecond), cp.ResourceVersion, cp.Acked, cp.Proxies)
		}
	case rollout.EventWarning:
		t.event(corev1.EventTypeWarning, "RolloutWarning", "Warn", ev, "rollout %s step %d/%d: %s", ev.Rollout, ev.Step, ev.Steps, ev.Reason)
	case rollout.EventAnalysis:
		t.last = ev.Analysis
		for _, test := range ev.Analysis.Tests {
			t.m.LogBF.WithLabelValues(t.policy, test.Name).Set(finite(test.Statistic))
		}
	case rollout.EventDecision:
		reason := CauseReason(t.run.Cause)
		if ev.Decision == rollout.DecisionStart || ev.Decision == rollout.DecisionResume {
			reason = "Requested"
		}
		t.m.Decisions.WithLabelValues(string(ev.Decision), reason).Inc()
		t.decision = &api.Decision{Decision: string(ev.Decision), Reason: trim(ev.Reason, 1024), Step: formatStep(ev.Step, ev.Steps),
			Time: metaTime(ev.Time), SHA: ev.SHA, Evidence: Evidence(t.last)}
		switch ev.Decision {
		case rollout.DecisionAdvance, rollout.DecisionPromote, rollout.DecisionRollback, rollout.DecisionAbort:
			if !t.pushed.IsZero() {
				t.m.StepSeconds.Observe(ev.Time.Sub(t.pushed).Seconds())
			}
		}
		if ev.Decision != rollout.DecisionHold {
			t.last = nil
		}
		typ := corev1.EventTypeNormal
		switch ev.Decision {
		case rollout.DecisionRollback, rollout.DecisionAbort, rollout.DecisionStop, rollout.DecisionPause:
			typ = corev1.EventTypeWarning
		}
		t.event(typ, "Rollout"+title(string(ev.Decision)), "Decide", ev, "rollout %s step %d/%d: %s: %s", ev.Rollout, ev.Step, ev.Steps, ev.Decision, ev.Reason)
	case rollout.EventDone:
		typ := corev1.EventTypeNormal
		if ev.Phase != rollout.Promoted {
			typ = corev1.EventTypeWarning
		}
		t.event(typ, "Rollout"+ev.Phase.String(), "Finish", ev, "rollout %s ended %s: %s", ev.Rollout, ev.Phase, ev.Reason)
	}
}

// event records an Event on the policy. The events.k8s.io recorder merges
// Events with the same type, reason, action and object into one series
// that keeps the first note (only a count grows), so the step's commit,
// istiod's answer and the decision of every step would show the first
// step's text. The action therefore names the occurrence: the verb, the
// step and the rollout ("Commit step 2/4 of reviews-20261205-142318"),
// within the API's 128 characters.
func (t *tracker) event(typ, reason, action string, ev rollout.Event, format string, args ...any) {
	if t.rec == nil {
		return
	}
	if ev.Type != rollout.EventDone {
		action += fmt.Sprintf(" step %d/%d", ev.Step, ev.Steps)
	}
	action = trim(action+" of "+ev.Rollout, 128)
	note := trim(fmt.Sprintf(format, args...), 1000)
	t.rec.Eventf(t.ref, nil, typ, reason, action, "%s", note)
}

// apply writes the rollout's state into st.
func (t *tracker) apply(st *api.Status, now time.Time) {
	r := t.run
	st.Phase = r.Phase.String()
	if r.ID != "" {
		st.RolloutID = r.ID
	}
	if r.Step > 0 {
		st.Step = formatStep(r.Step, t.steps)
	}
	setWeights(st, r.Expected, t.canary)
	if t.live != nil {
		st.LiveWeights = t.live
	}
	if t.decision != nil {
		st.LastDecision = t.decision
	}
	st.Commits = commitRecords(r.Timeline(), st.Commits)
	for i := range st.Commits {
		if p := t.p2l[st.Commits[i].SHA]; p != nil {
			st.Commits[i].PushToLiveSeconds = p
		}
	}
	started := metaTime(r.Started())
	if tl := r.Timeline(); len(tl) > 0 {
		started = metaTime(tl[0].Time)
	}
	st.StartedAt, st.FinishedAt = &started, nil
	if r.Phase.Terminal() {
		f := metaTime(now)
		st.FinishedAt = &f
	}
	st.LeaseHolder = ""
}

func title(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
