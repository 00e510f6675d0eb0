package adapt

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
)

func bookinfo(t *testing.T) map[string]string {
	t.Helper()
	dir := "../../../examples/bookinfo-gitops"
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func newGit(t *testing.T) (*Git, *gittest.Server) {
	t.Helper()
	if testing.Short() {
		t.Skip("git daemon test")
	}
	srv := gittest.Start(t)
	srv.Create(t, "repo", bookinfo(t))
	g := &Git{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "bookinfo/reviews", Stable: "v1", Canary: "v3",
		GitEnv: gittest.Env, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Cleanup(g.Close)
	return g, srv
}

var stepTrailers = []rollout.Trailer{
	{Key: rollout.TrailerAction, Value: rollout.ActionStep}, {Key: rollout.TrailerRollout, Value: "r1"},
	{Key: rollout.TrailerVirtualService, Value: "bookinfo/reviews"}, {Key: rollout.TrailerStep, Value: "1/4"},
	{Key: rollout.TrailerWeights, Value: "v1=95,v3=5"}, {Key: rollout.TrailerDecision, Value: "start"},
}

func TestGitShiftLogSignal(t *testing.T) {
	g, srv := newGit(t)
	ctx := context.Background()
	w, err := g.Weights(ctx, "")
	if err != nil || w["v1"] != 90 || w["v3"] != 10 {
		t.Fatalf("weights %v %v", w, err)
	}
	res, err := g.Shift(ctx, rollout.ShiftRequest{Weights: map[string]int32{"v1": 95, "v3": 5}, Message: "rollout r1: step 1/4", Trailers: stepTrailers})
	if err != nil {
		t.Fatal(err)
	}
	if head := srv.Head(t, "repo"); head != res.SHA {
		t.Fatalf("remote head %s, shift said %s", head, res.SHA)
	}
	// A stale expectation is a conflict and pushes nothing.
	_, err = g.Shift(ctx, rollout.ShiftRequest{Weights: map[string]int32{"v1": 75, "v3": 25}, Expect: map[string]int32{"v1": 90, "v3": 10}, Trailers: stepTrailers})
	if !errors.Is(err, rollout.ErrConflict) || srv.Head(t, "repo") != res.SHA {
		t.Fatalf("want ErrConflict and no push, got %v", err)
	}
	sig, err := g.Signal(ctx, "rollout r1: pause", []rollout.Trailer{{Key: rollout.TrailerAction, Value: rollout.ActionControl},
		{Key: rollout.TrailerRollout, Value: "r1"}, {Key: rollout.TrailerVirtualService, Value: "bookinfo/reviews"}, {Key: rollout.TrailerSignal, Value: "pause"}})
	if err != nil {
		t.Fatal(err)
	}
	// Same weights again: still a commit carrying the trailers.
	same, err := g.Shift(ctx, rollout.ShiftRequest{Weights: map[string]int32{"v1": 95, "v3": 5}, Expect: map[string]int32{"v1": 95, "v3": 5}, Message: "again", Trailers: stepTrailers})
	if err != nil || same.SHA == sig.SHA {
		t.Fatalf("unchanged shift: %+v %v", same, err)
	}
	log, err := g.Log(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 4 || log[0].SHA != same.SHA || log[1].SHA != sig.SHA || log[2].SHA != res.SHA {
		t.Fatalf("log %+v", log)
	}
	if a := log[2].Trailers[rollout.TrailerAction]; a != rollout.ActionStep {
		t.Errorf("step commit action %q (the engine's trailer must win over shift's)", a)
	}
	if log[1].Trailers[rollout.TrailerSignal] != "pause" || log[2].Trailers[rollout.TrailerWeights] != "v1=95,v3=5" {
		t.Errorf("trailers %v / %v", log[1].Trailers, log[2].Trailers)
	}
	for _, key := range []string{rollout.TrailerAction, rollout.TrailerWeights, rollout.TrailerVirtualService} {
		vals := gittest.Git(t, srv.Path("repo"), "log", "-1", "--format=%(trailers:key="+key+",valueonly)", res.SHA)
		if n := len(strings.Fields(vals)); n != 1 {
			t.Errorf("step commit carries %s %d times: %q", key, n, vals)
		}
	}
	st, err := rollout.Derive(log, "bookinfo/reviews", "")
	if err != nil || st.ID != "r1" || st.Step != 1 || st.Paused {
		t.Errorf("derive %+v %v", st, err)
	}
	diff := gittest.Git(t, srv.Path("repo"), "show", "--format=", "--stat", res.SHA)
	if !strings.Contains(diff, "canary/reviews-traffic-90-10.yaml | 4 ++--") {
		t.Errorf("step commit changed more than the weights:\n%s", diff)
	}
}

// gitCluster stands in for Argo CD and the cluster: a synced commit's
// weights (read back from Git) become live; traffic follows them.
type gitCluster struct {
	g    *Git
	live map[string]int32
	n    int64
}

func (c *gitCluster) WaitSynced(ctx context.Context, _ string, _ time.Time) error {
	w, err := c.g.Weights(ctx, "")
	c.live = w
	return err
}

func (c *gitCluster) Weights(context.Context) (map[string]int32, error) { return c.live, nil }

func (c *gitCluster) Counts(_ context.Context, since, at time.Time) (stats.Counts, stats.Counts, error) {
	n := int64(at.Sub(since)/time.Second) * 100
	cn := n * int64(c.live["v3"]) / 100
	return stats.Counts{Requests: cn, Errors: cn / 200}, stats.Counts{Requests: n - cn, Errors: (n - cn) / 200}, nil
}

type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }
func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

type noLease struct{}

func (noLease) Acquire(context.Context) error { return nil }
func (noLease) Renew(context.Context) error   { return nil }
func (noLease) Release(context.Context) error { return nil }

// TestEngineWithRealGit runs the engine against a real git daemon and the
// real shift: every step is one commit whose diff is only weights, trailers
// round-trip, and the real judge promotes an equal canary.
func TestEngineWithRealGit(t *testing.T) {
	g, srv := newGit(t)
	p, err := policy.Complete(policy.CanaryPolicy{}, policy.Overrides{Application: "bookinfo", VirtualService: &policy.ObjectRef{Namespace: "bookinfo", Name: "reviews"},
		StableSubset: "v1", CanarySubset: "v3", MinDuration: time.Minute, MinCanaryRequests: 100})
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJudge(p.Spec.Analysis)
	if err != nil {
		t.Fatal(err)
	}
	c := &gitCluster{g: g}
	e, err := rollout.New(p, rollout.Deps{Shifter: g, Signaler: g, History: g, Sync: c, Live: c, Counters: c, Judge: j,
		Lease: noLease{}, Clock: &stepClock{now: time.Now()}}, rollout.Options{Logger: g.Logger})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(context.Background())
	if err != nil || res.Phase != rollout.Promoted {
		t.Fatalf("%v %s %v", err, res.Phase, res.Cause)
	}
	out := gittest.Git(t, srv.Path("repo"), "log", "--format=%(trailers:key=Gitshift-Step,valueonly,separator=)|%(trailers:key=Gitshift-Decision,valueonly,separator=)", "-4")
	if got := strings.Fields(out); strings.Join(got, " ") != "4/4|promote 3/4|advance 2/4|advance 1/4|start" {
		t.Errorf("history:\n%s", out)
	}
}

// TestGitShiftSharedVirtualService: a rollout whose VirtualService comes
// from a Kustomize base that another Application's overlay renders too is
// refused at its first step, unless that Application is allowed.
func TestGitShiftSharedVirtualService(t *testing.T) {
	if testing.Short() {
		t.Skip("git daemon test")
	}
	files := bookinfo(t)
	overlay := func(name string) string {
		return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n  namespace: argocd\nspec:\n  project: default\n" +
			"  source:\n    repoURL: https://github.com/gitshift/bookinfo-gitops.git\n    targetRevision: main\n    path: " + name + "\n" +
			"  destination:\n    server: https://kubernetes.default.svc\n    namespace: bookinfo\n"
	}
	files["argocd/application.yaml"] = overlay("prod") + "---\n" + overlay("stg")
	files["base/reviews-traffic.yaml"] = files["canary/reviews-traffic-90-10.yaml"]
	delete(files, "canary/reviews-traffic-90-10.yaml")
	files["base/kustomization.yaml"] = "resources:\n- bookinfo.yaml\n- destination-rule.yaml\n- gateway.yaml\n- reviews-traffic.yaml\n"
	files["prod/kustomization.yaml"] = "resources:\n- ../base\n"
	files["stg/kustomization.yaml"] = "resources:\n- ../base\n"
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", files)
	g := &Git{Repo: srv.URL("repo"), App: "prod", VirtualService: "bookinfo/reviews", GitEnv: gittest.Env,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Cleanup(g.Close)
	ctx := context.Background()
	if w, err := g.Weights(ctx, ""); err != nil || w["v1"] != 90 {
		t.Fatalf("reading the weights of a shared VirtualService: %v %v", w, err)
	}
	step := rollout.ShiftRequest{Weights: map[string]int32{"v1": 95, "v3": 5}, Message: "rollout r1: step 1/4", Trailers: stepTrailers}
	_, err := g.Shift(ctx, step)
	if err == nil || !strings.Contains(err.Error(), "allow exactly stg") || srv.Head(t, "repo") != base {
		t.Fatalf("err = %v, want a refusal naming stg and no push", err)
	}
	g.AllowShared = []string{"stg"}
	res, err := g.Shift(ctx, step)
	if err != nil || srv.Head(t, "repo") != res.SHA {
		t.Fatalf("allowed: %+v %v", res, err)
	}
}

// TestGitContains: a step commit is contained in the later commits of the
// branch (others pushed after it), not in its parent nor in a commit Git
// does not know.
func TestGitContains(t *testing.T) {
	g, srv := newGit(t)
	ctx := context.Background()
	base := srv.Head(t, "repo")
	step, err := g.Shift(ctx, rollout.ShiftRequest{Weights: map[string]int32{"v1": 95, "v3": 5}, Message: "rollout r1: step 1/4", Trailers: stepTrailers})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's commit lands after the step, through another clone.
	other := &Git{Repo: g.Repo, App: "bookinfo", VirtualService: "bookinfo/reviews", GitEnv: gittest.Env, Logger: g.Logger}
	t.Cleanup(other.Close)
	later, err := other.Signal(ctx, "rollout r1: pause", []rollout.Trailer{{Key: rollout.TrailerAction, Value: rollout.ActionControl},
		{Key: rollout.TrailerRollout, Value: "r1"}, {Key: rollout.TrailerSignal, Value: "pause"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, rev string
		want      bool
	}{
		{"the step itself", step.SHA, true},
		{"a later commit of the branch", later.SHA, true},
		{"the step's parent", base, false},
		{"an unknown commit", "0123456789012345678901234567890123456789", false},
	} {
		got, _ := g.Contains(ctx, tt.rev, step.SHA)
		if got != tt.want {
			t.Errorf("%s: Contains(%s, step) = %v, want %v", tt.name, tt.rev[:10], got, tt.want)
		}
	}
}
