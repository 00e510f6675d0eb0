package shift

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/mesh"
)

// TestShiftHeaderAndMirror: a header route, then a mirror instead, then
// neither, each one commit touching only the lines it must; the last gives
// the original file back. A stale expectation is a conflict; Helm refuses.
func TestShiftHeaderAndMirror(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	const file = "canary/reviews-traffic-90-10.yaml"
	orig := gittest.Git(t, srv.Path("repo"), "show", "HEAD:"+file)
	header := &mesh.HeaderRoute{Header: "x-canary", Match: mesh.MatchExact, Value: "1", Subset: "v3"}
	mirror := &mesh.Mirror{Subset: "v3", Percent: 20}
	base := Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "bookinfo/reviews", Author: bot, GitEnv: gittest.Env}
	steps := []struct {
		name           string
		header         *edit.HeaderChange
		mirror         *edit.MirrorChange
		weights        string
		expect         *mesh.CanaryRouting
		added, removed []string // substrings each added/removed line must contain one of
	}{
		{name: "header route", header: &edit.HeaderChange{Set: header}, weights: "v1=100,v3=0",
			added:   []string{"gitshift-header", "match", "headers", "x-canary", "exact", "route", "destination", "host: reviews", "subset: v3", "weight: 100", "weight: 0"},
			removed: []string{"weight: 90", "weight: 10"}},
		{name: "mirror instead", header: &edit.HeaderChange{}, mirror: &edit.MirrorChange{Set: mirror}, expect: &mesh.CanaryRouting{Header: header},
			added:   []string{"mirror", "host: reviews", "subset: v3", "mirrorPercentage", "value: 20"},
			removed: []string{"gitshift-header", "match", "headers", "x-canary", "exact", "route", "destination", "host: reviews", "subset: v3", "weight: 100"}},
		{name: "neither, weights back", mirror: &edit.MirrorChange{Only: "v3"}, weights: "v1=90,v3=10", expect: &mesh.CanaryRouting{Mirror: mirror},
			added:   []string{"weight: 90", "weight: 10"},
			removed: []string{"mirror", "host: reviews", "subset: v3", "mirrorPercentage", "value: 20", "weight: 100", "weight: 0"}},
	}
	for _, s := range steps {
		req := base
		req.Header, req.Mirror, req.ExpectRouting = s.header, s.mirror, s.expect
		if s.weights != "" {
			req.Weights = weights(t, s.weights)
		}
		res, err := Run(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		removed, added := diffLines(t, srv.Path("repo"), res.Commit)
		for what, lines := range map[string][]string{"added": added, "removed": removed} {
			allowed := s.added
			if what == "removed" {
				allowed = s.removed
			}
			for _, l := range lines {
				if !containsAny(l, allowed) {
					t.Errorf("%s: %s line %q is not one the step must touch", s.name, what, l)
				}
			}
		}
		wantHeader := header
		if s.name != "header route" {
			wantHeader = nil
		}
		if res.NewRouting == nil || !mesh.SameHeaderRoute(res.NewRouting.Header, wantHeader) {
			t.Errorf("%s: new routing %+v", s.name, res.NewRouting)
		}
	}
	if got := gittest.Git(t, srv.Path("repo"), "show", "HEAD:"+file); got != orig {
		t.Errorf("after removing both the file differs from the original:\n%s", got)
	}
	trailers := gittest.Git(t, srv.Path("repo"), "log", "-3", "--format=%(trailers:key=Gitshift-Mirror,key=Gitshift-Header-Route)")
	if !strings.Contains(trailers, "Gitshift-Mirror: v3=20") || !strings.Contains(trailers, `Gitshift-Header-Route: x-canary exact "1" -> v3`) {
		t.Errorf("trailers %q", trailers)
	}

	stale := base
	stale.Mirror, stale.ExpectRouting = &edit.MirrorChange{Set: mirror}, &mesh.CanaryRouting{Header: header}
	var conflict *gitrepo.ConflictError
	if _, err := Run(context.Background(), stale); !errors.As(err, &conflict) {
		t.Errorf("stale expectation: %v, want a conflict", err)
	}

	srv.Create(t, "helm", tree(t, "../../examples/bookinfo-helm"))
	helm := Request{Repo: srv.URL("helm"), App: "bookinfo", VirtualService: "reviews", Author: bot, GitEnv: gittest.Env,
		Mirror: &edit.MirrorChange{Set: mirror}}
	var in *InputError
	if _, err := Run(context.Background(), helm); !errors.As(err, &in) || !strings.Contains(err.Error(), "Helm") {
		t.Errorf("helm: %v, want an input error naming Helm", err)
	}
}

func containsAny(l string, subs []string) bool {
	for _, s := range subs {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
