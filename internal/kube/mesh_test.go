package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/mesh"
)

// decode turns YAML documents into runtime objects for the fake clients.
func decode(t *testing.T, docs ...string) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

const (
	trackDR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets:
  - {name: stable, labels: {track: stable}}
  - {name: canary, labels: {track: canary}}`
	reviewsSvc = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec: {selector: {app: reviews}}`
	canaryDeploy = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v3, namespace: bookinfo}
spec: {template: {metadata: {labels: {app: reviews, version: v3, track: canary}}}}`
	twoRoutesVS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - {name: testers, match: [{headers: {x-canary: {exact: "1"}}}], route: [{destination: {host: reviews, subset: canary}}]}
  - name: split
    route: [{destination: {host: reviews, subset: stable}, weight: 80}, {destination: {host: reviews, subset: canary}, weight: 20}]`
)

func TestLiveModelResolvesSubsetVersion(t *testing.T) {
	c := fakeClient(t, decode(t, trackDR, reviewsSvc, canaryDeploy)...)
	m, err := LiveModel(context.Background(), c, "bookinfo", "bookinfo")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.DestinationRules) != 1 || len(m.Services) != 1 || len(m.Workloads) != 1 {
		t.Fatalf("model: %d DRs, %d Services, %d workloads; want 1 each (StatefulSets etc. not served: skipped)",
			len(m.DestinationRules), len(m.Services), len(m.Workloads))
	}
	const host = "reviews.bookinfo.svc.cluster.local"
	_, info, ok := m.Subset(host, "canary")
	if !ok {
		t.Fatal("subset canary not found")
	}
	if got := m.SubsetVersion(host, "canary", info.Labels); got.Version != "v3" || got.Source != mesh.VersionFromWorkloads {
		t.Errorf("canary: %+v, want v3 from the workloads", got)
	}
	if got := m.SubsetVersion(host, "stable", map[string]string{"track": "stable"}); got.Source != mesh.VersionAssumed {
		t.Errorf("stable has no workload: %+v, want assumed", got)
	}
}

func TestLiveModelKeepsErrors(t *testing.T) {
	_, err := LiveModel(context.Background(), failingLister{}, "bookinfo")
	if !IsUnreachable(err) || !strings.Contains(err.Error(), "DestinationRules in bookinfo") {
		t.Fatalf("err = %v, want the unreachable error with what was listed", err)
	}
}

type failingLister struct{}

func (failingLister) List(context.Context, schema.GroupVersionKind, string) ([]unstructured.Unstructured, error) {
	return nil, &UnreachableError{Host: "https://h", Err: errors.New("refused")}
}

func TestLiveRoute(t *testing.T) {
	c := fakeClient(t, decode(t, twoRoutesVS)...)
	ctx := context.Background()
	for route, want := range map[string]map[string]int32{"": {"stable": 80, "canary": 20}, "split": {"stable": 80, "canary": 20}, "testers": {"canary": 100}, "0": {"canary": 100}} {
		r, err := LiveRoute(ctx, c, "bookinfo", "reviews", route)
		if err != nil {
			t.Fatalf("route %q: %v", route, err)
		}
		got := r.SubsetWeights()
		if len(got) != len(want) || got["stable"] != want["stable"] || got["canary"] != want["canary"] {
			t.Errorf("route %q: %v, want %v", route, got, want)
		}
	}
	var se *mesh.RouteSelectionError
	if _, err := LiveRoute(ctx, c, "bookinfo", "reviews", "nope"); !errors.As(err, &se) {
		t.Errorf("unknown route: %v, want *mesh.RouteSelectionError", err)
	}
	if _, err := LiveRoute(ctx, c, "bookinfo", "ratings", ""); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing VirtualService: %v", err)
	}
}

// TestWaitRoute: the new weights arrive through the watch; a wait that
// ends first returns the last route it saw with the context's error.
func TestWaitRoute(t *testing.T) {
	c := fakeClient(t, decode(t, twoRoutesVS)...)
	dyn := c.Dynamic.(*dynamicfake.FakeDynamicClient)
	gets := 0
	dyn.PrependReactor("get", "virtualservices", func(k8stesting.Action) (bool, runtime.Object, error) { gets++; return false, nil, nil })
	dyn.PrependWatchReactor("virtualservices", func(k8stesting.Action) (bool, watch.Interface, error) {
		fw := watch.NewFakeWithChanSize(1, false)
		fw.Modify(decode(t, strings.ReplaceAll(strings.ReplaceAll(twoRoutesVS, "80", "50"), "20}", "50}"))[0])
		return true, fw, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	canary := func(w int32) func(mesh.Route) bool {
		return func(r mesh.Route) bool { return r.SubsetWeights()["canary"] == w }
	}
	r, err := c.WaitRoute(ctx, "bookinfo", "reviews", "split", canary(50), nil)
	if err != nil || r.SubsetWeights()["stable"] != 50 || gets != 1 {
		t.Fatalf("WaitRoute = %v, %v after %d reads; want 50/50 from the watch after 1 read", r.SubsetWeights(), err, gets)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	r, err = c.WaitRoute(short, "bookinfo", "reviews", "split", canary(7), nil)
	if !errors.Is(err, context.DeadlineExceeded) || r.SubsetWeights()["canary"] != 50 {
		t.Errorf("WaitRoute = %v, %v; want the last route (50) and DeadlineExceeded", r.SubsetWeights(), err)
	}
}
