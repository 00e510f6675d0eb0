package rollout

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

var (
	healthy  = []string{"rollout-step 1/4", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"}
	anyCause = func(error) bool { return true }
)

func noCause(err error) bool { return err == nil }

// TestEngine drives the whole state machine through every transition with
// fakes, one scenario per row.
func TestEngine(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *world)
		opts    Options
		want    Phase
		cause   func(error) bool
		commits []string
		check   func(t *testing.T, w *world, res *Result)
	}{
		{
			name: "healthy canary is promoted step by step", want: Promoted, cause: noCause, commits: healthy,
			check: func(t *testing.T, w *world, res *Result) {
				if got := w.judge.steps; !slices.Equal(got, []int32{5, 25, 50}) {
					t.Errorf("judged steps %v, want 5,25,50 (no analysis at 100)", got)
				}
				if !EqualWeights(w.argo.live, map[string]int32{"v1": 0, "v3": 100}) {
					t.Errorf("live %v", w.argo.live)
				}
				c := w.git.commits[2]
				if c.Trailers[TrailerDecision] != "advance" || !strings.Contains(c.Trailers[TrailerReason], "step 1/4 (v3 5%) passed") {
					t.Errorf("step 2 trailers %v", c.Trailers)
				}
				if w.git.commits[4].Trailers[TrailerDecision] != "promote" || w.git.commits[1].Trailers[TrailerDecision] != "start" {
					t.Errorf("decisions %v / %v", w.git.commits[1].Trailers, w.git.commits[4].Trailers)
				}
				if w.lease.acquired != 1 || w.lease.released != 1 {
					t.Errorf("lease acquired %d released %d", w.lease.acquired, w.lease.released)
				}
				if !slices.Equal(w.hooks.calls, []HookPoint{HookBeforeStep, HookAfterStep, HookBeforeStep, HookAfterStep, HookBeforeStep, HookAfterStep, HookBeforeStep}) {
					t.Errorf("hooks %v", w.hooks.calls)
				}
			},
		},
		{
			name: "faulty canary is rolled back", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup:   func(w *world) { w.prom.canaryErr = 0.05 },
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
			check: func(t *testing.T, w *world, _ *Result) {
				c := w.git.commits[len(w.git.commits)-1]
				if c.Trailers[TrailerWeights] != "v1=100,v3=0" || c.Trailers[TrailerDecision] != "rollback" || !strings.Contains(c.Trailers[TrailerReason], "error rate") {
					t.Errorf("rollback trailers %v", c.Trailers)
				}
				if !slices.Equal(w.hooks.calls, []HookPoint{HookBeforeStep, HookOnRollback}) {
					t.Errorf("hooks %v", w.hooks.calls)
				}
			},
		},
		{
			name: "canary turning bad at 25% is rolled back from step 2", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup:   func(w *world) { w.prom.canaryErr, w.prom.canaryErrAfterWeight = 0.05, 25 },
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "rollback 2/4"},
		},
		{
			name: "sync timeout applies rollback", want: RolledBack, cause: isErr[*SyncTimeoutError],
			setup: func(w *world) {
				w.argo.neverSync = func(sha string) bool { return w.git.byCommit[sha]["v3"] == 25 }
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "rollback 2/4"},
		},
		{
			name: "sync timeout with failurePolicy pause pauses, then a person aborts", want: RolledBack, cause: isErr[*AbortedError],
			setup: func(w *world) {
				w.pol.Spec.FailurePolicy = policy.FailurePause
				w.argo.neverSync = func(sha string) bool { return w.git.byCommit[sha]["v3"] == 25 }
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventCommit && strings.HasPrefix(w.git.ours()[len(w.git.ours())-1], "control pause") {
						w.git.signal(SignalAbort)
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "control pause", "control abort", "rollback 2/4"},
			check: func(t *testing.T, w *world, _ *Result) {
				pause := w.git.commits[3]
				if !strings.Contains(pause.Trailers[TrailerReason], "did not sync") {
					t.Errorf("pause reason %q", pause.Trailers[TrailerReason])
				}
				if rb := w.git.commits[len(w.git.commits)-1]; rb.Trailers[TrailerDecision] != "abort" {
					t.Errorf("rollback decision %q", rb.Trailers[TrailerDecision])
				}
			},
		},
		{
			name: "rollback that Argo CD never syncs fails loudly", want: Failed, cause: isErr[*SyncTimeoutError],
			setup: func(w *world) {
				w.prom.canaryErr = 0.05
				w.argo.neverSync = func(sha string) bool { return w.git.byCommit[sha]["v1"] == 100 }
			},
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
		},
		{
			name: "analysis maxDuration without enough canary requests applies the failure policy", want: RolledBack, cause: isErr[*StepTimeoutError],
			setup:   func(w *world) { w.pol.Spec.Steps[0].MinCanaryRequests = 1_000_000 },
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
			check: func(t *testing.T, w *world, res *Result) {
				if d := res.Finished.Sub(w.git.commits[1].Time); d < 10*60e9 || d > 12*60e9 {
					t.Errorf("rolled back after %s, want ≈ maxDuration 10m", d)
				}
				// The reason says what was missing and where to look, with
				// the traffic the step saw: the fake sends 1,000 requests per
				// 10 s look, 100 rps.
				for _, want := range []string{"canary requests, 1000000 needed", "`gitshift check --rps ", "`gitshift simulate --rps "} {
					if !strings.Contains(res.Reason, want) {
						t.Errorf("reason %q lacks %q", res.Reason, want)
					}
				}
				m := regexp.MustCompile(`saw about ([0-9.]+) rps`).FindStringSubmatch(res.Reason)
				if m == nil {
					t.Fatalf("reason %q states no rate", res.Reason)
				}
				if rps, _ := strconv.ParseFloat(m[1], 64); rps < 95 || rps > 105 {
					t.Errorf("step saw %v rps, the fake sent 100", rps)
				}
			},
		},
		{
			name: "Prometheus unreachable: no advance, then the failure policy after noDataTimeout", want: RolledBack, cause: isErr[*NoDataError],
			setup: func(w *world) {
				w.prom.fail = func(int) error {
					if w.argo.live["v3"] == 25 {
						return errPromDown
					}
					return nil
				}
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "rollback 2/4"},
			check: func(t *testing.T, _ *world, res *Result) {
				if !errors.Is(res.Cause, ErrUnavailable) {
					t.Errorf("cause %v does not wrap ErrUnavailable", res.Cause)
				}
			},
		},
		{
			name: "no traffic at all is no data", want: RolledBack, cause: isErr[*NoDataError],
			setup:   func(w *world) { w.prom.noTraffic = true },
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
		},
		{
			name: "a Prometheus outage shorter than noDataTimeout only holds", want: Promoted, cause: noCause, commits: healthy,
			setup: func(w *world) {
				w.prom.fail = func(call int) error {
					if call >= 3 && call <= 6 {
						return errPromDown
					}
					return nil
				}
			},
		},
		{
			name: "pushes keep failing: retried for 2 minutes, then stop with the remote unchanged", want: Failed, cause: isErr[*PushError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventDecision && ev.Decision == DecisionAdvance {
						w.git.pushFail = 1000
					}
				}
			},
			commits: []string{"rollout-step 1/4"},
			check: func(t *testing.T, w *world, res *Result) {
				var pe *PushError
				if !errors.Is(res.Cause, ErrPushExhausted) || !errors.As(res.Cause, &pe) || pe.For < pushRetryFor {
					t.Errorf("cause %v, want ErrPushExhausted after %s of retries", res.Cause, pushRetryFor)
				}
				// 5 + 10 + 20 + 30 + 30 + 30 s: the attempt at 125 s gives up.
				if tries := 1000 - w.git.pushFail; tries != 7 {
					t.Errorf("%d push attempts for step 2, want 7", tries)
				}
			},
		},
		{
			name: "a busy branch delays a step: retried, then promoted", want: Promoted, cause: noCause, commits: healthy,
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventDecision && ev.Decision == DecisionAdvance && w.git.shifts == 1 {
						w.git.pushFail = 3
					}
				}
			},
			check: func(t *testing.T, w *world, _ *Result) {
				if w.git.pushFail != 0 || w.git.shifts != 4+3 {
					t.Errorf("%d shifts (%d failures left), want the 4 steps and 3 failed attempts", w.git.shifts, w.git.pushFail)
				}
			},
		},
		{
			name: "a rollback push is retried too", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup: func(w *world) {
				w.prom.canaryErr = 0.05
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventDecision && ev.Decision == DecisionRollback && w.git.pushFail == 0 && w.git.shifts == 1 {
						w.git.pushFail = 2
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
			check: func(t *testing.T, w *world, _ *Result) {
				if w.git.shifts != 1+2+1 {
					t.Errorf("%d shifts, want step 1, two failed rollback pushes and the rollback", w.git.shifts)
				}
			},
		},
		{
			name: "shifter reports a conflict on the weights: abort", want: Aborted, cause: isErr[*ForeignChangeError],
			setup:   func(w *world) { w.git.conflictAt = "2/4" },
			commits: []string{"rollout-step 1/4"},
		},
		{
			name: "a foreign commit changes the weights mid-analysis: abort, never overwrite", want: Aborted, cause: isErr[*ForeignChangeError],
			setup: func(w *world) {
				w.prom.onCall = func(call int) {
					if call == 3 {
						w.git.foreign("ops: send everything to v1", map[string]int32{"v1": 100, "v3": 0})
					}
				}
			},
			commits: []string{"rollout-step 1/4"},
			check: func(t *testing.T, w *world, res *Result) {
				if w.git.weights["v1"] != 100 || w.git.commits[len(w.git.commits)-1].Subject != "ops: send everything to v1" {
					t.Errorf("the person's change was not kept: %v", w.git.weights)
				}
				if !strings.Contains(res.Reason, "ops: send everything to v1") || !strings.Contains(res.Reason, "alice") {
					t.Errorf("reason does not name the commit: %s", res.Reason)
				}
			},
		},
		{
			name: "a foreign weight change just before the next step's push: abort", want: Aborted, cause: isErr[*ForeignChangeError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventDecision && ev.Decision == DecisionAdvance {
						w.git.foreign("manual: 10% please", map[string]int32{"v1": 90, "v3": 10})
					}
				}
			},
			commits: []string{"rollout-step 1/4"},
		},
		{
			name: "foreign unrelated commits are kept and ignored", want: Promoted, cause: noCause, commits: healthy,
			setup: func(w *world) {
				w.prom.onCall = func(call int) {
					if call%4 == 0 {
						w.git.foreign("docs: typo", nil)
					}
				}
			},
			check: func(t *testing.T, w *world, _ *Result) {
				n := 0
				for _, c := range w.git.commits {
					if c.Subject == "docs: typo" {
						n++
					}
				}
				if n < 3 {
					t.Errorf("%d foreign commits", n)
				}
			},
		},
		{
			name: "lease held by another runner: stop before any commit", want: Failed, cause: isErr[*LeaseHeldError],
			setup:   func(w *world) { w.lease.held = true },
			commits: nil,
			check: func(t *testing.T, w *world, _ *Result) {
				if w.lease.released != 0 {
					t.Error("released a lease it never held")
				}
			},
		},
		{
			name: "lease lost mid-rollout: stop", want: Failed, cause: func(err error) bool { return errors.Is(err, ErrLeaseLost) },
			setup:   func(w *world) { w.lease.loseAfter = 8 },
			commits: []string{"rollout-step 1/4"},
		},
		{
			name: "live weights differ from Git after sync: stop", want: Failed, cause: isErr[*DriftError],
			setup:   func(w *world) { w.argo.drift = map[string]int32{"v1": 90, "v3": 10} },
			commits: []string{"rollout-step 1/4"},
		},
		{
			name: "live VirtualService unreadable: stop", want: Failed, cause: func(err error) bool { return errors.Is(err, ErrUnavailable) },
			setup:   func(w *world) { w.argo.liveErr = errPromDown },
			commits: []string{"rollout-step 1/4"},
		},
		{
			name: "manual gate waits for a resume signal", want: Promoted, cause: noCause,
			setup: func(w *world) {
				w.pol.Spec.Steps[1].Gate = policy.GateManual
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventDecision && ev.Decision == DecisionHold {
						w.git.signal(SignalResume)
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "control resume", "rollout-step 3/4", "promote 4/4"},
		},
		{
			name: "a person pauses and resumes", want: Promoted, cause: noCause,
			setup: func(w *world) {
				w.prom.onCall = func(call int) {
					if call == 3 {
						w.git.signal(SignalPause)
					}
				}
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventPhase && ev.Phase == Paused {
						w.git.signal(SignalResume)
					}
				}
			},
			commits: []string{"rollout-step 1/4", "control pause", "control resume", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"},
		},
		{
			name: "promote signal skips to 100%", want: Promoted, cause: noCause,
			setup: func(w *world) {
				w.prom.onCall = func(call int) {
					if call == 2 {
						w.git.signal(SignalPromote)
					}
				}
			},
			commits: []string{"rollout-step 1/4", "control promote", "promote 4/4"},
			check: func(t *testing.T, w *world, _ *Result) {
				if d := w.git.commits[len(w.git.commits)-1].Trailers[TrailerDecision]; d != "promote" {
					t.Errorf("decision %q", d)
				}
			},
		},
		{
			name: "abort signal rolls back", want: RolledBack, cause: isErr[*AbortedError],
			setup: func(w *world) {
				w.prom.onCall = func(call int) {
					if call == 9 {
						w.git.signal(SignalAbort)
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "control abort", "rollback 2/4"},
		},
		{
			name: "beforeStep webhook failure applies the failure policy", want: RolledBack, cause: isErr[*HookError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventCommit {
						w.hooks.fail = map[HookPoint]error{HookBeforeStep: errors.New("503")}
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
		},
		{
			name: "beforeStep webhook failure before anything was committed stops", want: Failed, cause: isErr[*HookError],
			setup:   func(w *world) { w.hooks.fail = map[HookPoint]error{HookBeforeStep: errors.New("503")} },
			commits: nil,
		},
		{
			name: "afterStep webhook failure applies the failure policy", want: RolledBack, cause: isErr[*HookError],
			setup:   func(w *world) { w.hooks.fail = map[HookPoint]error{HookAfterStep: errors.New("503")} },
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
		},
		{
			name: "a failing custom check rolls back", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup: func(w *world) {
				w.pol.Spec.Analysis.CustomChecks = []policy.CustomCheck{{Name: "p99", PromQL: "x", Op: "<", Threshold: 0.5}}
			},
			commits: []string{"rollout-step 1/4", "rollback 1/4"},
		},
		{
			name: "a judge failure at step 3 rolls back from there", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup: func(w *world) {
				w.prom.onCall = func(int) {
					if w.argo.live["v3"] == 50 {
						w.judge.forced = &judge.Decision{Verdict: judge.Fail, Reason: judge.ReasonLatency, Detail: "latency shifted up"}
					}
				}
			},
			commits: []string{"rollout-step 1/4", "rollout-step 2/4", "rollout-step 3/4", "rollback 3/4"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			res, err := w.run(tc.opts)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Phase != tc.want {
				t.Fatalf("ended %s (%v), want %s; commits %v", res.Phase, res.Cause, tc.want, w.git.ours())
			}
			if !tc.cause(res.Cause) {
				t.Errorf("cause %T %v", res.Cause, res.Cause)
			}
			if got := w.git.ours(); !slices.Equal(got, tc.commits) {
				t.Errorf("commits\n got %q\nwant %q", got, tc.commits)
			}
			assertNoDuplicateSteps(t, w)
			assertEventsConsistent(t, w, res)
			if tc.check != nil {
				tc.check(t, w, res)
			}
		})
	}
}
