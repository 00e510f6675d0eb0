package source

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

const kDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: nginx:1.0}
`

// TestKustomizeApplicationSettings follows Argo CD 2.14's util/kustomize
// Build: `kustomize edit` with Argo CD's arguments, in its order, then
// patches appended to the kustomization, then components, then build.
func TestKustomizeApplicationSettings(t *testing.T) {
	base := map[string]string{
		"k/kustomization.yaml":      "resources: [deploy.yaml]\ncommonLabels: {team: a}\npatches:\n- patch: |-\n    - {op: add, path: /metadata/annotations, value: {first: \"yes\"}}\n  target: {kind: Deployment}\n",
		"k/deploy.yaml":             kDeploy,
		"comp/kustomization.yaml":   "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n",
		"comp/cm.yaml":              obj("ConfigMap", "from-component"),
		"k/Kustomization.unrelated": "",
	}
	tests := []struct {
		name     string
		k        *KustomizeSource
		check    func(t *testing.T, objs map[string]*unstructured.Unstructured)
		wantErr  string
		wantKind errkind.Kind
	}{
		{
			name: "prefix-suffix-namespace",
			k:    &KustomizeSource{NamePrefix: "p-", NameSuffix: "-s", Namespace: "ns1"},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				d := need(t, objs, "Deployment/p-web-s")
				if d.GetNamespace() != "ns1" {
					t.Errorf("namespace %q", d.GetNamespace())
				}
			},
		},
		{
			name: "images-with-env-and-replicas",
			k: &KustomizeSource{Images: []string{"nginx=registry.local/nginx:$ARGOCD_APP_NAME"},
				Replicas: []KustomizeReplica{{Name: "web", Count: intstr.FromString("4")}}},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				d := need(t, objs, "Deployment/web")
				c, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
				if img := c[0].(map[string]any)["image"]; img != "registry.local/nginx:app" {
					t.Errorf("image %v", img)
				}
				if n, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); n != 4 {
					t.Errorf("replicas %d", n)
				}
			},
		},
		{
			name:     "replicas-count-not-an-integer",
			k:        &KustomizeSource{Replicas: []KustomizeReplica{{Name: "web", Count: intstr.FromString("four")}}},
			wantErr:  "expected integer value for count. Received: four",
			wantKind: errkind.Invalid,
		},
		{
			// kustomize edit add label refuses a key the kustomization has.
			name:     "common-label-already-there-without-force",
			k:        &KustomizeSource{CommonLabels: map[string]string{"team": "b"}},
			wantErr:  "kustomize edit add label team:b",
			wantKind: errkind.Invalid,
		},
		{
			name: "common-label-forced-with-env-into-selectors",
			k:    &KustomizeSource{CommonLabels: map[string]string{"team": "b", "app-name": "$ARGOCD_APP_NAME"}, ForceCommonLabels: true},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				d := need(t, objs, "Deployment/web")
				if d.GetLabels()["team"] != "b" || d.GetLabels()["app-name"] != "app" {
					t.Errorf("labels %v", d.GetLabels())
				}
				if sel, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels"); sel["app-name"] != "app" {
					t.Errorf("selector %v: commonLabels go into selectors", sel)
				}
			},
		},
		{
			name: "label-without-selector",
			k:    &KustomizeSource{CommonLabels: map[string]string{"extra": "x"}, LabelWithoutSelector: true},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				d := need(t, objs, "Deployment/web")
				if d.GetLabels()["extra"] != "x" {
					t.Errorf("labels %v", d.GetLabels())
				}
				if sel, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels"); sel["extra"] != "" {
					t.Errorf("selector %v has the label", sel)
				}
			},
		},
		{
			name: "annotations-envsubst-only-when-asked",
			k:    &KustomizeSource{CommonAnnotations: map[string]string{"a": "$ARGOCD_APP_NAME"}},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				if a := need(t, objs, "Deployment/web").GetAnnotations()["a"]; a != "$ARGOCD_APP_NAME" {
					t.Errorf("annotation %q", a)
				}
			},
		},
		{
			name: "annotations-envsubst",
			k:    &KustomizeSource{CommonAnnotations: map[string]string{"a": "${ARGOCD_APP_NAME}-$$"}, CommonAnnotationsEnvsubst: true},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				if a := need(t, objs, "Deployment/web").GetAnnotations()["a"]; a != "app-$" {
					t.Errorf("annotation %q", a)
				}
			},
		},
		{
			name: "patches-appended-after-the-kustomization's",
			k: &KustomizeSource{Patches: []KustomizePatch{{
				Patch:  `[{"op": "replace", "path": "/metadata/annotations/first", "value": "overridden"}]`,
				Target: &KustomizeSelector{Kind: "Deployment", Name: "web"}}}},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				if a := need(t, objs, "Deployment/web").GetAnnotations()["first"]; a != "overridden" {
					t.Errorf("annotation first = %q, want the Application's patch applied last", a)
				}
			},
		},
		{
			name: "components",
			k:    &KustomizeSource{Components: []string{"../comp"}},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				need(t, objs, "ConfigMap/from-component")
			},
		},
		{
			name:     "component-missing",
			k:        &KustomizeSource{Components: []string{"../nope"}},
			wantErr:  "kustomize edit add component ../nope",
			wantKind: errkind.Invalid,
		},
		{
			name:     "component-outside-the-repository",
			k:        &KustomizeSource{Components: []string{"../../../../../../../../etc"}},
			wantErr:  "is outside the repository",
			wantKind: errkind.Invalid,
		},
		{
			name:     "component-remote",
			k:        &KustomizeSource{Components: []string{"https://github.com/org/repo//comp?ref=v1"}},
			wantErr:  "is on the network",
			wantKind: errkind.Unavailable,
		},
		{
			// Argo CD's IsZero ignores the force flags: such a block is
			// dropped and the source is auto-detected, still Kustomize.
			name: "only-force-flags-is-zero",
			k:    &KustomizeSource{ForceCommonLabels: true},
			check: func(t *testing.T, objs map[string]*unstructured.Unstructured) {
				need(t, objs, "Deployment/web")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, base)
			app := &Application{Name: "app", Destination: Destination{Namespace: "dest"},
				Sources: []AppSource{{RepoURL: "https://example.com/r.git", Path: "k", Kustomize: tt.k}}}
			res, err := render(t, root, app, Options{})
			if sourcetest.WantError(t, err, tt.wantErr, tt.wantKind) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			objs := map[string]*unstructured.Unstructured{}
			for _, o := range res.Objects {
				objs[o.GetKind()+"/"+o.GetName()] = o.Unstructured
			}
			tt.check(t, objs)
		})
	}
}

func need(t *testing.T, objs map[string]*unstructured.Unstructured, key string) *unstructured.Unstructured {
	t.Helper()
	o, ok := objs[key]
	if !ok {
		keys := make([]string, 0, len(objs))
		for k := range objs {
			keys = append(keys, k)
		}
		t.Fatalf("no %s among %v", key, keys)
	}
	return o
}

// TestKustomizeBuildOptions: argocd-cm's kustomize.buildOptions.
func TestKustomizeBuildOptions(t *testing.T) {
	files := map[string]string{"k/kustomization.yaml": "resources: [../shared/cm.yaml]\n", "shared/cm.yaml": obj("ConfigMap", "shared")}
	tests := []struct {
		build, wantErr string
	}{
		{build: "", wantErr: "security; file"}, // kustomize's default load restrictor
		{build: "--load-restrictor LoadRestrictionsNone"},
		{build: "--load-restrictor=LoadRestrictionsNone --reorder none"},
		{build: "--enable-alpha-plugins", wantErr: "runs plugins"},
		{build: "--frobnicate", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.build), func(t *testing.T) {
			root := writeRepo(t, files)
			res, err := render(t, root, &Application{Name: "app", Sources: []AppSource{{Path: "k"}}}, Options{KustomizeBuildOptions: tt.build})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res); len(got) != 1 || got[0] != "ConfigMap/shared" {
				t.Errorf("objects %v", got)
			}
		})
	}
}
