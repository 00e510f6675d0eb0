package fence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gitshift/gitshift/internal/testenv"
)

const module = "github.com/gitshift/gitshift"

// Anything that can talk to a cluster.
var clusterClients = []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "istio.io/client-go"}

// Kubernetes libraries altogether, for packages that have no business with
// Kubernetes objects.
var kubernetes = append([]string{"k8s.io/apimachinery", "k8s.io/api"}, clusterClients...)

// offline lists the packages that must run without a cluster (in CI and
// pre-commit, with only Go and git) and what each must not depend on.
var offline = []struct {
	pkg        string
	why        string
	banned     []string
	stdlibOnly bool
}{
	{pkg: "internal/source", why: "check and render run offline; Helm's engine, which links client-go, is plugged in from source/helmengine",
		banned: clusterClients},
	{pkg: "internal/mesh", why: "the Istio model is read from files", banned: clusterClients},
	{pkg: "internal/check", why: "check runs offline; the CLI plugs in the Helm engine",
		banned: append([]string{module + "/internal/source/helmengine"}, clusterClients...)},
	{pkg: "internal/edit", why: "edits are byte-level YAML changes", banned: clusterClients},
	{pkg: "internal/gitrepo", why: "a git CLI wrapper", banned: clusterClients},
	{pkg: "internal/metrics", why: "a Prometheus reader the analysis imports", banned: kubernetes},
	{pkg: "internal/stats", why: "pure math", stdlibOnly: true},
	{pkg: "internal/redact", why: "every package that prints a URL imports it, the offline ones too", stdlibOnly: true},
	{pkg: "internal/errkind", why: "every package classifies its errors with it", stdlibOnly: true},
	{pkg: "internal/termsafe", why: "every text output prints names through it", stdlibOnly: true},
	{pkg: "internal/judge", why: "decides from counts", banned: kubernetes},
	{pkg: "internal/simulate", why: "simulates rollouts through the judge, offline", banned: clusterClients},
	{pkg: "internal/rollout", why: "the engine works on small interfaces; adapters holding clients live in rollout/adapt",
		banned: append([]string{module + "/internal/rollout/adapt"}, clusterClients...)},
	{pkg: "internal/rollout/policy", why: "a policy is parsed and validated offline", banned: clusterClients},
}

// labSide are the lab's packages: production code must not depend on them.
var labSide = []string{module + "/internal/lab", module + "/internal/meshsim", module + "/internal/sidecar"}

// production reports whether a package of this module is production code:
// everything but the lab, the commands that wire the lab (cmd/gitshift,
// internal/cli and its lab command packages) and test support.
func production(path string) bool {
	rel := strings.TrimPrefix(path, module+"/")
	base := rel[strings.LastIndex(rel, "/")+1:]
	switch {
	case under(path, labSide...):
		return false
	case rel == "cmd/gitshift" || rel == "internal/cli" || strings.HasPrefix(rel, "internal/cli/lab"):
		return false
	case strings.HasSuffix(base, "test") || rel == "internal/testenv" || rel == "internal/fence":
		return false
	}
	return true
}

// under reports whether path is one of prefixes or a package below one.
func under(path string, prefixes ...string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
}

var (
	loadOnce  sync.Once
	loaded    map[string]*pkg
	loadError error
)

// load lists every package of the module and everything it depends on
// (once per test binary).
func load(t *testing.T) map[string]*pkg {
	t.Helper()
	goTool := testenv.NeedCommand(t, "go")
	loadOnce.Do(func() { loaded, loadError = goList(goTool) })
	if loadError != nil {
		t.Fatal(loadError)
	}
	return loaded
}

func goList(goTool string) (map[string]*pkg, error) {
	cmd := exec.Command(goTool, "list", "-deps", "-json=ImportPath,Standard,Imports,Deps", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, stderr.String())
	}
	graph := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := &pkg{}
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go list output: %w", err)
		}
		graph[p.ImportPath] = p
	}
	return graph, nil
}

// path returns an import chain from the package from to the first package
// that matches, e.g. "internal/kube → internal/sidecar".
func path(graph map[string]*pkg, from string, match func(string) bool) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur != from && match(cur) {
			var chain []string
			for p := cur; p != ""; p = prev[p] {
				chain = append(chain, strings.TrimPrefix(p, module+"/"))
			}
			slices.Reverse(chain)
			return strings.Join(chain, " → ")
		}
		if p := graph[cur]; p != nil {
			for _, imp := range p.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return ""
}

func TestOfflinePackages(t *testing.T) {
	graph := load(t)
	for _, rule := range offline {
		t.Run(rule.pkg, func(t *testing.T) {
			p := graph[module+"/"+rule.pkg]
			if p == nil {
				t.Fatalf("no package %s: update the fence", rule.pkg)
			}
			groups := rule.banned
			if rule.stdlibOnly {
				groups = []string{"packages outside the standard library"}
			}
			for _, g := range groups {
				bad := func(dep string) bool { return under(dep, g) }
				if rule.stdlibOnly {
					bad = func(dep string) bool { d := graph[dep]; return d == nil || !d.Standard }
				}
				if n := countFunc(p.Deps, bad); n > 0 {
					t.Errorf("%s must not depend on %s (%s): %s (%d packages in all)", rule.pkg, g, rule.why, path(graph, p.ImportPath, bad), n)
				}
			}
		})
	}
}

func countFunc(deps []string, f func(string) bool) int {
	n := 0
	for _, d := range deps {
		if f(d) {
			n++
		}
	}
	return n
}

// TestProductionIndependentOfLabAndTests: the lab depends on production
// code, never the reverse; and test support stays out of the binary.
func TestProductionIndependentOfLabAndTests(t *testing.T) {
	graph := load(t)
	rules := []struct {
		what string
		bad  func(string) bool
	}{
		{what: "the lab (internal/lab, internal/meshsim, internal/sidecar)", bad: func(p string) bool { return under(p, labSide...) }},
		{what: "package testing", bad: func(p string) bool { return p == "testing" }},
	}
	checked := 0
	for _, p := range graph {
		if !strings.HasPrefix(p.ImportPath, module+"/") || !production(p.ImportPath) {
			continue
		}
		checked++
		for _, r := range rules {
			if !slices.ContainsFunc(p.Deps, r.bad) {
				continue
			}
			// Name only the first production package on the chain: its
			// importers fail through it and are not repeated.
			chain := path(graph, p.ImportPath, r.bad)
			hops := strings.Split(chain, " → ")
			if len(hops) > 2 {
				next := graph[module+"/"+hops[1]]
				if next != nil && production(next.ImportPath) && slices.ContainsFunc(next.Deps, r.bad) {
					continue
				}
			}
			t.Errorf("production package %s depends on %s: %s", strings.TrimPrefix(p.ImportPath, module+"/"), r.what, chain)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d production packages found: the fence's notion of production is broken", checked)
	}
}

func TestProduction(t *testing.T) {
	tests := []struct {
		rel  string
		want bool
	}{
		{"internal/kube", true},
		{"internal/rollout/adapt", true},
		{"internal/cli/rollout", true},
		{"internal/cli", false},
		{"internal/cli/lab", false},
		{"cmd/gitshift", false},
		{"internal/lab", false},
		{"internal/lab/labtest", false},
		{"internal/meshsim", false},
		{"internal/sidecar", false},
		{"internal/gitrepo/gittest", false},
		{"internal/testenv", false},
	}
	for _, tt := range tests {
		if got := production(module + "/" + tt.rel); got != tt.want {
			t.Errorf("production(%s) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}
