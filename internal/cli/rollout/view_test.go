package rollout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func viewEvents() []rollout.Event {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	w := map[string]int32{"v1": 95, "v3": 5}
	an := rollout.Analysing
	return []rollout.Event{
		{Time: t0, Rollout: "r1", Type: rollout.EventCommit, Phase: rollout.WaitingSync, Step: 1, Steps: 4, SHA: "abcdef1234567", Weights: w},
		{Time: t0.Add(time.Second), Rollout: "r1", Type: rollout.EventPhase, Phase: rollout.Analysing, Step: 1, Steps: 4, Weights: w},
		{Time: t0.Add(20 * time.Second), Rollout: "r1", Type: rollout.EventAnalysis, Phase: an, Step: 1, Steps: 4, Weights: w, InStep: 19 * time.Second,
			Analysis: &rollout.Analysis{Report: judge.Report{CanaryRequests: 120, BaselineRequests: 2280, CanaryErrorRate: 0.01, BaselineErrorRate: 0.005, ObservedSplit: 0.05, SplitLow: 0.042, SplitHigh: 0.06, Weight: 5,
				Tests: []judge.TestResult{{Name: "error-rate", Statistic: 0.4, Bound: 3.69}}}}, Next: "advance to 25% after [40s more]"},
		{Time: t0.Add(60 * time.Second), Rollout: "r1", Type: rollout.EventDecision, Phase: rollout.Advancing, Step: 1, Steps: 4, Decision: rollout.DecisionAdvance, Reason: "step 1/4 passed"},
		{Time: t0.Add(61 * time.Second), Rollout: "r1", Type: rollout.EventDone, Phase: rollout.Promoted, Step: 4, Steps: 4},
	}
}

func TestLiveViewPlain(t *testing.T) {
	var b bytes.Buffer
	v := newLiveView(&b, false, nil)
	for _, ev := range viewEvents() {
		v.Emit(context.Background(), ev)
	}
	out := b.String()
	for _, want := range []string{"12:00:00  pushed abcdef1234  step 1/4  v1=95,v3=5", "→ Analysing",
		"canary 120 req 1.00% err  baseline 2280 req 0.50% err  split 5.0% [4.2, 6.0]  error-rate 0.40/3.69  next: advance to 25%",
		"ADVANCE: step 1/4 passed", "rollout r1 ended Promoted"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("escape codes without a TTY")
	}
}

func TestLiveViewTTY(t *testing.T) {
	var b bytes.Buffer
	v := newLiveView(&b, true, nil)
	for _, ev := range viewEvents() {
		v.Emit(context.Background(), ev)
	}
	out := b.String()
	for _, want := range []string{"\x1b[", "in step 19s", "canary         120 req  errors   1.00%", "error-rate log BF    0.40  bound 3.69  ok", "next: advance to 25%"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%q", want, out)
		}
	}
}

func TestJSONEvents(t *testing.T) {
	var b bytes.Buffer
	j := newJSONEvents(&b)
	for _, ev := range viewEvents() {
		j.Emit(context.Background(), ev)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines", len(lines))
	}
	var ev rollout.Event
	if err := json.Unmarshal([]byte(lines[2]), &ev); err != nil || ev.Phase != rollout.Analysing || ev.Analysis.CanaryRequests != 120 {
		t.Errorf("%v %+v", err, ev)
	}
	if !strings.Contains(lines[4], `"phase":"Promoted"`) {
		t.Errorf("phase not by name: %s", lines[4])
	}
}

// TestTextEscapesNames: rollout ids, reasons and authors come from commit
// trailers anyone who can push may write; the view and status show them
// escaped (issue 15 finding 12), while the view's own redraw codes stay.
func TestTextEscapesNames(t *testing.T) {
	evil := clitest.Hostile
	evs := viewEvents()
	for i := range evs {
		evs[i].Rollout, evs[i].Reason, evs[i].Next = evil, evil, evil
	}
	evs = append(evs[:4], rollout.Event{Time: evs[0].Time, Type: rollout.EventWarning, Reason: evil}, evs[4])
	for _, tty := range []bool{false, true} {
		var b bytes.Buffer
		v := newLiveView(&b, tty, nil)
		for _, ev := range evs {
			v.Emit(context.Background(), ev)
		}
		out := b.String()
		if tty { // the view's own cursor codes are allowed, nothing else
			out = regexp.MustCompile(`\x1b\[\d+A\x1b\[J`).ReplaceAllString(out, "")
		}
		clitest.AssertTerminalSafe(t, fmt.Sprintf("live view (tty %v)", tty), out)
	}
	var b bytes.Buffer
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	printStatus(&b, rolloutStatus{State: rollout.State{Found: true, ID: evil, VirtualService: "bookinfo/" + evil, Paused: true, PauseReason: evil,
		Pending: rollout.Signal("abort"), PendingBy: evil, StepTime: t0,
		Timeline: []rollout.TimelineEntry{{Time: t0, SHA: "abc", Author: evil, Action: evil, Step: evil, Reason: evil}}},
		Phase: "Paused", LiveError: evil})
	clitest.AssertTerminalSafe(t, "rollout status", b.String())
	if !strings.Contains(b.String(), "paused: "+clitest.HostileShown) {
		t.Errorf("status does not show the reason escaped:\n%s", b.String())
	}
}

// TestLiveViewRoutedStep: a header step's commit shows its route, and its
// split is not called a weight.
func TestLiveViewRoutedStep(t *testing.T) {
	evs := viewEvents()
	h := &mesh.HeaderRoute{Header: "x-canary", Match: mesh.MatchExact, Value: "1", Subset: "v3"}
	evs[0].Weights, evs[0].Routing = map[string]int32{"v1": 100, "v3": 0}, &mesh.CanaryRouting{Header: h}
	evs[2].Analysis.Weight = 0
	for i := range evs[:4] { // the engine marks every event of the step
		evs[i].StepKind = policy.StepHeader
	}
	var plain, tty bytes.Buffer
	for _, v := range []*liveView{newLiveView(&plain, false, nil), newLiveView(&tty, true, nil)} {
		for _, ev := range evs {
			v.Emit(context.Background(), ev)
		}
	}
	if want := `step 1/4  v1=100,v3=0, header x-canary exact "1" -> v3`; !strings.Contains(plain.String(), want) {
		t.Errorf("missing %q in:\n%s", want, plain.String())
	}
	if want := "header step: the clients' share, not tested"; !strings.Contains(tty.String(), want) || strings.Contains(tty.String(), "weight 0%") {
		t.Errorf("want %q and no weight 0%% in:\n%q", want, tty.String())
	}
}
