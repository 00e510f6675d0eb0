package wire

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/kube/kubetest"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/testenv"
	"github.com/gitshift/gitshift/internal/verify"
)

func object(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// fakeCluster is a kube.Client over client-go's fakes at host; the subset →
// version rule reads Services and workloads too (kube.LiveModel).
func fakeCluster(host string, objs ...runtime.Object) *kube.Client {
	return kubetest.Client(host, nil, []schema.GroupVersionKind{kubetest.Application, kubetest.VirtualService,
		kubetest.DestinationRule, kubetest.Service, kubetest.Deployment}, objs...)
}

func application(t *testing.T, repo, server string) *unstructured.Unstructured {
	return object(t, fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: bookinfo, namespace: gitops}
spec:
  project: default
  source: {repoURL: %q, targetRevision: main, path: ., directory: {recurse: true}}
  destination: {server: %q, namespace: bookinfo}
`, repo, server))
}

// The live routing in the destination cluster: the canary subset selects
// its pods by version v3-canary, so its series carry that label.
const liveVS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v3}, weight: 20}
`

const liveDR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v3, labels: {version: v3-canary}}
`

// localRepo is a bare repository holding the Bookinfo example, on disk.
func localRepo(t *testing.T) string {
	t.Helper()
	testenv.NeedGit(t)
	work, bare := t.TempDir(), filepath.Join(t.TempDir(), "bookinfo.git")
	src := "../../../examples/bookinfo-gitops"
	files := map[string]string{}
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(src, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	gittest.WriteFiles(t, work, files)
	gittest.Git(t, work, "init", "-q", "-b", "main")
	gittest.Git(t, work, "add", ".")
	gittest.Git(t, work, "commit", "-q", "-m", "initial")
	gittest.Git(t, work, "clone", "-q", "--bare", work, bare)
	return bare
}

// fakeProm answers raw-sample queries: 100 v1 requests and 30 v3-canary
// requests (3 of them 5xx) within the window, and records each query.
type fakeProm struct {
	mu      sync.Mutex
	queries []string
}

func (f *fakeProm) serve(t *testing.T, start time.Time) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		q := r.Form.Get("query")
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		result := ""
		if !strings.Contains(q, "_bucket") {
			t0, t1, t2 := start.Add(-5*time.Second).Unix(), start.Add(5*time.Second).Unix(), start.Add(20*time.Second).Unix()
			series := func(version, code string, before, after int) string {
				return fmt.Sprintf(`{"metric":{"destination_version":%q,"response_code":%q},"values":[[%d,"%d"],[%d,"%d"],[%d,"%d"]]}`,
					version, code, t0, before, t1, before, t2, after)
			}
			result = strings.Join([]string{series("v1", "200", 1000, 1100), series("v3-canary", "200", 50, 77), series("v3-canary", "503", 0, 3)}, ",")
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[%s]}}`, result)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testPolicy(t *testing.T) *policy.CanaryPolicy {
	t.Helper()
	p, err := policy.Complete(policy.CanaryPolicy{}, policy.Overrides{Application: "bookinfo", ArgoCDNamespace: "gitops",
		VirtualService: &policy.ObjectRef{Namespace: "bookinfo", Name: "reviews"}, StableSubset: "v1", CanarySubset: "v3"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type recordSink struct{ events []rollout.Event }

func (r *recordSink) Emit(_ context.Context, ev rollout.Event) { r.events = append(r.events, ev) }

// TestBuildWiresTheRightClusters: the Application is read in Argo CD's
// cluster (its repoURL and branch become the rollout's Git), the live
// routing, the Lease and the metrics target come from the destination
// cluster, Events go to the Application's namespace, and the counters ask
// Prometheus for the route's host and the subsets' version labels.
func TestBuildWiresTheRightClusters(t *testing.T) {
	ctx := context.Background()
	repo := localRepo(t)
	argo := fakeCluster("https://argocd.example", application(t, repo, "https://prod.example"))
	dest := fakeCluster("https://prod.example", object(t, liveVS), object(t, liveDR))
	var opened []string
	start := time.Now().Add(-time.Minute)
	prom := &fakeProm{}
	sink := &recordSink{}
	cfg := Config{Policy: testPolicy(t), ID: "r1", PrometheusURL: prom.serve(t, start).URL, Identity: "tester@host:1",
		Kube: Kube{Kubeconfig: "/nonexistent/kubeconfig", DestinationContext: "prod"}, Events: sink,
		Git: Git{Env: gittest.Env},
		Clients: Clients{Cluster: argo, OpenContext: func(name string) (*kube.Client, error) {
			opened = append(opened, name)
			return dest, nil
		}}}
	r, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	if r.Git.Repo != repo || r.Git.Branch != "main" || r.Git.App != "bookinfo" || r.Git.VirtualService != "bookinfo/reviews" {
		t.Errorf("Git = %s@%s app %s vs %s, want the Application's source", r.Git.Repo, r.Git.Branch, r.Git.App, r.Git.VirtualService)
	}
	if len(opened) != 1 || opened[0] != "prod" || r.Destination != dest || r.Cluster != argo {
		t.Fatalf("opened %v; destination is dest: %v", opened, r.Destination == dest)
	}
	if r.Target.Host != "reviews.bookinfo.svc.cluster.local" || r.Target.Versions["v3"] != "v3-canary" || r.Target.Versions["v1"] != "v1" {
		t.Errorf("target %+v", r.Target)
	}

	live, err := r.Deps.Live.Weights(ctx)
	if err != nil || live["v1"] != 80 || live["v3"] != 20 {
		t.Errorf("live weights %v %v, want the destination's 80/20", live, err)
	}

	canary, baseline, err := r.Deps.Counters.Counts(ctx, start, start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if canary.Requests != 30 || canary.Errors != 3 || baseline.Requests != 100 || baseline.Errors != 0 {
		t.Errorf("counts canary %+v baseline %+v", canary, baseline)
	}
	for _, q := range prom.queries {
		if !strings.Contains(q, `reporter="destination",destination_service="reviews.bookinfo.svc.cluster.local"`) {
			t.Errorf("query without the route's host and reporter: %s", q)
		}
	}

	if err := r.Deps.Lease.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := dest.Core.CoordinationV1().Leases("bookinfo").Get(ctx, "gitshift-reviews", metav1.GetOptions{})
	if err != nil || *l.Spec.HolderIdentity != "tester@host:1" {
		t.Fatalf("lease in the destination: %v", err)
	}
	if _, err := argo.Core.CoordinationV1().Leases("bookinfo").Get(ctx, "gitshift-reviews", metav1.GetOptions{}); err == nil {
		t.Error("lease taken in Argo CD's cluster")
	}
	_ = r.Deps.Lease.Release(ctx)

	r.Deps.Events.Emit(ctx, rollout.Event{Time: time.Now(), Rollout: "r1", Type: rollout.EventCommit, Step: 1, Steps: 4, SHA: "abc"})
	evs, err := argo.Core.CoreV1().Events("gitops").List(ctx, metav1.ListOptions{})
	if err != nil || len(evs.Items) != 1 || evs.Items[0].InvolvedObject.Name != "bookinfo" || evs.Items[0].Type != corev1.EventTypeNormal {
		t.Errorf("Events in gitops: %+v %v", evs, err)
	}
	if len(sink.events) != 1 {
		t.Errorf("the caller's sink got %d events", len(sink.events))
	}

	// Sync refreshes the Application in Argo CD's namespace.
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_ = r.Deps.Sync.WaitSynced(wctx, "abc", time.Now())
	app, err := argo.Dynamic.Resource(argocd.GVR).Namespace("gitops").Get(ctx, "bookinfo", metav1.GetOptions{})
	if err != nil || app.GetAnnotations()[argocd.RefreshAnnotation] == "" {
		t.Errorf("no refresh annotation on gitops/bookinfo: %v", err)
	}

	st, err := r.State(ctx, "")
	if err != nil || st.Found || st.HeadSHA == "" {
		t.Errorf("state from the Application's repository: %+v %v", st, err)
	}
	if _, err := r.Engine(); err != nil {
		t.Errorf("engine: %v", err)
	}
}

// TestOpenWithoutCluster: status and signals with a repository given never
// touch a cluster (the kubeconfig here does not exist).
func TestOpenWithoutCluster(t *testing.T) {
	repo := localRepo(t)
	e, err := Open(context.Background(), Config{Policy: testPolicy(t), Kube: Kube{Kubeconfig: "/nonexistent"}, Git: Git{Repo: repo, Env: gittest.Env}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Cluster != nil || e.Live() != nil || e.Git.Repo != repo || e.Git.Branch != "" {
		t.Errorf("env %+v", e)
	}
}

func TestBuildErrors(t *testing.T) {
	const inCluster = "https://kubernetes.default.svc"
	tests := []struct {
		name  string
		app   *unstructured.Unstructured // nil: none
		cfg   func(*Config)
		kind  errkind.Kind
		check func(error) bool
	}{
		{"no Application", nil, nil, errkind.Invalid, argocd.IsNotFound},
		{"Application without a Git source", object(t, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: bookinfo, namespace: gitops}
spec: {source: {repoURL: "https://charts.example.com", chart: reviews}, destination: {server: "`+inCluster+`"}}
`), nil, errkind.Usage, func(err error) bool { return errors.Is(err, ErrNoRepository) }},
		{"destination elsewhere, no context", application(t, "/repo", "https://prod.example"), nil, errkind.Unavailable,
			func(err error) bool { var de *verify.DestinationError; return errors.As(err, &de) }},
		{"no Prometheus", application(t, "/repo", inCluster), func(c *Config) { c.PrometheusURL = "" }, errkind.Usage,
			func(err error) bool { return errors.Is(err, ErrNoPrometheus) }},
		{"bad Prometheus URL", application(t, "/repo", inCluster), func(c *Config) { c.PrometheusURL = "not a url" }, errkind.Usage,
			func(err error) bool { return strings.Contains(err.Error(), "invalid Prometheus URL") }},
		{"no policy", nil, func(c *Config) { c.Policy = nil }, errkind.Usage, func(error) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []runtime.Object
			if tt.app != nil {
				objs = append(objs, tt.app)
			}
			cfg := Config{Policy: testPolicy(t), PrometheusURL: "http://127.0.0.1:1", Clients: Clients{Cluster: fakeCluster(inCluster, objs...)}}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			r, err := Build(context.Background(), cfg)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if errkind.Of(err) != tt.kind || !tt.check(err) {
				t.Errorf("err %v: kind %s, want %s", err, errkind.Of(err), tt.kind)
			}
		})
	}
}
