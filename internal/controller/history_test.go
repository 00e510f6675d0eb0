package controller

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/rollout/wire"
)

// TestHistoriesShareOneClone: idle policies of one repository read their
// state through one clone; each derives its own rollout; a repository that
// cannot be read is not kept.
func TestHistoriesShareOneClone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git")
	}
	s := gittest.Start(t)
	s.Create(t, "apps.git", map[string]string{"README": "x"})
	w := s.NewWriter(t, "apps.git")
	w.Commit(t, "rollout r1: step 1/4\n\nGitshift-Action: rollout-step\nGitshift-Rollout: r1\nGitshift-VirtualService: bookinfo/reviews\nGitshift-Step: 1/4\nGitshift-Weights: v1=95,v3=5\nGitshift-Decision: start\n", map[string]string{"a": "1"})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	repos := map[string]string{"reviews": s.URL("apps.git"), "ratings": s.URL("apps.git"), "broken": s.URL("missing.git")}
	h := &histories{open: func(ctx context.Context, p *policy.CanaryPolicy) (*wire.Env, error) {
		return wire.Open(ctx, wire.Config{Policy: p, Git: wire.Git{Repo: repos[p.Spec.Target.VirtualService.Name], Env: gittest.Env}})
	}}
	defer h.close()
	pol := func(vs string) *policy.CanaryPolicy {
		p, err := policy.Complete(policy.CanaryPolicy{}, policy.Overrides{Application: "bookinfo", VirtualService: &policy.ObjectRef{Namespace: "bookinfo", Name: vs},
			StableSubset: "v1", CanarySubset: "v3"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	st, err := h.state(ctx, pol("reviews"))
	if err != nil || !st.Found || st.ID != "r1" || st.Step != 1 {
		t.Fatalf("reviews: %+v %v", st, err)
	}
	st, err = h.state(ctx, pol("ratings"))
	if err != nil || st.Found {
		t.Fatalf("ratings: %+v %v", st, err)
	}
	if _, err := h.state(ctx, pol("broken")); err == nil {
		t.Fatal("a missing repository read")
	}
	if n := h.clones(); n != 1 {
		t.Errorf("%d shared clones, want 1", n)
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "gitshift-rollout-*"))
	if len(dirs) != 1 {
		t.Errorf("%d history clones on disk, want 1: %v", len(dirs), dirs)
	}
	// A new commit is seen through the shared clone (it fetches).
	w.Commit(t, "rollout r1: abort\n\nGitshift-Action: control\nGitshift-Rollout: r1\nGitshift-VirtualService: bookinfo/reviews\nGitshift-Signal: abort\n", map[string]string{"b": "2"})
	if st, err := h.state(ctx, pol("reviews")); err != nil || st.Pending != "abort" {
		t.Errorf("after a new commit: %+v %v", st, err)
	}
	h.close()
	if dirs, _ := filepath.Glob(filepath.Join(tmp, "gitshift-rollout-*")); len(dirs) != 0 {
		t.Errorf("clones left after close: %v", dirs)
	}
}
