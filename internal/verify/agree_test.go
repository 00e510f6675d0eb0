package verify

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout/adapt"
)

// TestRolloutAndVerifyAgreeOnSubsetVersion runs verify and the rollout's
// ResolveTarget against the same cluster, where the DestinationRule's
// subsets select on another label than `version`. Istio reports the pods'
// `version` label as destination_version, so both must pick the series
// v1 and v3, never the subset names or the canonical revision.
func TestRolloutAndVerifyAgreeOnSubsetVersion(t *testing.T) {
	tests := []struct {
		name string
		repo string
		pods map[string]map[string]string // pod name -> labels
	}{{
		name: "subsets select track",
		repo: "repo-track",
		pods: map[string]map[string]string{
			"reviews-v1-7d9f8c6b5-abcde": {"app": "reviews", "version": "v1", "track": "stable"},
			"reviews-v3-5c8b9d7f4-fghij": {"app": "reviews", "version": "v3", "track": "canary"},
		},
	}, {
		name: "subsets select app.kubernetes.io/version",
		repo: "repo-appversion",
		pods: map[string]map[string]string{
			"reviews-v1-7d9f8c6b5-abcde": {"app": "reviews", "version": "v1", "app.kubernetes.io/version": "1.0.0"},
			"reviews-v3-5c8b9d7f4-fghij": {"app": "reviews", "version": "v3", "app.kubernetes.io/version": "3.0.0"},
		},
	}}
	want := map[string]string{"stable": "v1", "canary": "v3"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := healthy(t)
			sc.repo = filepath.Join("testdata", tt.repo)
			sc.live = repoObjectsIn(t, sc.repo)
			sc.pods = nil
			for name, labels := range tt.pods {
				sc.pods = append(sc.pods, podWith(name, labels, true, true))
			}
			cluster := fakeCluster(t, sc.live, sc.pods)
			sc.cluster = cluster
			rep := sc.run(t)

			var verified map[string]string
			for _, r := range rep.Results {
				if r.ID == "traffic-split" && r.Status != Pass {
					t.Errorf("traffic-split = %s: %s %v", r.Status, r.Summary, r.Details)
				}
				if r.ID == "destinationrule" {
					verified = subsetVersions(r)
				}
			}
			target, err := adapt.ResolveTarget(context.Background(), cluster, "bookinfo", "reviews", "", "stable", "canary")
			if err != nil {
				t.Fatal(err)
			}
			for subset, v := range want {
				if verified[subset] != v {
					t.Errorf("verify: subset %s -> %q, want %q", subset, verified[subset], v)
				}
				if target.Versions[subset] != v {
					t.Errorf("rollout: subset %s -> %q, want %q", subset, target.Versions[subset], v)
				}
			}
		})
	}
}

// subsetVersions reads the destinationrule check's evidence: subset ->
// the destination_version verify measures it by.
func subsetVersions(r Result) map[string]string {
	out := map[string]string{}
	subsets, _ := r.Evidence["subsets"].([]SubsetEvidence)
	for _, s := range subsets {
		out[s.Subset] = s.Version
	}
	return out
}
