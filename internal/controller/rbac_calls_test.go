package controller

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/kube/kubetest"
	"github.com/gitshift/gitshift/internal/mesh"
)

// TestRulesCoverTheLiveWait runs the live reads a step makes after its
// commit synced (kube.LiveRoute, then kube.Client.WaitRoute until the new
// weights are applied) against fakes that record every API call, and fails
// when Rules does not grant one of them. Without `watch` on VirtualServices
// the API server refuses the watch and every step's live wait degrades to a
// 1 s poll.
func TestRulesCoverTheLiveWait(t *testing.T) {
	vs := func(canary int) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		y := strings.ReplaceAll(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo, resourceVersion: "1"}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: STABLE}
    - {destination: {host: reviews, subset: v3}, weight: CANARY}
`, "CANARY", strconv.Itoa(canary))
		y = strings.ReplaceAll(y, "STABLE", strconv.Itoa(100-canary))
		if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
			t.Fatal(err)
		}
		return u
	}
	c := kubetest.Client("https://fake", nil, []schema.GroupVersionKind{kubetest.VirtualService}, vs(5))
	dyn := c.Dynamic.(*dynamicfake.FakeDynamicClient)

	var mu sync.Mutex
	var calls []k8stesting.Action
	dyn.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, a)
		return false, nil, nil
	})
	dyn.PrependWatchReactor("*", func(a k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		calls = append(calls, a)
		mu.Unlock()
		fw := watch.NewFakeWithChanSize(1, false)
		fw.Modify(vs(25))
		return true, fw, nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kube.LiveRoute(ctx, c, "bookinfo", "reviews", ""); err != nil {
		t.Fatal(err)
	}
	r, err := c.WaitRoute(ctx, "bookinfo", "reviews", "", func(r mesh.Route) bool { return r.SubsetWeights()["v3"] == 25 }, nil)
	if err != nil || r.SubsetWeights()["v3"] != 25 {
		t.Fatalf("WaitRoute = %v, %v; want v3 at 25 from the watch", r.SubsetWeights(), err)
	}

	mu.Lock()
	defer mu.Unlock()
	verbs := map[string]bool{}
	for _, a := range calls {
		res := a.GetResource()
		if !allowed(res.Group, res.Resource, a.GetVerb()) {
			t.Errorf("%s %s.%s is not granted by controller.Rules (docs/controller-rbac.md)", a.GetVerb(), res.Resource, res.Group)
		}
		verbs[a.GetVerb()] = true
	}
	if !verbs["get"] || !verbs["watch"] {
		t.Errorf("recorded verbs %v; want the get and the watch the live wait makes", verbs)
	}
}

func allowed(group, resource, verb string) bool {
	for _, r := range Rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}
