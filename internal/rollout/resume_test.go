package rollout

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestResumeAfterCrash kills the runner (its context ends, as with SIGKILL
// nothing after that point runs) at each crash point, starts a fresh engine
// on the same Git, cluster and Prometheus, and checks it reaches the same end
// with no duplicate commit.
func TestResumeAfterCrash(t *testing.T) {
	stepIs := func(req ShiftRequest, step string) bool {
		for _, tr := range req.Trailers {
			if tr.Key == TrailerStep && tr.Value == step {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name    string
		crash   func(w *world)
		want    Phase
		commits []string
	}{
		{
			name: "after commit, before push (step 2): the unpushed commit died with the clone", want: Promoted, commits: healthy,
			crash: func(w *world) {
				w.git.beforePush = func(req ShiftRequest) {
					if stepIs(req, "2/4") {
						w.git.beforePush = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "after push, before the runner learned it (step 2)", want: Promoted, commits: healthy,
			crash: func(w *world) {
				w.git.afterPush = func(c Commit) {
					if c.Trailers[TrailerStep] == "2/4" {
						w.git.afterPush = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "after push, before sync (step 3)", want: Promoted, commits: healthy,
			crash: func(w *world) {
				w.argo.onWait = func(sha string) {
					if w.git.byCommit[sha]["v3"] == 50 {
						w.argo.onWait = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "mid-analysis (step 2)", want: Promoted, commits: healthy,
			crash: func(w *world) {
				w.prom.onCall = func(int) {
					if w.argo.live["v3"] == 25 && w.prom.onCall != nil {
						w.prom.onCall = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "after the promote push, before sync", want: Promoted, commits: healthy,
			crash: func(w *world) {
				w.argo.onWait = func(sha string) {
					if w.git.byCommit[sha]["v3"] == 100 {
						w.argo.onWait = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "after the rollback push, before it is verified", want: RolledBack, commits: []string{"rollout-step 1/4", "rollback 1/4"},
			crash: func(w *world) {
				w.prom.canaryErr = 0.05
				w.git.afterPush = func(c Commit) {
					if c.Trailers[TrailerAction] == ActionRollback {
						w.git.afterPush = nil
						w.crash()
					}
				}
			},
		},
		{
			name: "while paused by the failure policy; a person resumes while no runner runs", want: Promoted,
			commits: []string{"rollout-step 1/4", "control pause", "control resume", "rollout-step 2/4", "rollout-step 3/4", "promote 4/4"},
			crash: func(w *world) {
				w.pol.Spec.FailurePolicy = policy.FailurePause
				w.prom.fail = func(int) error {
					if w.prom.fail != nil && w.argo.live["v3"] == 5 && len(w.git.commits) == 2 {
						return errPromDown
					}
					return nil
				}
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventCommit && ev.Decision == DecisionPause {
						w.onEvent = nil
						w.crash()
						w.git.signal(SignalResume)
					}
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.crash(w)
			res, err := w.run(Options{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run did not crash: %v, %s", err, res.Phase)
			}
			if res.Phase.Terminal() {
				t.Fatalf("crashed run ended %s", res.Phase)
			}
			res, err = w.run(Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Phase != tc.want {
				t.Fatalf("resumed run ended %s (%v), want %s; commits %v", res.Phase, res.Cause, tc.want, w.git.ours())
			}
			if got := w.git.ours(); !slices.Equal(got, tc.commits) {
				t.Errorf("commits\n got %q\nwant %q", got, tc.commits)
			}
			assertNoDuplicateSteps(t, w)
			if w.lease.acquired != 2 || w.lease.released != 2 {
				t.Errorf("lease acquired %d released %d", w.lease.acquired, w.lease.released)
			}
			ids := map[string]bool{}
			for _, c := range w.git.commits {
				if id := c.Trailers[TrailerRollout]; id != "" {
					ids[id] = true
				}
			}
			if len(ids) != 1 {
				t.Errorf("rollout ids %v, want one rollout", ids)
			}
		})
	}
}

// TestResumeFromHistory starts a runner on histories left behind by another
// runner or by people.
func TestResumeFromHistory(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, w *world)
		opts    Options
		want    Phase
		cause   func(error) bool
		commits []string
	}{
		{
			name: "finished rollout, nothing committed since: verify its end, no new commit", want: Promoted, cause: noCause, commits: healthy,
			setup: func(t *testing.T, w *world) { mustRun(t, w, Promoted) },
		},
		{
			name: "finished rollout then a new commit: start a new rollout", want: Promoted, cause: noCause,
			commits: append(append([]string{}, healthy...), healthy...),
			setup: func(t *testing.T, w *world) {
				mustRun(t, w, Promoted)
				w.git.foreign("reset to v1 for the next release", map[string]int32{"v1": 100, "v3": 0})
				w.argo.live = map[string]int32{"v1": 100, "v3": 0}
				w.clock.now = w.clock.now.Add(3600e9)
			},
		},
		{
			name: "a foreign weight change while no runner ran: abort", want: Aborted, cause: isErr[*ForeignChangeError],
			commits: []string{"rollout-step 1/4"},
			setup: func(t *testing.T, w *world) {
				crashAtStep2(w)
				w.git.foreign("hotfix: all to v1", map[string]int32{"v1": 100, "v3": 0})
			},
		},
		{
			name: "an abort given while no runner ran: roll back", want: RolledBack, cause: isErr[*AbortedError],
			commits: []string{"rollout-step 1/4", "control abort", "rollback 1/4"},
			setup:   func(t *testing.T, w *world) { crashAtStep2(w); w.git.signal(SignalAbort) },
		},
		{
			name: "a promote given while no runner ran: jump to 100", want: Promoted, cause: noCause,
			commits: []string{"rollout-step 1/4", "control promote", "promote 4/4"},
			setup:   func(t *testing.T, w *world) { crashAtStep2(w); w.git.signal(SignalPromote) },
		},
		{
			name: "the policy's steps changed mid-rollout: stop and say so", want: Failed, cause: isErr[*HistoryError],
			commits: []string{"rollout-step 1/4"},
			setup: func(t *testing.T, w *world) {
				crashAtStep2(w)
				w.pol.Spec.Steps = w.pol.Spec.Steps[1:]
			},
		},
		{
			name: "an explicit new id starts a new rollout", opts: Options{ID: "release-42"}, want: Promoted, cause: noCause,
			commits: healthy,
			setup:   func(t *testing.T, w *world) {},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.setup(t, w)
			res, err := w.run(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Phase != tc.want || !tc.cause(res.Cause) {
				t.Fatalf("ended %s (%T %v), want %s; commits %v", res.Phase, res.Cause, res.Cause, tc.want, w.git.ours())
			}
			if got := w.git.ours(); !slices.Equal(got, tc.commits) {
				t.Errorf("commits\n got %q\nwant %q", got, tc.commits)
			}
			assertNoDuplicateSteps(t, w)
			if tc.opts.ID != "" && !strings.Contains(w.git.commits[len(w.git.commits)-1].Trailers[TrailerRollout], tc.opts.ID) {
				t.Errorf("id not used")
			}
		})
	}
}

func mustRun(t *testing.T, w *world, want Phase) {
	t.Helper()
	res, err := w.run(Options{})
	if err != nil || res.Phase != want {
		t.Fatalf("setup run: %v %s", err, res.Phase)
	}
}

// crashAtStep2 leaves a rollout at step 1, synced, with a dead runner.
func crashAtStep2(w *world) {
	w.git.beforePush = func(req ShiftRequest) {
		for _, tr := range req.Trailers {
			if tr.Key == TrailerStep && tr.Value == "2/4" {
				w.git.beforePush = nil
				w.crash()
			}
		}
	}
	_, _ = w.run(Options{})
}
