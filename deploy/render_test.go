package deploy

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/source/helmengine"
)

var update = flag.Bool("update", false, "rewrite the golden files, the chart's copies (CRD, health script) and the argocd-cm patch")

// TestMain refreshes the generated files before any test reads them, so one
// -update run is enough (the golden render includes the CRD copy).
func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := regenerate(); err != nil {
			fmt.Fprintln(os.Stderr, "-update:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// regenerate copies config/crd and the health script into the chart and
// writes the argocd-cm patch from the script.
func regenerate() error {
	crd, err := os.ReadFile(configCRD)
	if err != nil {
		return err
	}
	script, err := os.ReadFile(healthScript)
	if err != nil {
		return err
	}
	for path, content := range map[string][]byte{
		chartCRD:      crd,
		chartLuaCopy:  script,
		argocdCMPatch: []byte(wantPatch(string(script))),
	} {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

const (
	chartDir    = "chart/gitshift"
	releaseName = "gitshift"
	releaseNS   = "gitshift-system"
)

// variant is one set of values the chart is rendered, linted and checked with.
type variant struct {
	name   string
	values string // YAML, layered over values.yaml
}

var variants = []variant{
	{name: "default"},
	{name: "sharded", values: `
watchNamespace: team-a
maxConcurrentReconciles: 8
selector: gitshift.dev/shard=a
argocd: {namespace: argo}
prometheus: {url: "http://prometheus.monitoring.svc:9090"}
istiod: {debugURL: "http://istiod-debug.istio-system.svc:8080"}
git:
  author: "Release Bot <release@example.com>"
  pushAttempts: 30
kubeAPI: {qps: 120.5, burst: 240}
image: {digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
metrics: {serviceMonitor: {enabled: true, labels: {release: prometheus}}}
logFormat: text
extraArgs: ["--resync=10m"]
`},
}

func (v variant) valueMap(t *testing.T) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(v.values), &vals); err != nil {
		t.Fatalf("values of variant %s: %v", v.name, err)
	}
	return vals
}

// render renders the chart like `helm template gitshift chart/gitshift -n
// gitshift-system`: Helm's engine, then Helm's install order, one document
// per object under a "# Source:" comment. It uses the engine package source
// uses for Argo CD's Helm sources rather than helm's action package, which
// would pull kubectl, SQL drivers and OCI clients into the module for a test.
func render(t *testing.T, vals map[string]any) string {
	t.Helper()
	out, err := renderErr(vals)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func renderErr(vals map[string]any) (string, error) {
	abs, err := filepath.Abs(chartDir)
	if err != nil {
		return "", err
	}
	rendered, err := helmengine.Engine{}.RenderChart(context.Background(), source.ChartRequest{
		ChartDir: abs, ReleaseName: releaseName, Namespace: releaseNS, Values: vals,
	})
	if err != nil {
		return "", fmt.Errorf("rendering %s: %w", chartDir, err)
	}
	byName := map[string]string{}
	for _, f := range rendered.Templates {
		byName[f.Name] = f.Content
	}
	hooks, manifests, err := releaseutil.SortManifests(byName, nil, releaseutil.InstallOrder)
	if err != nil {
		return "", fmt.Errorf("sorting manifests: %w", err)
	}
	if len(hooks) > 0 {
		return "", fmt.Errorf("the chart has %d hooks; Argo CD runs hooks differently from Helm, keep it hook-free", len(hooks))
	}
	var b strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Name, strings.TrimSpace(m.Content))
	}
	return b.String(), nil
}

// object is the part of a rendered object every check needs.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	raw string
}

func (o object) String() string { return o.Kind + " " + o.Metadata.Namespace + "/" + o.Metadata.Name }

// objects splits a render into its objects.
func objects(t *testing.T, manifest string) []object {
	t.Helper()
	var out []object
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	for _, k := range keys {
		doc := docs[k]
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("rendered document does not parse: %v\n%s", err, doc)
		}
		if o.Kind == "" {
			continue // a document of comments only
		}
		o.raw = doc
		out = append(out, o)
	}
	return out
}

func find(objs []object, kind, name string) (object, bool) {
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o, true
		}
	}
	return object{}, false
}
