package adapt

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
)

// fakeGetter holds one live VirtualService.
type fakeGetter struct{ u *unstructured.Unstructured }

func (f fakeGetter) Get(_ context.Context, _ schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	if f.u == nil || f.u.GetNamespace() != ns || f.u.GetName() != name {
		return nil, nil
	}
	return f.u, nil
}

// TestControlPlaneAsksForTheLiveVersion: istiod's recorded answers (from
// the lab; see internal/istiod/testdata) against live objects at the
// version istiod holds, a newer one, and a write after istiod's last push.
func TestControlPlaneAsksForTheLiveVersion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "../../istiod/testdata/"+strings.TrimPrefix(r.URL.Path, "/debug/")+".json")
	}))
	defer srv.Close()
	cl, err := istiod.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	vs := func(rv string, written time.Time) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("networking.istio.io/v1")
		u.SetKind("VirtualService")
		u.SetNamespace("bookinfo")
		u.SetName("reviews")
		u.SetResourceVersion(rv)
		at := metav1.NewTime(written)
		u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "argocd-controller", Time: &at}})
		return u
	}
	written := time.Date(2026, 12, 5, 10, 30, 51, 0, time.UTC)
	tests := []struct {
		name    string
		live    *unstructured.Unstructured
		applied bool
		summary string
		err     string
	}{
		{"istiod holds the live version, both proxies ACKed", vs("472", written), true, "2/2 proxies acknowledged", ""},
		{"the API server is ahead of istiod", vs("480", written), false, "istiod holds VirtualService bookinfo/reviews at resourceVersion 472, the API server at 480", ""},
		{"written after istiod's last push", vs("472", written.Add(2*time.Second)), false, "no route push since the write", ""},
		{"not live", nil, false, "", "VirtualService bookinfo/reviews is not live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := ControlPlane{Client: fakeGetter{tt.live}, Istiod: cl, Namespace: "bookinfo", Name: "reviews"}
			st, err := cp.Applied(context.Background())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || st.Applied != tt.applied || !strings.Contains(st.Summary, tt.summary) {
				t.Fatalf("%+v, err %v; want applied=%v with %q", st, err, tt.applied, tt.summary)
			}
		})
	}
}

var _ kube.Getter = fakeGetter{}
