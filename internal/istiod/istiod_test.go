package istiod

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func recorded(t *testing.T) ([]Config, []ProxySync) {
	t.Helper()
	var items []configzItem
	readJSON(t, "testdata/configz.json", &items)
	var syncs []ProxySync
	readJSON(t, "testdata/syncz.json", &syncs)
	return decodeConfigs(items), syncs
}

func readJSON(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// written is the recorded write of bookinfo/reviews (managedFields time).
var written = time.Date(2026, 12, 5, 10, 30, 51, 0, time.UTC)

func reviews(rv string, at time.Time) Want {
	return Want{Kind: "VirtualService", Namespace: "bookinfo", Name: "reviews", ResourceVersion: rv, WrittenAt: at}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		want    Want
		edit    func([]ProxySync) []ProxySync
		state   State
		acked   int
		pending []string // substrings of Pending, in order
	}{
		{name: "recorded: applied and acknowledged by both proxies", want: reviews("472", written), state: Applied, acked: 2},
		{name: "write time unknown", want: reviews("472", time.Time{}), state: Applied, acked: 2},
		{name: "istiod holds an older version", want: reviews("480", written), state: Pending,
			pending: []string{"istiod holds VirtualService bookinfo/reviews at resourceVersion 472, the API server at 480"}},
		{name: "istiod does not hold it", want: Want{Kind: "VirtualService", Namespace: "bookinfo", Name: "ratings", ResourceVersion: "1"},
			state: Pending, pending: []string{"istiod does not hold VirtualService bookinfo/ratings yet"}},
		{name: "kind must match", want: Want{Kind: "DestinationRule", Namespace: "bookinfo", Name: "reviews", ResourceVersion: "472"},
			state: Pending, pending: []string{"resourceVersion 445, the API server at 472"}},
		{name: "written after the last route push: push not sent yet", want: reviews("472", written.Add(time.Second)), state: Pending,
			pending: []string{"proxy gitshift-meshsim.default: no route push since the write at 2026-12-05T10:30:52Z",
				"proxy istio-ingressgateway.istio-system: no route push since"}},
		{name: "route push not acknowledged by one proxy", want: reviews("472", written), state: Pending, acked: 1,
			edit: func(s []ProxySync) []ProxySync {
				rt := s[0].Resources[RouteType]
				rt.Acked = "2026-12-05T10:30:26Z/5fc88ade4-7a47-4e0a-8956-9773ac644150"
				s[0].Resources[RouteType] = rt
				return s
			},
			pending: []string{"proxy gitshift-meshsim.default: RDS push 2026-12-05T10:30:51Z/7 not acknowledged"}},
		{name: "a proxy rejected a push", want: reviews("472", written), state: Pending, acked: 1,
			edit: func(s []ProxySync) []ProxySync {
				c := s[1].Resources[ClusterType]
				c.LastError = "bad cluster"
				s[1].Resources[ClusterType] = c
				return s
			},
			pending: []string{"proxy istio-ingressgateway.istio-system: rejected CDS push"}},
		{name: "a proxy without routes", want: reviews("472", written), state: Pending, acked: 1,
			edit: func(s []ProxySync) []ProxySync {
				delete(s[0].Resources, RouteType)
				return s
			},
			pending: []string{"proxy gitshift-meshsim.default: has no routes from istiod"}},
		{name: "no proxy connected", want: reviews("472", written), state: NoProxies,
			edit: func([]ProxySync) []ProxySync { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgs, syncs := recorded(t)
			if tt.edit != nil {
				syncs = tt.edit(syncs)
			}
			st := Evaluate(cfgs, syncs, tt.want)
			if st.State != tt.state || st.Acked != tt.acked && tt.state != NoProxies {
				t.Fatalf("state %s, %d/%d acked, pending %q; want %s with %d acked", st.State, st.Acked, st.Proxies, st.Pending, tt.state, tt.acked)
			}
			if len(st.Pending) != len(tt.pending) {
				t.Fatalf("pending %q, want %d lines like %q", st.Pending, len(tt.pending), tt.pending)
			}
			for i, p := range tt.pending {
				if !strings.Contains(st.Pending[i], p) {
					t.Errorf("pending[%d] = %q, want it to contain %q", i, st.Pending[i], p)
				}
			}
			if st.State == Applied && (st.PushVersion != "2026-12-05T10:30:51Z/7" || !strings.Contains(st.Summary(), "2/2 proxies")) {
				t.Errorf("push version %q, summary %q", st.PushVersion, st.Summary())
			}
		})
	}
}

func TestPushVersion(t *testing.T) {
	for nonce, want := range map[string]string{
		"2026-12-05T10:30:51Z/747754c30-47f8-421a-a6e0-6f8506ab6041":  "2026-12-05T10:30:51Z/7",
		"2026-12-05T10:30:51Z/1247754c30-47f8-421a-a6e0-6f8506ab6041": "2026-12-05T10:30:51Z/12",
		"":      "",
		"short": "short",
	} {
		if got := PushVersion(nonce); got != want {
			t.Errorf("PushVersion(%q) = %q, want %q", nonce, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "http://127.0.0.1:8080/debug/", want: "http://127.0.0.1:8080"},
		{in: " https://istiod.example:8080/ ", want: "https://istiod.example:8080"},
		{in: "127.0.0.1:8080", err: "want http://HOST:PORT"},
		{in: "grpc://127.0.0.1:15010", err: "want http://HOST:PORT"},
		{in: "http://", err: "want http://HOST:PORT"},
	}
	for _, tt := range tests {
		c, err := New(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("New(%q): error %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("New(%q): %v", tt.in, err)
		case tt.err == "" && c.URL() != tt.want:
			t.Errorf("New(%q).URL() = %q, want %q", tt.in, c.URL(), tt.want)
		}
	}
}

// TestClientHTTP serves the recorded answers the way istiod does.
func TestClientHTTP(t *testing.T) {
	files := map[string]string{"/debug/configz": "testdata/configz.json", "/debug/syncz": "testdata/syncz.json"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, f)
	}))
	defer srv.Close()
	ctx := context.Background()

	c, err := New(srv.URL + "/debug")
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, reviews("472", written))
	if err != nil || st.State != Applied || st.Proxies != 2 {
		t.Fatalf("status %+v, err %v; want applied by 2 proxies", st, err)
	}

	files["/debug/syncz"] = "testdata/README.md" // not JSON
	if _, err := c.Sync(ctx); err == nil || !strings.Contains(err.Error(), "not the JSON istiod serves") {
		t.Errorf("syncz not JSON: %v", err)
	}
	delete(files, "/debug/configz")
	if _, err := c.Configs(ctx); err == nil || !strings.Contains(err.Error(), "HTTP 404") || errors.Is(err, ErrUnreachable) {
		t.Errorf("configz 404: %v", err)
	}

	srv.Close()
	if _, err := c.Configs(ctx); !errors.Is(err, ErrUnreachable) {
		t.Errorf("closed server: %v, want ErrUnreachable", err)
	}
}

func TestWantFor(t *testing.T) {
	u := &unstructured.Unstructured{}
	u.SetKind("VirtualService")
	u.SetNamespace("bookinfo")
	u.SetName("reviews")
	u.SetResourceVersion("472")
	created := metav1.NewTime(written.Add(-time.Hour))
	u.SetCreationTimestamp(created)
	same := func(a, b Want) bool {
		return a.WrittenAt.Equal(b.WrittenAt) && a.ref() == b.ref() && a.ResourceVersion == b.ResourceVersion
	}
	if got := WantFor(u); !same(got, reviews("472", created.Time)) {
		t.Errorf("without managedFields: %+v, want the creation time", got)
	}
	older, newer := metav1.NewTime(written.Add(-time.Minute)), metav1.NewTime(written)
	u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "argocd-controller", Time: &newer}, {Manager: "kubectl", Time: &older}})
	if got := WantFor(u); !same(got, reviews("472", written)) {
		t.Errorf("with managedFields: %+v, want the newest write", got)
	}
	status := metav1.NewTime(written.Add(time.Minute))
	u.SetManagedFields(append(u.GetManagedFields(), metav1.ManagedFieldsEntry{Manager: "pilot-discovery", Subresource: "status", Time: &status}))
	if got := WantFor(u); !same(got, reviews("472", written)) {
		t.Errorf("with a later status write: %+v, want the newest spec write", got)
	}
}
