package adapt

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/gitshift/gitshift/internal/argocd"
)

// TestSyncRefreshesOncePerCommit: the controller slices a sync wait into
// short calls; with Refreshed the Application gets one refresh per commit,
// not one per call.
func TestSyncRefreshesOncePerCommit(t *testing.T) {
	app := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "bookinfo", "namespace": "argocd"}}}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{argocd.GVR: "ApplicationList"}, app)
	patches := 0
	dyn.PrependReactor("patch", "applications", func(k8stesting.Action) (bool, runtime.Object, error) { patches++; return false, nil, nil })
	for _, tc := range []struct {
		memo *Refreshed
		want int
	}{{nil, 6}, {&Refreshed{}, 2}} {
		patches = 0
		s := Sync{Reader: argocd.Reader{Client: dyn}, Namespace: "argocd", App: "bookinfo", Refreshed: tc.memo}
		for _, sha := range []string{"aaa", "aaa", "aaa", "bbb", "bbb", "bbb"} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_ = s.WaitSynced(ctx, sha, time.Now())
			cancel()
		}
		if patches != tc.want {
			t.Errorf("memo %v: %d refreshes, want %d", tc.memo != nil, patches, tc.want)
		}
	}
}

// TestSyncRefreshAtPushIsNotRepeated: the engine refreshes at the push; the
// wait that follows does not patch again, unless the push's refresh failed.
func TestSyncRefreshAtPushIsNotRepeated(t *testing.T) {
	app := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "bookinfo", "namespace": "argocd"}}}
	for _, tc := range []struct {
		name      string
		failFirst bool
		want      int
	}{{"refreshed at push", false, 1}, {"refresh at push failed", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{argocd.GVR: "ApplicationList"}, app.DeepCopy())
			patches := 0
			dyn.PrependReactor("patch", "applications", func(k8stesting.Action) (bool, runtime.Object, error) {
				patches++
				if tc.failFirst && patches == 1 {
					return true, nil, errors.New("etcdserver: request timed out")
				}
				return false, nil, nil
			})
			s := Sync{Reader: argocd.Reader{Client: dyn}, Namespace: "argocd", App: "bookinfo", Refreshed: &Refreshed{}}
			err := s.Refresh(context.Background(), "aaa")
			if (err != nil) != tc.failFirst {
				t.Fatalf("Refresh: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			_ = s.WaitSynced(ctx, "aaa", time.Now())
			if patches != tc.want {
				t.Errorf("%d patches, want %d", patches, tc.want)
			}
		})
	}
}
