package argocd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func fixtureObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(y, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetResourceVersion("")
	return u
}

func fakeReader(t *testing.T, objs ...runtime.Object) Reader {
	t.Helper()
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{GVR: "ApplicationList"}, objs...)
	return Reader{Client: dyn}
}

func TestGetAndNotFound(t *testing.T) {
	r := fakeReader(t, fixtureObject(t, "all-good.yaml"))
	ctx := context.Background()
	app, err := r.Get(ctx, "argocd", "bookinfo")
	if err != nil {
		t.Fatal(err)
	}
	if !Assess(app, headSHA, pushedAt).Live {
		t.Error("all-good read through the client is not live")
	}
	_, err = r.Get(ctx, "argocd", "nope")
	if !IsNotFound(err) {
		t.Errorf("err = %v, want NotFoundError", err)
	}
}

func TestRefreshSetsAnnotationOnly(t *testing.T) {
	r := fakeReader(t, fixtureObject(t, "older-revision.yaml"))
	ctx := context.Background()
	if err := r.Refresh(ctx, "argocd", "bookinfo", RefreshHard); err != nil {
		t.Fatal(err)
	}
	u, err := r.Client.Resource(GVR).Namespace("argocd").Get(ctx, "bookinfo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.GetAnnotations()[RefreshAnnotation]; got != "hard" {
		t.Errorf("annotation = %q, want hard", got)
	}
	if rev, _, _ := unstructured.NestedString(u.Object, "status", "sync", "revision"); rev == headSHA {
		t.Error("refresh must not touch status")
	}
	if err := r.Refresh(ctx, "argocd", "nope", ""); !IsNotFound(err) {
		t.Errorf("err = %v, want NotFoundError", err)
	}
}

func TestWaitForRevision(t *testing.T) {
	r := fakeReader(t, fixtureObject(t, "older-revision.yaml"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	good := fixtureObject(t, "all-good.yaml")
	// The fake's watch only sees changes made after it opens: keep writing
	// the reconciled status, as the controller would on each reconcile.
	go func() {
		for ctx.Err() == nil {
			_, _ = r.Client.Resource(GVR).Namespace("argocd").Update(ctx, good.DeepCopy(), metav1.UpdateOptions{})
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var seen []Assessment
	a, err := r.WaitForRevision(ctx, "argocd", "bookinfo", headSHA, pushedAt, func(a Assessment) { seen = append(seen, a) })
	if err != nil || !a.Live {
		t.Fatalf("WaitForRevision = %v, %v", a.Summary(), err)
	}
	if len(seen) == 0 {
		t.Error("progress never called")
	}
}

func TestWaitForRevisionTimeout(t *testing.T) {
	r := fakeReader(t, fixtureObject(t, "older-revision.yaml"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	a, err := r.WaitForRevision(ctx, "argocd", "bookinfo", headSHA, pushedAt, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if !a.Has(ReasonRevisionMismatch) {
		t.Errorf("last assessment = %s, want RevisionMismatch", a.Summary())
	}
}

// TestWaitForRevisionWatches: the reconciled status arrives through a watch
// opened at the version read; one read, and no poll (the fallback interval
// is an hour: a poller would time out).
func TestWaitForRevisionWatches(t *testing.T) {
	old := PollInterval
	PollInterval = time.Hour
	defer func() { PollInterval = old }()
	for _, tc := range []struct {
		name    string
		event   watch.EventType
		wantErr bool
	}{
		{"synced", watch.Modified, false},
		{"deleted", watch.Deleted, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fixtureObject(t, "older-revision.yaml")
			app.SetResourceVersion("41")
			r := fakeReader(t, app)
			dyn := r.Client.(*dynamicfake.FakeDynamicClient)
			gets, from := 0, ""
			dyn.PrependReactor("get", "applications", func(k8stesting.Action) (bool, runtime.Object, error) { gets++; return false, nil, nil })
			dyn.PrependWatchReactor("applications", func(a k8stesting.Action) (bool, watch.Interface, error) {
				from = a.(k8stesting.WatchActionImpl).WatchRestrictions.ResourceVersion
				fw := watch.NewFakeWithChanSize(1, false)
				fw.Action(tc.event, fixtureObject(t, "all-good.yaml"))
				return true, fw, nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a, err := r.WaitForRevision(ctx, "argocd", "bookinfo", headSHA, pushedAt, nil)
			if tc.wantErr {
				if !IsNotFound(err) {
					t.Fatalf("err = %v, want NotFoundError", err)
				}
				return
			}
			if err != nil || !a.Live {
				t.Fatalf("WaitForRevision = %s, %v", a.Summary(), err)
			}
			if gets != 1 || from != "41" {
				t.Errorf("%d reads, watch from %q; want 1 read and a watch from 41", gets, from)
			}
		})
	}
}
