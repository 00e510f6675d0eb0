package rollout

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestEventJSONPinned pins the field names of what `rollout start -o json`
// prints (one Event per line) and of the final Result: users' scripts read
// them, so a renamed Go field must not rename a JSON one.
func TestEventJSONPinned(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	from := WaitingSync
	ev := Event{
		Time: t0, Rollout: "reviews-1", Type: EventAnalysis, Phase: Analysing, From: &from, Step: 2, Steps: 4,
		Weights: map[string]int32{"v1": 75, "v3": 25}, StepKind: policy.StepMirror, Action: ActionStep,
		Routing: &mesh.CanaryRouting{Mirror: &mesh.Mirror{Subset: "v3", Percent: 20}}, SHA: "abc123", Decision: DecisionHold, Reason: "collecting",
		InStep: 90 * time.Second, Analysis: pinnedAnalysis(), Next: "advance to 50%", Error: "none",
	}
	const wantEvent = `{"time":"2026-01-02T03:04:05Z","rollout":"reviews-1","type":"analysis","phase":"Analysing","from":"WaitingSync",` +
		`"step":2,"steps":4,"weights":{"v1":75,"v3":25},"stepKind":"mirror","action":"rollout-step",` +
		`"routing":{"mirror":{"subset":"v3","percent":20}},"sha":"abc123","decision":"hold","reason":"collecting","inStepNanos":90000000000,` +
		`"analysis":{"canaryRequests":300,"canaryErrors":3,"baselineRequests":900,"baselineErrors":4,"weight":25,` +
		`"observedSplit":0.25,"splitLow":0.2,"splitHigh":0.3,"canaryErrorRate":0.01,"baselineErrorRate":0.0044,` +
		`"canaryP50Seconds":0.05,"canaryP99Seconds":0.4,"baselineP50Seconds":0.04,"baselineP99Seconds":0.3,` +
		`"tests":[{"name":"error-rate","statistic":1.5,"bound":3.6,"rejected":false}],"inStep":90000000000,` +
		`"checks":[{"name":"p99","value":0.3,"op":"\u003c","threshold":0.5,"ok":true}]},` +
		`"next":"advance to 50%","error":"none"}`
	assertJSON(t, ev, wantEvent)

	res := Result{ID: "reviews-1", Phase: Promoted, Step: 4, Steps: 4, Reason: "done", Started: t0, Finished: t0.Add(time.Hour),
		Timeline: []TimelineEntry{{Time: t0, SHA: "abc123", Author: "gitshift", Action: ActionStep, Step: "1/4",
			Weights: map[string]int32{"v1": 95, "v3": 5}, Decision: DecisionStart, Reason: "r"}}}
	const wantResult = `{"id":"reviews-1","phase":"Promoted","step":4,"steps":4,"reason":"done","started":"2026-01-02T03:04:05Z",` +
		`"finished":"2026-01-02T04:04:05Z","timeline":[{"time":"2026-01-02T03:04:05Z","sha":"abc123","author":"gitshift",` +
		`"action":"rollout-step","step":"1/4","weights":{"v1":95,"v3":5},"decision":"start","reason":"r"}]}`
	assertJSON(t, res, wantResult)
}

func assertJSON(t *testing.T, v any, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("JSON changed:\n got %s\nwant %s", got, want)
	}
}

func pinnedAnalysis() *Analysis {
	return &Analysis{Report: judge.Report{CanaryRequests: 300, CanaryErrors: 3, BaselineRequests: 900, BaselineErrors: 4, Weight: 25,
		ObservedSplit: 0.25, SplitLow: 0.2, SplitHigh: 0.3, CanaryErrorRate: 0.01, BaselineErrorRate: 0.0044,
		CanaryP50: 0.05, CanaryP99: 0.4, BaselineP50: 0.04, BaselineP99: 0.3,
		Tests:  []judge.TestResult{{Name: "error-rate", Statistic: 1.5, Bound: 3.6}},
		InStep: 90 * time.Second},
		Checks: []CheckResult{{Name: "p99", Value: 0.3, Op: "<", Threshold: 0.5, OK: true}}}
}
