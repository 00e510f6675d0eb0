package lab

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func testPlan(meshsim bool) *Plan {
	return &Plan{
		Layout: Layout{Dir: "/tmp/lab"},
		Ports: Ports{Etcd: 1, EtcdPeer: 2, APIServer: 3, ControllerManager: 4, Scheduler: 5, Kwok: 6, Redis: 7,
			RepoServer: 8, RepoServerMetrics: 9, ControllerMetrics: 10, Git: 11, Prometheus: 12, Meshsim: 13, Injector: 14},
		Bins:    map[string]string{"helm": "/c/helm-v3/helm", "kustomize": "/c/kustomize-v5/kustomize"},
		Self:    "/bin/gitshift",
		Meshsim: meshsim,
		PKI:     &PKI{ServingCert: "s.crt", ServingKey: "s.key", SAKey: "sa.key", SAPub: "sa.pub", TokenAuthFile: "t.csv", CACert: "ca.crt"},
		Assets:  map[string]string{"kwok-stages.yaml": "/c/kwok.yaml"},
	}
}

var anyAddr = regexp.MustCompile(`(^|[^0-9])0\.0\.0\.0`)

func TestSpecsOrderAndProbes(t *testing.T) {
	tests := []struct {
		meshsim bool
		want    []string
	}{
		{false, []string{"etcd", "kube-apiserver", "injector", "kube-controller-manager", "kube-scheduler", "kwok",
			"redis", "git-daemon", "argocd-repo-server", "argocd-application-controller", "prometheus"}},
		{true, []string{"etcd", "kube-apiserver", "injector", "kube-controller-manager", "kube-scheduler", "kwok",
			"redis", "git-daemon", "argocd-repo-server", "argocd-application-controller", "meshsim", "prometheus"}},
	}
	for _, tt := range tests {
		p := testPlan(tt.meshsim)
		probes := p.Probes()
		var got []string
		for _, s := range p.Specs() {
			got = append(got, s.Name)
			if probes[s.Name] == nil {
				t.Errorf("%s has no readiness probe", s.Name)
			}
			for _, a := range s.Args {
				if anyAddr.MatchString(a) {
					t.Errorf("%s listens beyond loopback: %s", s.Name, a)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("meshsim=%v: order %v, want %v", tt.meshsim, got, tt.want)
		}
	}
}

func TestArgoEnvHasHelmAndKustomizeOnPath(t *testing.T) {
	p := testPlan(false)
	var env []string
	for _, s := range p.Specs() {
		if s.Name == "argocd-repo-server" {
			env = s.Env
		}
	}
	joined := strings.Join(env, "\n")
	for _, want := range []string{"ARGOCD_GPG_ENABLED=false", "PATH=/c/helm-v3:/c/kustomize-v5:"} {
		if !strings.Contains(joined, want) {
			t.Errorf("repo-server env lacks %q:\n%s", want, joined)
		}
	}
}

func TestPrometheusConfig(t *testing.T) {
	tests := []struct {
		meshsim bool
		want    []string
		notWant []string
	}{
		{true, []string{"job_name: meshsim", "scrape_interval: 1s", `"127.0.0.1:13"`, `"127.0.0.1:12"`}, nil},
		{false, []string{"job_name: prometheus"}, []string{"meshsim"}},
	}
	for _, tt := range tests {
		b, err := testPlan(tt.meshsim).PrometheusConfig()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("meshsim=%v: config lacks %q:\n%s", tt.meshsim, w, b)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(string(b), w) {
				t.Errorf("meshsim=%v: config has %q:\n%s", tt.meshsim, w, b)
			}
		}
		if _, err := DecodeYAML(b); err != nil {
			t.Errorf("config is not YAML: %v", err)
		}
	}
}

// TestToolVersionsMatchGoMod keeps the cache keys in step with the tool
// modules: a bumped go.mod must bump the cached version too.
func TestToolVersionsMatchGoMod(t *testing.T) {
	for _, tool := range Tools {
		b, err := os.ReadFile(filepath.Join("..", "..", "lab", "tools", tool.Module, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(tool.ModPath) + `\s+(\S+)`)
		m := re.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: lab/tools/%s/go.mod does not require %s", tool.Name, tool.Module, tool.ModPath)
			continue
		}
		if string(m[1]) != tool.Version {
			t.Errorf("%s: go.mod has %s %s, Tools says %s", tool.Name, tool.ModPath, m[1], tool.Version)
		}
	}
}
