package mesh

import (
	"slices"
	"testing"
)

func TestCanonicalRevisionAndReportedVersion(t *testing.T) {
	tests := []struct {
		name              string
		labels            map[string]string
		revision, version string
	}{
		{"nothing", nil, "latest", "unknown"},
		{"version", map[string]string{"version": "v3"}, "v3", "v3"},
		{"recommended label wins the revision only",
			map[string]string{"version": "v3", "app.kubernetes.io/version": "3.0.0"}, "3.0.0", "v3"},
		{"explicit canonical revision", map[string]string{"version": "v3", CanonicalRevisionLabel: "r7"}, "r7", "v3"},
		{"recommended label alone: no version series",
			map[string]string{"app.kubernetes.io/version": "3.0.0"}, "3.0.0", "unknown"},
		{"present but empty: Istio takes it", map[string]string{CanonicalRevisionLabel: "", "version": "v3"}, "", "v3"},
		{"empty version reports unknown", map[string]string{"version": ""}, "", "unknown"},
	}
	for _, tt := range tests {
		if got := CanonicalRevision(tt.labels); got != tt.revision {
			t.Errorf("%s: CanonicalRevision = %q, want %q", tt.name, got, tt.revision)
		}
		if got := ReportedVersion(tt.labels); got != tt.version {
			t.Errorf("%s: ReportedVersion = %q, want %q", tt.name, got, tt.version)
		}
	}
}

func TestCanonicalName(t *testing.T) {
	tests := []struct {
		labels map[string]string
		want   string
	}{
		{nil, "reviews-v3"},
		{map[string]string{"app": "reviews"}, "reviews"},
		{map[string]string{"app": "reviews", "app.kubernetes.io/name": "rev"}, "rev"},
		{map[string]string{"app": "reviews", CanonicalNameLabel: "my-reviews"}, "my-reviews"},
	}
	for _, tt := range tests {
		if got := CanonicalName(tt.labels, "reviews-v3"); got != tt.want {
			t.Errorf("CanonicalName(%v) = %q, want %q", tt.labels, got, tt.want)
		}
	}
}

func TestHasSidecar(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		containers  []string
		want        bool
	}{
		{"none", nil, []string{"app"}, false},
		{"container", nil, []string{"app", "istio-proxy"}, true},
		{"native sidecar (init container)", nil, []string{"istio-init", "istio-proxy"}, true},
		{"status annotation, trimmed spec", map[string]string{"sidecar.istio.io/status": "{}"}, nil, true},
		{"other annotation", map[string]string{"sidecar.istio.io/inject": "true"}, []string{"app"}, false},
	}
	for _, tt := range tests {
		if got := HasSidecar(tt.annotations, tt.containers...); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestVersionOf(t *testing.T) {
	svc := map[string]string{"app": "reviews"}
	pods := []map[string]string{
		{"app": "reviews", "version": "v1", "track": "stable"},
		{"app": "reviews", "version": "v3", "track": "canary", "app.kubernetes.io/version": "3.0.0"},
		{"app": "reviews", "version": "v4", "track": "canary"},
		{"app": "ratings", "version": "v9", "track": "beta"},
		{"app": "reviews", "track": "nolabel"},
	}
	tests := []struct {
		name     string
		subset   string
		labels   map[string]string
		selector map[string]string
		want     SubsetVersion
	}{
		{"selects version: exact, whatever runs", "v3", map[string]string{"version": "v3"}, svc,
			SubsetVersion{Subset: "v3", Version: "v3", Source: VersionFromSubset}},
		{"selects another label: the pods' version", "stable", map[string]string{"track": "stable"}, svc,
			SubsetVersion{Subset: "stable", Version: "v1", Source: VersionFromWorkloads}},
		{"selects the canonical revision: the pods' version", "canary", map[string]string{"app.kubernetes.io/version": "3.0.0"}, svc,
			SubsetVersion{Subset: "canary", Version: "v3", Source: VersionFromWorkloads}},
		{"workloads disagree", "canary", map[string]string{"track": "canary"}, svc,
			SubsetVersion{Subset: "canary", Version: "v3", Source: VersionFromWorkloads, Others: []string{"v4"}}},
		{"the Service's selector applies", "beta", map[string]string{"track": "beta"}, svc,
			SubsetVersion{Subset: "beta", Version: "beta", Source: VersionAssumed}},
		{"pods without version report unknown", "x", map[string]string{"track": "nolabel"}, svc,
			SubsetVersion{Subset: "x", Version: "unknown", Source: VersionFromWorkloads}},
		{"nothing selected: the subset's name", "v7", map[string]string{"track": "gone"}, svc,
			SubsetVersion{Subset: "v7", Version: "v7", Source: VersionAssumed}},
		{"no selector at all selects nothing", "all", nil, nil,
			SubsetVersion{Subset: "all", Version: "all", Source: VersionAssumed}},
		{"an undefined subset (no labels) selects nothing", "v5", nil, svc,
			SubsetVersion{Subset: "v5", Version: "v5", Source: VersionAssumed}},
	}
	for _, tt := range tests {
		got := VersionOf(tt.subset, tt.labels, tt.selector, pods)
		if got.Subset != tt.want.Subset || got.Version != tt.want.Version || got.Source != tt.want.Source || !slices.Equal(got.Others, tt.want.Others) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestModelSubsetVersion(t *testing.T) {
	m := Build(objects(t, "track.yaml", `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v3, namespace: bookinfo}
spec:
  template:
    metadata:
      labels: {app: reviews, version: v3, track: canary}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other-v5, namespace: other}
spec:
  template:
    metadata:
      labels: {app: reviews, version: v5, track: canary}
`), "bookinfo")
	got := m.SubsetVersion("reviews.bookinfo.svc.cluster.local", "canary", map[string]string{"track": "canary"})
	if got.Version != "v3" || got.Source != VersionFromWorkloads || len(got.Others) != 0 {
		t.Errorf("got %+v, want v3 from the workloads of bookinfo only", got)
	}
	// A host the model has no Service for: the namespace's workloads,
	// selected by the subset's labels alone.
	m.Services = nil
	m.index = nil
	if got := m.SubsetVersion("reviews.bookinfo.svc.cluster.local", "canary", map[string]string{"track": "canary"}); got.Version != "v3" {
		t.Errorf("without Service: %+v, want v3", got)
	}
}
