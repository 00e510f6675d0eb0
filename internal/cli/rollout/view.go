package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/termsafe"
)

// jsonEvents writes one JSON object per event and line (-o json).
type jsonEvents struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newJSONEvents(w io.Writer) *jsonEvents {
	return &jsonEvents{enc: json.NewEncoder(termsafe.JSONWriter(w))}
}

func (j *jsonEvents) Emit(_ context.Context, ev rollout.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(ev)
}

// liveView is the terminal view. On a TTY it keeps a status block at the
// bottom and redraws it; history lines (commits, decisions, phases) scroll
// above it. Otherwise it prints plain lines, one per event.
type liveView struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	pol    *policy.CanaryPolicy
	drawn  int // lines of the status block on screen
	last   rollout.Event
	report *rollout.Analysis
}

func newLiveView(w io.Writer, tty bool, p *policy.CanaryPolicy) *liveView {
	return &liveView{w: w, tty: tty, pol: p}
}

// LiveView returns a rollout's terminal view on s's stderr, for commands
// that run a rollout themselves (lab demo).
func LiveView(s command.Streams) func(*policy.CanaryPolicy) rollout.EventSink {
	return func(p *policy.CanaryPolicy) rollout.EventSink { return newLiveView(s.ErrOut, s.Interactive, p) }
}

func (v *liveView) Emit(_ context.Context, ev rollout.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ev.Analysis != nil {
		v.report = ev.Analysis
	}
	if ev.Type == rollout.EventPhase && ev.Phase == rollout.Analysing {
		v.report = nil
	}
	v.last = ev
	line := historyLine(ev)
	if !v.tty {
		if line == "" && ev.Type == rollout.EventAnalysis {
			line = ev.Time.Format("15:04:05") + "  " + analysisLine(ev)
		}
		if line != "" {
			fmt.Fprintln(v.w, line)
		}
		return
	}
	v.clear()
	if line != "" {
		fmt.Fprintln(v.w, line)
	}
	if !ev.Phase.Terminal() {
		v.draw()
	}
}

// historyLine is the permanent line for an event, or "" for none. Ids and
// reasons come from commit trailers: every value goes through termsafe, as
// in analysisLine and draw.
func historyLine(ev rollout.Event) string {
	ts := ev.Time.Format("15:04:05")
	switch ev.Type {
	case rollout.EventCommit:
		w := rollout.FormatWeights(ev.Weights)
		if ev.Routing != nil {
			w += ", " + rollout.FormatRouting(*ev.Routing)
		}
		return termsafe.Sprintf("%s  pushed %.10s  step %d/%d  %s", ts, ev.SHA, ev.Step, ev.Steps, w)
	case rollout.EventDecision:
		return termsafe.Sprintf("%s  %s: %s", ts, strings.ToUpper(string(ev.Decision)), ev.Reason)
	case rollout.EventPhase:
		return termsafe.Sprintf("%s  → %s", ts, ev.Phase)
	case rollout.EventWarning:
		return termsafe.Sprintf("%s  warning: %s", ts, ev.Reason)
	case rollout.EventControlPlane:
		if cp := ev.ControlPlane; cp != nil {
			return termsafe.Sprintf("%s  applied by istiod %.10s  %s after the push (resourceVersion %s, %d/%d proxies acknowledged)",
				ts, ev.SHA, cp.SincePush.Round(time.Millisecond), cp.ResourceVersion, cp.Acked, cp.Proxies)
		}
	case rollout.EventDone:
		return termsafe.Sprintf("%s  rollout %s ended %s", ts, ev.Rollout, ev.Phase)
	}
	return ""
}

func analysisLine(ev rollout.Event) string {
	r := ev.Analysis
	s := termsafe.Sprintf("step %d/%d  canary %d req %.2f%% err  baseline %d req %.2f%% err  split %.1f%% [%.1f, %.1f]",
		ev.Step, ev.Steps, r.CanaryRequests, 100*r.CanaryErrorRate, r.BaselineRequests, 100*r.BaselineErrorRate,
		100*r.ObservedSplit, 100*r.SplitLow, 100*r.SplitHigh)
	for _, t := range r.Tests {
		s += termsafe.Sprintf("  %s %.2f/%.2f", t.Name, t.Statistic, t.Bound)
	}
	if ev.Next != "" {
		s += "  next: " + termsafe.Text(ev.Next)
	}
	return s
}

func (v *liveView) clear() {
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\x1b[%dA\x1b[J", v.drawn)
		v.drawn = 0
	}
}

// draw writes the status block: step, weights, time in step, evidence.
func (v *liveView) draw() {
	ev := v.last
	lines := []string{termsafe.Sprintf("rollout %s  step %d/%d  %s  %s  in step %s", ev.Rollout, ev.Step, ev.Steps,
		rollout.FormatWeights(ev.Weights), ev.Phase, ev.InStep.Round(time.Second))}
	if r := v.report; r != nil {
		lines = append(lines,
			fmt.Sprintf("  canary    %8d req  errors %6.2f%%  p50 %s  p99 %s", r.CanaryRequests, 100*r.CanaryErrorRate, secs(r.CanaryP50), secs(r.CanaryP99)),
			fmt.Sprintf("  baseline  %8d req  errors %6.2f%%  p50 %s  p99 %s", r.BaselineRequests, 100*r.BaselineErrorRate, secs(r.BaselineP50), secs(r.BaselineP99)),
			fmt.Sprintf("  split     %.2f%% observed, 95%% [%.2f%%, %.2f%%], %s", 100*r.ObservedSplit, 100*r.SplitLow, 100*r.SplitHigh, stepShare(ev.StepKind, r.Weight)))
		for _, t := range r.Tests {
			verdict := "ok"
			if t.Rejected {
				verdict = "REJECTED"
			}
			lines = append(lines, termsafe.Sprintf("  %-10s log BF %7.2f  bound %.2f  %s", t.Name, t.Statistic, t.Bound, verdict))
		}
	}
	if ev.Next != "" {
		lines = append(lines, "  next: "+termsafe.Text(ev.Next))
	}
	for _, l := range lines {
		fmt.Fprintln(v.w, l)
	}
	v.drawn = len(lines)
}

func secs(s float64) string {
	if s == 0 {
		return "–"
	}
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}

// stepShare says what the observed split is compared with.
func stepShare(kind policy.StepKind, weight int32) string {
	switch kind {
	case policy.StepHeader:
		return "header step: the clients' share, not tested"
	case policy.StepMirror:
		return "mirror step: copies of the stable subset's requests"
	}
	return fmt.Sprintf("weight %d%%", weight)
}
