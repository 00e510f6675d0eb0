package rollout

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

// The fakes' header route and mirror (fakes_test.go keeps the state).

func (g *fakeGit) Routing(_ context.Context, rev string) (mesh.CanaryRouting, error) {
	if rev == "" {
		return g.routing, nil
	}
	return g.routingAt[rev], nil
}

func (a *fakeArgo) Routing(context.Context) (mesh.CanaryRouting, error) { return a.routing, nil }

// StepCounts follows the live routing: with a header route a tenth of the
// traffic carries the header and reaches the canary; with a mirror the
// canary gets copies of that share of the stable subset's requests.
func (p *fakeProm) StepCounts(ctx context.Context, _ policy.Step, since, at time.Time) (StepCounts, error) {
	if !since.Equal(p.since) {
		p.misroutedSoFar = 0
	}
	c, b, err := p.Counts(ctx, since, at) // keeps the window and the failure knobs
	if err != nil {
		return StepCounts{}, err
	}
	_ = c
	rt := p.w.argo.routing
	var share float64
	switch {
	case rt.Header != nil:
		share = 0.1
	case rt.Mirror != nil:
		share = rt.Mirror.Percent / 100
	}
	// Counts gave the canary nothing (weight 0): carve the arms here.
	p.stepCanary.Requests += int64(float64(p.perTick) * share)
	p.stepCanary.Errors += int64(float64(p.perTick)*share*p.canaryErr + 0.5)
	if rt.Header != nil {
		b.Requests -= int64(float64(p.perTick)*share) * int64(p.calls-p.stepFrom)
	}
	p.misroutedSoFar += p.misrouted
	return StepCounts{Canary: p.stepCanary, Baseline: b, Misrouted: p.misroutedSoFar, Misroute: "header-tagged requests at v1"}, nil
}

func (j *fakeJudge) BeginShare(_ time.Time, share float64, _ string) error {
	j.c, j.b = stats.Counts{}, stats.Counts{}
	j.steps = append(j.steps, 0)
	j.shares = append(j.shares, share)
	return nil
}

var routedSteps = []policy.Step{
	{HeaderRoute: &policy.HeaderMatch{Name: "x-canary", Exact: "1"}}, {Mirror: 20}, {Weight: 5}, {Weight: 25}, {Weight: 100},
}

func routedWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	spec := w.pol.Spec
	spec.Steps = slices.Clone(routedSteps)
	p, err := policy.Complete(policy.CanaryPolicy{Spec: spec}, policy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	w.pol = p
	return w
}

// TestRoutedSteps runs header and mirror steps through the engine: one
// commit per step, each step's routing its own, rollback and abort removing
// them by commit.
func TestRoutedSteps(t *testing.T) {
	header := &mesh.HeaderRoute{Header: "x-canary", Match: "exact", Value: "1", Subset: "v3"}
	tests := []struct {
		name    string
		setup   func(w *world)
		want    Phase
		cause   func(error) bool
		commits []string
		check   func(t *testing.T, w *world)
	}{
		{
			name: "header, mirror 20, 5, 25, 100 is promoted", want: Promoted, cause: noCause,
			commits: []string{"rollout-step 1/5", "rollout-step 2/5", "rollout-step 3/5", "rollout-step 4/5", "promote 5/5"},
			check: func(t *testing.T, w *world) {
				c := w.git.commits
				if got := c[1].Trailers[TrailerHeaderRoute]; got != header.String() || c[1].Trailers[TrailerMirror] != "" || c[1].Trailers[TrailerWeights] != "v1=100,v3=0" {
					t.Errorf("header step trailers %v", c[1].Trailers)
				}
				if c[2].Trailers[TrailerMirror] != "v3=20" || c[2].Trailers[TrailerHeaderRoute] != "" {
					t.Errorf("mirror step trailers %v", c[2].Trailers)
				}
				if !strings.Contains(c[1].Subject, `header route x-canary exact "1" -> v3`) || !strings.Contains(c[2].Subject, "mirror 20% to v3") {
					t.Errorf("subjects %q / %q", c[1].Subject, c[2].Subject)
				}
				for i, want := range []mesh.CanaryRouting{{Header: header}, {Mirror: &mesh.Mirror{Subset: "v3", Percent: 20}}, {}, {}, {}} {
					if got := w.git.routingAt[c[i+1].SHA]; !sameRouting(got, want, "v3") {
						t.Errorf("commit %d routing %s, want %s", i+1, FormatRouting(got), FormatRouting(want))
					}
				}
				if !slices.Equal(w.judge.steps, []int32{0, 0, 5, 25}) || !slices.Equal(w.judge.shares, []float64{0, 20.0 / 120}) {
					t.Errorf("judged steps %v shares %v", w.judge.steps, w.judge.shares)
				}
				if w.argo.routing != (mesh.CanaryRouting{}) {
					t.Errorf("live routing after promotion: %s", FormatRouting(w.argo.routing))
				}
			},
		},
		{
			name: "abort during the header step removes the header route by commit", want: RolledBack, cause: isErr[*AbortedError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventAnalysis && ev.Step == 1 && len(w.git.ours()) == 1 {
						w.git.signal(SignalAbort)
					}
				}
			},
			commits: []string{"rollout-step 1/5", "control abort", "rollback 1/5"},
			check: func(t *testing.T, w *world) {
				rb := w.git.commits[len(w.git.commits)-1]
				if rb.Trailers[TrailerHeaderRoute] != "" || w.git.routing != (mesh.CanaryRouting{}) || w.argo.routing != (mesh.CanaryRouting{}) {
					t.Errorf("after the rollback: trailers %v, Git %s, live %s", rb.Trailers, FormatRouting(w.git.routing), FormatRouting(w.argo.routing))
				}
			},
		},
		{
			name: "a canary failing on mirrored requests is rolled back from the mirror step", want: RolledBack, cause: isErr[*CanaryFailedError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventCommit && w.git.routing.Mirror != nil {
						w.prom.canaryErr = 0.2
					}
				}
			},
			commits: []string{"rollout-step 1/5", "rollout-step 2/5", "rollback 2/5"},
			check: func(t *testing.T, w *world) {
				for sha, ws := range w.git.byCommit {
					if ws["v3"] != 0 {
						t.Errorf("commit %s gave users the canary: %v", short(sha), ws)
					}
				}
				if w.git.routing != (mesh.CanaryRouting{}) {
					t.Errorf("Git keeps %s after the rollback", FormatRouting(w.git.routing))
				}
			},
		},
		{
			name: "misrouted header requests roll back", want: RolledBack, cause: isErr[*MisrouteError],
			setup:   func(w *world) { w.prom.misrouted = 2 },
			commits: []string{"rollout-step 1/5", "rollback 1/5"},
		},
		{
			name: "a live header route differing from Git stops", want: Failed, cause: isErr[*RoutingDriftError],
			setup: func(w *world) {
				w.argo.onWait = func(string) {
					w.argo.routing = mesh.CanaryRouting{}
				}
				w.argo.neverSync = nil
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventPhase && ev.Phase == VerifyingLive {
						h := *header
						h.Value = "2"
						w.argo.routing = mesh.CanaryRouting{Header: &h}
					}
				}
			},
			commits: []string{"rollout-step 1/5"},
		},
		{
			name: "a person's commit removing the header route aborts without overwriting it", want: Aborted, cause: isErr[*ForeignChangeError],
			setup: func(w *world) {
				w.onEvent = func(w *world, ev Event) {
					if ev.Type == EventAnalysis && ev.Step == 1 && len(w.git.commits) == 2 {
						w.git.routing = mesh.CanaryRouting{}
						w.git.foreign("remove the header route", nil)
					}
				}
			},
			commits: []string{"rollout-step 1/5"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := routedWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			res, err := w.run(Options{})
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
			if tc.check != nil {
				tc.check(t, w)
			}
		})
	}
}

// TestRoutedNeedsDeps: a policy with header or mirror steps cannot run on
// dependencies that cannot read or count them.
func TestRoutedNeedsDeps(t *testing.T) {
	w := routedWorld(t)
	_, err := New(w.pol, Deps{Shifter: w.git, Signaler: w.git, Sync: w.argo, Live: struct{ LiveWeights }{w.argo}, Counters: w.prom,
		Judge: w.judge, History: w.git, Lease: w.lease}, Options{})
	if err == nil || !strings.Contains(err.Error(), "Live.Routing") {
		t.Fatalf("New: %v", err)
	}
}

// TestDeriveRouting: resume reads a step's header route and mirror back
// from its trailers, and refuses a trailer it cannot read.
func TestDeriveRouting(t *testing.T) {
	mk := func(tr map[string]string) []Commit {
		base := map[string]string{TrailerAction: ActionStep, TrailerRollout: "r1", TrailerVirtualService: "bookinfo/reviews",
			TrailerStep: "2/5", TrailerWeights: "v1=100,v3=0"}
		for k, v := range tr {
			base[k] = v
		}
		return []Commit{{SHA: "a1", Trailers: base}}
	}
	st, err := Derive(mk(map[string]string{TrailerMirror: "v3=20", TrailerHeaderRoute: `x-canary prefix "a b" -> v3`}), "bookinfo/reviews", "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Routing.Mirror == nil || st.Routing.Mirror.Percent != 20 || st.Routing.Header == nil || st.Routing.Header.Value != "a b" {
		t.Fatalf("routing %s", FormatRouting(st.Routing))
	}
	if _, err := Derive(mk(map[string]string{TrailerMirror: "v3=200"}), "bookinfo/reviews", ""); !isErr[*HistoryError](err) {
		t.Fatalf("bad mirror trailer: %v", err)
	}
}

func (p *fakeProm) HeaderTraffic(context.Context, policy.HeaderMatch, time.Time, time.Time) (HeaderTraffic, error) {
	if p.headerTraffic == nil {
		return HeaderTraffic{Labelled: 1000, Matching: 100}, nil
	}
	return *p.headerTraffic, nil
}

// TestHeaderPreflight: a new rollout with a header step looks at the recent
// traffic first. Without the header's metric label the step could never be
// judged: nothing is committed and the error says how to fix it. With the
// label but no request carrying the value, the rollout starts and says so.
func TestHeaderPreflight(t *testing.T) {
	t.Run("no label: stops before any commit", func(t *testing.T) {
		w := routedWorld(t)
		w.prom.headerTraffic = &HeaderTraffic{}
		res, err := w.run(Options{})
		if err != nil {
			t.Fatal(err)
		}
		var he *HeaderTrafficError
		if res.Phase != Failed || !errors.As(res.Cause, &he) || len(w.git.ours()) != 0 {
			t.Fatalf("ended %s (%v), commits %v", res.Phase, res.Cause, w.git.ours())
		}
		for _, want := range []string{"x_canary", "Telemetry tagOverride", "examples/istio-telemetry", "did not start"} {
			if !strings.Contains(res.Cause.Error(), want) {
				t.Errorf("%q lacks %q", res.Cause, want)
			}
		}
		if res.Err() == nil {
			t.Error("no error for the CLI")
		}
	})
	t.Run("labelled, nobody sends the value: starts and says so", func(t *testing.T) {
		w := routedWorld(t)
		w.prom.headerTraffic = &HeaderTraffic{Labelled: 900}
		w.run(Options{})
		c := w.git.commits[1]
		if got := c.Trailers[TrailerReason]; !strings.Contains(got, `no request in the last 10m0s carried x-canary exact "1"`) {
			t.Errorf("first commit's reason %q", got)
		}
	})
}
