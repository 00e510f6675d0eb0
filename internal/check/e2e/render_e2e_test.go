//go:build e2e

// Package e2e compares what `gitshift render` says Argo CD applies with
// what the real Argo CD 2.14.21 of the lab applied, for source features
// whose behaviour is subtle: Jsonnet with extVars/tlas/libs, Kustomize
// Application-level settings, Helm parameters/fileParameters/skipCrds and
// subcharts, a multi-source Application with `$ref` value files.
package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/lab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

var appGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}

// TestE2ERenderMatchesArgoCD seeds each repository under testdata/ into
// the lab's Git server, applies its Application (argocd/app.yaml, with
// REPO_URL and API_SERVER filled in), waits until Argo CD has synced it at
// the commit, and compares: the set of objects Argo CD manages for the
// Application with the set gitshift renders, and every field gitshift
// renders with the live object (which has more: defaults, status, tracking).
func TestE2ERenderMatchesArgoCD(t *testing.T) {
	ctx := context.Background()
	env := sharedOrOwnLab(t)
	dc, err := discovery.NewDiscoveryClientForConfig(env.cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var objects, diffs int
	for _, c := range cases {
		name := c.Name()
		t.Run(name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), name)
			if err := os.CopyFS(work, os.DirFS(filepath.Join("testdata", name))); err != nil {
				t.Fatal(err)
			}
			appFile := filepath.Join(work, "argocd", "app.yaml")
			repoURL := env.gitPrefix + "e2e-" + name + ".git"
			fill(t, appFile, repoURL, env.state.Endpoints.APIServer)
			sha, err := lab.SeedRepo(ctx, env.gitBase, "e2e-"+name, work)
			if err != nil {
				t.Fatal(err)
			}
			app := readApp(t, appFile)
			if err := env.cluster.Apply(ctx, app); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = env.cluster.Delete(ctx, appGVR, app.GetNamespace(), app.GetName()) })
			as, err := env.cluster.WaitApp(ctx, app.GetNamespace(), app.GetName(), sha, 4*time.Minute)
			if err != nil {
				t.Fatalf("Argo CD did not sync %s at %s: %v", app.GetName(), sha, err)
			}
			t.Logf("%s: %+v", app.GetName(), as)

			r := labtest.Run(t, nil, "render", "-o", "json", "--app", appFile, work)
			if r.Code != 0 {
				t.Fatalf("gitshift render: exit %d\n%s", r.Code, r.Stderr)
			}
			var list struct{ Items []map[string]any }
			if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
				t.Fatal(err)
			}
			managed := managedSet(ctx, t, env, app)
			rendered := map[string]bool{}
			for _, item := range list.Items {
				u := &unstructured.Unstructured{Object: item}
				key := keyOf(u.GroupVersionKind().Group, u.GetKind(), u.GetNamespace(), u.GetName())
				rendered[key] = true
				live, err := get(ctx, env, mapper, u)
				if err != nil {
					diffs++
					t.Errorf("%s rendered by gitshift: %v", key, err)
					continue
				}
				objects++
				for _, d := range subset("", item, normalize(t, live.Object)) {
					diffs++
					t.Errorf("%s: %s", key, d)
				}
			}
			for k := range managed {
				if !rendered[k] {
					diffs++
					t.Errorf("%s: Argo CD applied it, gitshift does not render it", k)
				}
			}
			for k := range rendered {
				if !managed[k] {
					diffs++
					t.Errorf("%s: gitshift renders it, Argo CD does not manage it", k)
				}
			}
		})
	}
	t.Logf("compared %d objects with what Argo CD 2.14.21 applied: %d differences", objects, diffs)
}

// labEnv is the lab the test runs against.
type labEnv struct {
	state     *lab.State
	cluster   *lab.Cluster
	gitBase   string // the Git server's base directory
	gitPrefix string // git://127.0.0.1:PORT/
}

// sharedOrOwnLab uses the lab in $GITSHIFT_LAB_DIR (make e2e starts one
// for the suites that share it), else starts one for this test.
func sharedOrOwnLab(t *testing.T) labEnv {
	t.Helper()
	var env labEnv
	if dir := os.Getenv("GITSHIFT_LAB_DIR"); dir != "" {
		st, err := lab.LoadState(dir)
		if err != nil {
			t.Fatalf("GITSHIFT_LAB_DIR=%s: %v", dir, err)
		}
		c, err := lab.NewCluster(st.Endpoints.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		env.state, env.cluster = st, c
	} else {
		l := labtest.Up(t, "--app", "none")
		env.state, env.cluster = l.State, l.Cluster
	}
	env.gitBase = filepath.Join(env.state.Dir, "git")
	u := env.state.Endpoints.GitURL
	env.gitPrefix = u[:strings.LastIndex(u, "/")+1]
	return env
}

func fill(t *testing.T, path, repoURL, server string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("REPO_URL", repoURL, "API_SERVER", server).Replace(string(b))
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readApp(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := lab.DecodeYAML(b)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: %d objects, %v", path, len(objs), err)
	}
	return objs[0]
}

func keyOf(group, kind, ns, name string) string {
	return group + "/" + kind + "/" + ns + "/" + name
}

// managedSet is the Application's status.resources: what Argo CD applied.
func managedSet(ctx context.Context, t *testing.T, env labEnv, app *unstructured.Unstructured) map[string]bool {
	t.Helper()
	live, err := env.cluster.Dynamic.Resource(appGVR).Namespace(app.GetNamespace()).Get(ctx, app.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, _, _ := unstructured.NestedSlice(live.Object, "status", "resources")
	out := map[string]bool{}
	for _, r := range res {
		m, _ := r.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		out[keyOf(str("group"), str("kind"), str("namespace"), str("name"))] = true
	}
	if len(out) == 0 {
		t.Fatalf("%s manages no resources", app.GetName())
	}
	return out
}

func get(ctx context.Context, env labEnv, mapper meta.RESTMapper, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvk := u.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	ri := env.cluster.Dynamic.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		live, err := ri.Namespace(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("not live in the cluster")
		}
		return live, err
	}
	return ri.Get(ctx, u.GetName(), metav1.GetOptions{})
}

// normalize gives the live object the JSON types the rendered one has.
func normalize(t *testing.T, obj map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// subset lists the fields of want that got lacks or holds differently.
// Empty maps and lists in want match a missing field (the API server drops
// them).
func subset(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if len(w) == 0 && got == nil {
				return nil
			}
			return []string{fmt.Sprintf("%s: rendered %v, live %v", path, want, got)}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			out = append(out, subset(path+"."+k, w[k], g[k])...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			if len(w) == 0 && got == nil {
				return nil
			}
			return []string{fmt.Sprintf("%s: rendered %v, live %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, subset(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: rendered %#v, live %#v", path, want, got)}
	}
	return nil
}
