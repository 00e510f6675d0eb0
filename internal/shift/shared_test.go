package shift

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

const (
	meshRepo = "https://git.example.com/org/mesh.git"
	vsYAML   = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 90
    - destination:
        host: reviews
        subset: v3
      weight: 10
`
	drYAML = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v3
    labels: {version: v3}
`
)

// app is an Application manifest; source is the YAML of spec.source (or
// spec.sources), indented by four spaces.
func app(name, ns, source string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: argocd
spec:
  project: default
%s
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
`, name, source, ns)
}

func src(path, rev, extra string) string {
	return fmt.Sprintf("  source:\n    repoURL: %s\n    targetRevision: %s\n    path: %s\n%s", meshRepo, rev, path, extra)
}

func join(files ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		maps.Copy(out, f)
	}
	return out
}

func apps(docs ...string) map[string]string {
	return map[string]string{"argocd/apps.yaml": strings.Join(docs, "---\n")}
}

var (
	kustomizeBase = map[string]string{
		"base/kustomization.yaml": "resources:\n- vs.yaml\n- dr.yaml\n",
		"base/vs.yaml":            vsYAML, "base/dr.yaml": drYAML,
		"prod/kustomization.yaml": "resources:\n- ../base\n",
		"stg/kustomization.yaml":  "resources:\n- ../base\n",
	}
	plainMesh  = map[string]string{"mesh/reviews/vs.yaml": vsYAML, "mesh/reviews/dr.yaml": drYAML}
	sharedHelm = map[string]string{"values/shared.yaml": "reviews:\n  canary:\n    weights:\n      v1: 90\n      v3: 10\n"}
	helmValues = "    helm:\n      valueFiles:\n      - ../values/shared.yaml\n"
)

// TestShiftSharedEdit: an edit whose bytes another Application renders too
// is refused, naming that Application, unless --allow-shared names exactly
// the others; Applications that do not render the bytes (another branch,
// another repository, an app-of-apps parent applying the shifted
// Application's own manifest) do not count.
func TestShiftSharedEdit(t *testing.T) {
	chart := tree(t, "testdata/chart=chart")
	tests := []struct {
		name    string
		files   map[string]string
		allow   []string
		shared  string // the refusal names these; "" = the shift succeeds
		trailer string
	}{
		{name: "kustomize overlays of one base", files: join(kustomizeBase, apps(
			app("app-prod", "prod", src("prod", "main", "")), app("app-stg", "stg", src("stg", "main", "")))), shared: "app-stg"},
		{name: "kustomize base, allowed", files: join(kustomizeBase, apps(
			app("app-prod", "prod", src("prod", "main", "")), app("app-stg", "stg", src("stg", "main", "")))),
			allow: []string{"app-stg"}, trailer: "app-stg"},
		{name: "allowed names too many", files: join(kustomizeBase, apps(
			app("app-prod", "prod", src("prod", "main", "")), app("app-stg", "stg", src("stg", "main", "")))),
			allow: []string{"app-stg", "app-dev"}, shared: "app-stg"},
		{name: "allowed where nothing is shared", files: join(kustomizeBase, apps(
			app("app-prod", "prod", src("prod", "main", "")))), allow: []string{"app-stg"}, shared: "nothing to allow"},
		{name: "other overlay tracks another branch", files: join(kustomizeBase, apps(
			app("app-prod", "prod", src("prod", "main", "")), app("app-stg", "stg", src("stg", "release-1", ""))))},
		{name: "two Applications on one path", files: join(plainMesh, apps(
			app("app-prod", "prod", src("mesh/reviews", "main", "")), app("app-stg", "stg", src("mesh/reviews", "HEAD", "")))), shared: "app-stg"},
		{name: "a recursive directory reaches the file", files: join(plainMesh, apps(
			app("app-prod", "prod", src("mesh/reviews", "main", "")),
			app("everything", "all", src("mesh", "main", "    directory:\n      recurse: true\n")))), shared: "everything"},
		{name: "same path in another repository", files: join(plainMesh, apps(
			app("app-prod", "prod", src("mesh/reviews", "main", "")),
			app("elsewhere", "stg", strings.Replace(src("mesh/reviews", "main", ""), meshRepo, "https://git.example.com/org/other.git", 1))))},
		{name: "one Helm values file in two Applications", files: join(chart, sharedHelm, apps(
			app("app-prod", "prod", src("chart", "main", helmValues)), app("app-stg", "stg", src("chart", "main", helmValues)))), shared: "app-stg"},
		{name: "a remote chart reads the values file through $ref", files: join(chart, sharedHelm, apps(
			app("app-prod", "prod", src("chart", "main", helmValues)),
			app("remote", "stg", "  sources:\n  - repoURL: https://charts.example.com\n    chart: mini\n    targetRevision: 0.1.0\n    helm:\n      valueFiles:\n      - $values/values/shared.yaml\n"+
				"  - repoURL: "+meshRepo+"\n    targetRevision: main\n    ref: values\n"))), shared: "remote"},
		{name: "app-of-apps parent applies the edited Application", files: join(chart, map[string]string{
			"argocd/mini.yaml": app("app-prod", "prod", src("chart", "main", "    helm:\n      valuesObject:\n        reviews:\n          canary:\n            weights:\n              v1: 90\n              v3: 10\n")),
			"root/root.yaml":   app("root", "argocd", src("argocd", "main", ""))})},
	}
	srv := gittest.Start(t)
	t.Run("a symlink to the file", func(t *testing.T) {
		base := srv.Create(t, "symlinked", join(plainMesh, apps(
			app("app-prod", "prod", src("mesh/reviews", "main", "")), app("app-stg", "stg", src("mesh/stg", "main", "")))))
		w := srv.NewWriter(t, "symlinked")
		if err := os.MkdirAll(filepath.Join(w.Dir, "mesh", "stg"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"vs.yaml", "dr.yaml"} {
			if err := os.Symlink("../reviews/"+f, filepath.Join(w.Dir, "mesh", "stg", f)); err != nil {
				t.Skip("no symlinks:", err)
			}
		}
		gittest.Git(t, w.Dir, "add", "-A")
		gittest.Git(t, w.Dir, "commit", "--quiet", "-m", "stg links prod's routes")
		gittest.Git(t, w.Dir, "push", "--quiet", "origin", "HEAD:main")
		base = srv.Head(t, "symlinked")
		_, err := Run(context.Background(), Request{Repo: srv.URL("symlinked"), App: "app-prod", VirtualService: "reviews",
			Weights: mustW("v1=75,v3=25"), Author: bot, GitEnv: gittest.Env})
		var se *SharedError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "app-stg") || srv.Head(t, "symlinked") != base {
			t.Fatalf("err = %v, want a refusal naming app-stg and no push", err)
		}
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("shared%d", i)
			base := srv.Create(t, name, tt.files)
			res, err := Run(context.Background(), Request{Repo: srv.URL(name), App: "app-prod", VirtualService: "reviews",
				Weights: mustW("v1=75,v3=25"), AllowShared: tt.allow, Author: bot, GitEnv: gittest.Env})
			if tt.shared != "" {
				var se *SharedError
				var ie *InputError
				if !errors.As(err, &se) || !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.shared) {
					t.Fatalf("err = %v, want a refusal naming %s", err, tt.shared)
				}
				if srv.Head(t, name) != base {
					t.Errorf("the remote moved")
				}
				t.Log(err)
				return
			}
			if err != nil || !res.Pushed {
				t.Fatalf("shift: %+v %v", res, err)
			}
			got := gittest.Git(t, srv.Path(name), "log", "-1", "--format=%(trailers:key="+TrailerSharedWith+",valueonly)", "main")
			if got != tt.trailer || tt.trailer != "" && !slices.Equal(res.SharedWith, tt.allow) {
				t.Errorf("shared-with trailer %q, result %v; want %q", got, res.SharedWith, tt.trailer)
			}
		})
	}
}
