package lab

import (
	"context"
	"maps"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/gitshift/gitshift/internal/meshsim"
)

func TestFaultValue(t *testing.T) {
	bad := meshsim.DefaultProfile
	bad.ErrorRate = 1.5
	tests := []struct {
		name, key string
		p         meshsim.Profile
		want      string // substring of the value, or of the error
		wantErr   bool
	}{
		{name: "versioned key", key: "reviews.v3", p: meshsim.Profile{ErrorRate: 0.05, ErrorCode: 500, LatencyMs: meshsim.Latency{P50: 10, P99: 50}},
			want: `{"errorRate":0.05,"errorCode":500,"latencyMs":{"p50":10,"p99":50}}`},
		{name: "default key", key: "default", p: meshsim.DefaultProfile, want: `"errorRate":0`},
		{name: "rate above 1", key: "reviews.v3", p: bad, want: "errorRate 1.5 not in [0,1]", wantErr: true},
		{name: "misroute is not a profile", key: "misroute", p: meshsim.DefaultProfile, want: "want <app>.<version>", wantErr: true},
		{name: "empty key", key: "", p: meshsim.DefaultProfile, want: "want <app>.<version>", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FaultValue(tt.key, tt.p)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func fakeCluster(objs ...runtime.Object) *Cluster {
	kinds := map[schema.GroupVersionResource]string{ConfigMapGVR: "ConfigMapList", PodGVR: "PodList"}
	return &Cluster{Dynamic: dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), kinds, objs...)}
}

func TestUpdateFaults(t *testing.T) {
	ctx := context.Background()
	c := fakeCluster()
	// Clearing before Argo CD created the namespace: nothing to do, no error.
	if err := c.UpdateFaults(ctx, "bookinfo", nil, []string{"reviews.v3"}, true); err != nil {
		t.Fatalf("clearing without a ConfigMap: %v", err)
	}
	if _, err := c.Dynamic.Resource(ConfigMapGVR).Namespace("bookinfo").Get(ctx, "mesh-faults", metav1.GetOptions{}); err == nil {
		t.Fatal("clearing created the ConfigMap")
	}
	v3, _ := FaultValue("reviews.v3", meshsim.Profile{ErrorRate: 0.05, ErrorCode: 500, LatencyMs: meshsim.Latency{P50: 10, P99: 50}})
	v1, _ := FaultValue("reviews.v1", meshsim.Profile{ErrorRate: 0.005, ErrorCode: 500, LatencyMs: meshsim.Latency{P50: 10, P99: 50}})
	steps := []struct {
		name      string
		set       map[string]string
		remove    []string
		removeAll bool
		want      map[string]string
	}{
		{name: "creates the ConfigMap", set: map[string]string{"reviews.v3": v3}, want: map[string]string{"reviews.v3": v3}},
		{name: "keeps other keys", set: map[string]string{"reviews.v1": v1}, want: map[string]string{"reviews.v3": v3, "reviews.v1": v1}},
		{name: "removes one key", remove: []string{"reviews.v3"}, want: map[string]string{"reviews.v1": v1}},
		{name: "removing an absent key is fine", remove: []string{"ratings"}, want: map[string]string{"reviews.v1": v1}},
		{name: "removes all", removeAll: true, want: map[string]string{}},
	}
	for _, s := range steps {
		if err := c.UpdateFaults(ctx, "bookinfo", s.set, s.remove, s.removeAll); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := c.faultData(ctx, "bookinfo")
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !maps.Equal(got, s.want) {
			t.Errorf("%s: data %v, want %v", s.name, got, s.want)
		}
	}
}

func TestFaultsListsProfilesAndOthers(t *testing.T) {
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "mesh-faults", "namespace": "bookinfo"},
		"data": map[string]any{
			"reviews.v3": `{"errorRate":0.05}`,
			"default":    `{"latencyMs":{"p50":20,"p99":80}}`,
			"misroute":   `{"reviews":{"percent":20}}`,
			"broken":     `{`,
		}}}
	faults, other, err := fakeCluster(cm).Faults(context.Background(), "bookinfo")
	if err != nil {
		t.Fatal(err)
	}
	if len(faults) != 2 || faults[0].Key != "default" || faults[1].Key != "reviews.v3" {
		t.Fatalf("faults %+v", faults)
	}
	// Absent fields take the simulator's defaults.
	if p := faults[1].Profile; p.ErrorRate != 0.05 || p.ErrorCode != 500 || p.LatencyMs.P50 != 10 {
		t.Errorf("reviews.v3 %+v", p)
	}
	if len(other) != 2 || other["misroute"] == "" || other["broken"] != "{" {
		t.Errorf("other %v", other)
	}
	none, _, err := fakeCluster().Faults(context.Background(), "bookinfo")
	if err != nil || len(none) != 0 {
		t.Errorf("no ConfigMap: %v, %v", none, err)
	}
}

func TestFaultTargets(t *testing.T) {
	pod := func(name, app, version string) runtime.Object {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": name, "namespace": "bookinfo", "labels": map[string]any{"app": app, "version": version}}}}
	}
	c := fakeCluster(pod("reviews-v1-a", "reviews", "v1"), pod("reviews-v3-a", "reviews", "v3"), pod("ratings-v1-a", "ratings", "v1"))
	for key, want := range map[string]int{"reviews.v3": 1, "reviews": 2, "default": 3, "review.v3": 0, "reviews.v2": 0} {
		got, err := c.FaultTargets(context.Background(), "bookinfo", key)
		if err != nil || got != want {
			t.Errorf("%s: %d pods, %v; want %d", key, got, err, want)
		}
	}
}
