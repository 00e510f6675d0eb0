package verify

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/yaml"
	kubefake "k8s.io/client-go/kubernetes/fake"
	sigyaml "sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/kube/kubetest"
)

const headSHA = "4b7e2d0c9a1f3e5b6d8c0a2e4f6b8d0c2e4a6b8d"

var commitTime = time.Date(2025, 6, 2, 10, 0, 20, 0, time.UTC)

// fakeApps serves one Application; Refresh switches it to afterRefresh, as
// the controller would on reconcile.
type fakeApps struct {
	app          argocd.AppStatus
	err          error
	afterRefresh *argocd.AppStatus
	refreshed    argocd.RefreshType
}

func (f *fakeApps) Get(_ context.Context, ns, name string) (argocd.AppStatus, error) {
	if f.err != nil {
		return argocd.AppStatus{}, f.err
	}
	if ns != f.app.Namespace || name != f.app.Name {
		return argocd.AppStatus{}, &argocd.NotFoundError{Namespace: ns, Name: name}
	}
	return f.app, nil
}

func (f *fakeApps) Refresh(_ context.Context, _, _ string, t argocd.RefreshType) error {
	f.refreshed = t
	if f.afterRefresh != nil {
		f.app = *f.afterRefresh
	}
	return nil
}

func (f *fakeApps) WaitForRevision(ctx context.Context, _, _, sha string, pushedAt time.Time, progress func(argocd.Assessment)) (argocd.Assessment, error) {
	a := argocd.Assess(f.app, sha, pushedAt)
	progress(a)
	if a.Live {
		return a, nil
	}
	<-ctx.Done()
	return a, fmt.Errorf("waiting: %w", ctx.Err())
}

type fakeGit struct{ dir string }

func (g fakeGit) Checkout(_ context.Context, repo, rev string) (Checkout, error) {
	return Checkout{Dir: g.dir, Repo: repo, Revision: rev, SHA: headSHA, Time: commitTime}, nil
}

// fakeProm answers Window's raw-sample queries with one series per
// version and code: a sample before the window, one just after its start
// (a scrape) and one at its end.
type fakeProm struct {
	window  time.Duration
	ok, bad map[string]int64 // per version: 2xx and 5xx requests in the window
	err     error
}

func (p fakeProm) Query(_ context.Context, q string, at time.Time) (model.Value, error) {
	if p.err != nil {
		return nil, p.err
	}
	before := model.TimeFromUnixNano(at.Add(-p.window - 5*time.Second).UnixNano())
	first := model.TimeFromUnixNano(at.Add(-p.window + time.Second).UnixNano())
	end := model.TimeFromUnixNano(at.UnixNano())
	series := func(lbl model.Metric, n int64) *model.SampleStream {
		lbl["reporter"], lbl["destination_service"] = "destination", "reviews.bookinfo.svc.cluster.local"
		return &model.SampleStream{Metric: lbl, Values: []model.SamplePair{
			{Timestamp: before, Value: 1000}, {Timestamp: first, Value: 1000}, {Timestamp: end, Value: model.SampleValue(1000 + n)}}}
	}
	var m model.Matrix
	for v, n := range p.ok {
		total := n + p.bad[v]
		if strings.Contains(q, "_bucket") {
			for _, b := range []struct {
				le   string
				frac float64
			}{{"10", 0.5}, {"100", 0.98}, {"+Inf", 1}} {
				m = append(m, series(model.Metric{"destination_version": model.LabelValue(v), "le": model.LabelValue(b.le)}, int64(math.Round(float64(total)*b.frac))))
			}
			continue
		}
		m = append(m, series(model.Metric{"destination_version": model.LabelValue(v), "response_code": "200"}, n))
		if p.bad[v] > 0 {
			m = append(m, series(model.Metric{"destination_version": model.LabelValue(v), "response_code": "503"}, p.bad[v]))
		}
	}
	return m, nil
}

// loadApp reads testdata/application.yaml.
func loadApp(t *testing.T) argocd.AppStatus {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("testdata", "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := sigyaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	app, err := argocd.Parse(j)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// repoObjects reads every object of the test repo, in the namespace Argo
// CD would put it.
func repoObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return repoObjectsIn(t, filepath.Join("testdata", "repo"))
}

// repoObjectsIn reads every object below dir, as repoObjects does.
func repoObjectsIn(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				break
			}
			if u.GetKind() != "Namespace" {
				u.SetNamespace("bookinfo")
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pod(name, version string, sidecar, ready bool) *corev1.Pod {
	return podWith(name, map[string]string{"app": "reviews", "version": version}, sidecar, ready)
}

// podWith is pod with any labels.
func podWith(name string, labels map[string]string, sidecar, ready bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo", Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "reviews", Ready: ready}}},
	}
	if sidecar {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "istio-proxy"})
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: "istio-proxy", Ready: ready})
	}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

// fakeCluster is a real kube.Client over client-go's fake clients: live
// objects go to the dynamic client, Services and pods also to the typed one.
func fakeCluster(t *testing.T, objs []*unstructured.Unstructured, pods []*corev1.Pod) *kube.Client {
	t.Helper()
	var dynObjs, typed []runtime.Object
	for _, o := range objs {
		dynObjs = append(dynObjs, o)
		if o.GetKind() == "Service" {
			svc := &corev1.Service{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, svc); err != nil {
				t.Fatal(err)
			}
			typed = append(typed, svc)
		}
	}
	for _, p := range pods {
		typed = append(typed, p)
	}
	return kubetest.Client("https://fake", kubefake.NewClientset(typed...), []schema.GroupVersionKind{kubetest.VirtualService,
		kubetest.DestinationRule, kubetest.Deployment, kubetest.Service, kubetest.Namespace}, dynObjs...)
}

// fakeControlPlane answers with states in turn (the last one repeats),
// each for the resourceVersion asked about, or with err.
type fakeControlPlane struct {
	states []istiod.State
	err    error
	asked  []istiod.Want
}

func (f *fakeControlPlane) URL() string { return "http://127.0.0.1:8080" }

func (f *fakeControlPlane) Status(_ context.Context, want istiod.Want) (istiod.Status, error) {
	f.asked = append(f.asked, want)
	if f.err != nil {
		return istiod.Status{}, f.err
	}
	st := f.states[0]
	if len(f.states) > 1 {
		f.states = f.states[1:]
	}
	out := istiod.Status{State: st, Held: want.ResourceVersion, Proxies: 2, Acked: 2, PushVersion: "2026-12-05T10:30:51Z/7"}
	switch st {
	case istiod.Pending:
		out.Acked = 1
		out.Pending = []string{"proxy gitshift-meshsim.default: RDS push 2026-12-05T10:30:51Z/7 not acknowledged"}
	case istiod.NoProxies:
		out.Proxies, out.Acked = 0, 0
	}
	return out, nil
}
