package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Ports are the loopback ports of the lab's components.
type Ports struct {
	Etcd, EtcdPeer, APIServer, ControllerManager, Scheduler, Kwok int
	Redis, RepoServer, RepoServerMetrics, ControllerMetrics       int
	Git, Prometheus, Meshsim, Injector                            int
	// Receiver is the notification receiver; Controllers one entry per
	// gitshift controller replica (both only with Plan.Controllers).
	Receiver    int               `json:",omitempty"`
	Controllers []ControllerPorts `json:",omitempty"`
	// Istiod holds istiod's ports (only with Plan.Istiod).
	Istiod IstiodPorts `json:",omitzero"`
}

// Layout is the lab directory's file layout.
type Layout struct{ Dir string }

// Path joins elem to the lab directory.
func (l Layout) Path(elem ...string) string {
	return filepath.Join(append([]string{l.Dir}, elem...)...)
}

// Kubeconfig is the admin kubeconfig (namespace default); ArgoKubeconfig the
// same credentials with namespace argocd for Argo CD's controller.
func (l Layout) Kubeconfig() string     { return l.Path("kubeconfig") }
func (l Layout) ArgoKubeconfig() string { return l.Path("argocd", "kubeconfig") }
func (l Layout) PKIDir() string         { return l.Path("pki") }
func (l Layout) InjectorCertDir() string {
	return l.Path("injector")
}
func (l Layout) GitBase() string          { return l.Path("git") }
func (l Layout) PrometheusConfig() string { return l.Path("prometheus", "prometheus.yml") }
func (l Layout) KwokConfig() string       { return l.Path("kwok", "kwok.yaml") }
func (l Layout) Log(name string) string   { return l.Path("logs", name+".log") }
func (l Layout) PIDFile(name string) string {
	return l.Path("run", name+".pid")
}

// Plan is everything needed to render the components' command lines.
type Plan struct {
	Layout  Layout
	Ports   Ports
	Bins    map[string]string // binary paths by name (tools, system binaries)
	Self    string            // the gitshift executable, for the hidden subcommands
	Meshsim bool              // run the mesh simulator (internal/meshsim)
	// MeshsimArgs are extra flags for `gitshift lab meshsim`.
	MeshsimArgs []string
	// Istiod runs istiod (istiod.go); the simulator then takes its routes
	// from istiod's xDS.
	Istiod bool              `json:",omitempty"`
	Token  string            // lab admin token
	PKI    *PKI              // key material (paths)
	Assets map[string]string // cached upstream data by name (see Assets)
	// Example is the directory seeded into the lab Git repo; AppFile the
	// Application (inside it) applied with the lab's repoURL and destination.
	Example, AppFile, RepoName string
	// Skip names components not to run (debugging a partial lab).
	Skip []string `json:",omitempty"`
	// RepoRoot is the gitshift clone: the chart (CRD, RBAC) and the Argo
	// CD health check are read from it.
	RepoRoot string
	// Controllers is the number of `gitshift controller` replicas (0: none).
	Controllers int `json:",omitempty"`
	// PolicyAppFile is the example's Application of the CanaryPolicies,
	// applied with the controller.
	PolicyAppFile string `json:",omitempty"`
}

// APIServerURL is the lab API server's address.
func (p *Plan) APIServerURL() string { return "https://127.0.0.1:" + strconv.Itoa(p.Ports.APIServer) }

// GitURL is the lab Git server's URL of repo.
func (p *Plan) GitURL(repo string) string {
	return fmt.Sprintf("git://127.0.0.1:%d/%s", p.Ports.Git, repo)
}

// PrometheusURL is the lab Prometheus.
func (p *Plan) PrometheusURL() string { return "http://127.0.0.1:" + strconv.Itoa(p.Ports.Prometheus) }

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func (p *Plan) bin(name string) string {
	if b, ok := p.Bins[name]; ok {
		return b
	}
	return name
}

// Specs returns the components' process specs in start order.
func (p *Plan) Specs() []ProcSpec {
	l, pt := p.Layout, p.Ports
	kc := l.Kubeconfig()
	specs := []ProcSpec{
		{Name: "etcd", Args: []string{p.bin("etcd"),
			"--name=lab", "--data-dir=" + l.Path("etcd"),
			"--listen-client-urls=http://" + addr(pt.Etcd), "--advertise-client-urls=http://" + addr(pt.Etcd),
			"--listen-peer-urls=http://" + addr(pt.EtcdPeer), "--initial-advertise-peer-urls=http://" + addr(pt.EtcdPeer),
			"--initial-cluster=lab=http://" + addr(pt.EtcdPeer),
			"--unsafe-no-fsync", "--quota-backend-bytes=2147483648", "--log-level=warn"}},
		{Name: "kube-apiserver", Args: []string{p.bin("kube-apiserver"),
			"--etcd-servers=http://" + addr(pt.Etcd),
			"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(pt.APIServer),
			"--cert-dir=" + l.Path("apiserver"),
			"--tls-cert-file=" + p.PKI.ServingCert, "--tls-private-key-file=" + p.PKI.ServingKey,
			"--service-account-issuer=https://kubernetes.default.svc",
			"--service-account-key-file=" + p.PKI.SAPub, "--service-account-signing-key-file=" + p.PKI.SAKey,
			"--token-auth-file=" + p.PKI.TokenAuthFile, "--authorization-mode=RBAC",
			"--service-cluster-ip-range=10.0.0.0/24", "--endpoint-reconciler-type=none",
			"--enable-priority-and-fairness=false", "--watch-cache=true", "--v=0"}},
		{Name: "injector", Args: []string{p.Self, "lab", "injector", "-v",
			"--listen=" + addr(pt.Injector), "--cert-dir=" + l.InjectorCertDir()}},
		{Name: "kube-controller-manager", Args: []string{p.bin("kube-controller-manager"),
			"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
			"--authentication-skip-lookup",
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(pt.ControllerManager),
			"--cert-dir=" + l.Path("kube-controller-manager"), "--leader-elect=false",
			"--service-account-private-key-file=" + p.PKI.SAKey, "--root-ca-file=" + p.PKI.CACert,
			"--use-service-account-credentials=false", "--controllers=*",
			"--concurrent-deployment-syncs=5", "--v=0"}},
		{Name: "kube-scheduler", Args: []string{p.bin("kube-scheduler"),
			"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
			"--authentication-skip-lookup",
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(pt.Scheduler),
			"--cert-dir=" + l.Path("kube-scheduler"), "--leader-elect=false", "--v=0"}},
		{Name: "kwok", Args: []string{p.bin("kwok"),
			"--config=" + p.Assets["kwok-stages.yaml"], "--kubeconfig=" + kc,
			"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
			"--server-address=" + addr(pt.Kwok), "--node-ip=127.0.0.1", "--cidr=10.244.0.0/16"}},
	}
	if p.Istiod {
		specs = append(specs, p.istiodSpec())
	}
	specs = append(specs, []ProcSpec{
		{Name: "redis", Args: []string{p.bin("redis-server"),
			"--port", strconv.Itoa(pt.Redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", l.Path("redis"), "--protected-mode", "no"}},
		{Name: "git-daemon", Args: []string{p.bin("git"), "daemon",
			"--base-path=" + l.GitBase(), "--export-all", "--enable=receive-pack", "--reuseaddr",
			"--listen=127.0.0.1", "--port=" + strconv.Itoa(pt.Git)}},
		{Name: "argocd-repo-server", Args: []string{p.bin("argocd-repo-server"),
			"--redis=" + addr(pt.Redis), "--port=" + strconv.Itoa(pt.RepoServer), "--disable-tls",
			"--metrics-port=" + strconv.Itoa(pt.RepoServerMetrics), "--loglevel=info"},
			Env: p.argoEnv()},
		{Name: "argocd-application-controller", Args: []string{p.bin("argocd-application-controller"),
			"--kubeconfig=" + l.ArgoKubeconfig(), "--namespace=argocd",
			"--repo-server=" + addr(pt.RepoServer), "--repo-server-plaintext",
			"--redis=" + addr(pt.Redis), "--metrics-port=" + strconv.Itoa(pt.ControllerMetrics),
			"--app-resync=180", "--status-processors=4", "--operation-processors=2", "--loglevel=info"},
			Env: p.argoEnv()},
	}...)
	if p.Meshsim {
		args := append([]string{p.Self, "lab", "meshsim", "-v",
			"--kubeconfig=" + kc, "--listen=" + addr(pt.Meshsim)}, p.MeshsimArgs...)
		if p.Istiod {
			args = append(args, "--xds="+addr(pt.Istiod.GRPC))
		}
		specs = append(specs, ProcSpec{Name: "meshsim", Args: args})
	}
	specs = append(specs, ProcSpec{Name: "prometheus", Args: []string{p.bin("prometheus"),
		"--config.file=" + l.PrometheusConfig(), "--storage.tsdb.path=" + l.Path("prometheus", "data"),
		"--storage.tsdb.retention.time=1d", "--web.listen-address=" + addr(pt.Prometheus),
		"--web.enable-lifecycle", "--log.level=warn"}})
	specs = append(specs, p.controllerSpecs()...)
	if len(p.Skip) == 0 {
		return specs
	}
	kept := specs[:0]
	for _, s := range specs {
		if !slices.Contains(p.Skip, s.Name) {
			kept = append(kept, s)
		}
	}
	return kept
}

// argoEnv is the environment of Argo CD's processes: no GPG, config paths in
// the lab dir, and helm + kustomize first on PATH.
func (p *Plan) argoEnv() []string {
	path := filepath.Dir(p.bin("helm")) + string(os.PathListSeparator) + filepath.Dir(p.bin("kustomize")) +
		string(os.PathListSeparator) + os.Getenv("PATH")
	d := p.Layout.Path("argocd")
	return []string{
		"ARGOCD_GPG_ENABLED=false",
		"PATH=" + path,
		"ARGOCD_GNUPGHOME=" + filepath.Join(d, "gnupg"),
		"ARGOCD_TLS_DATA_PATH=" + filepath.Join(d, "tls"),
		"ARGOCD_SSH_DATA_PATH=" + filepath.Join(d, "ssh"),
		"ARGOCD_GPG_DATA_PATH=" + filepath.Join(d, "gpg"),
		"HELM_CACHE_HOME=" + filepath.Join(d, "helm", "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(d, "helm", "config"),
		"HELM_DATA_HOME=" + filepath.Join(d, "helm", "data"),
		"TMPDIR=" + filepath.Join(d, "tmp"),
	}
}

// Dirs are the directories the components expect to exist.
func (p *Plan) Dirs() []string {
	l := p.Layout
	d := l.Path("argocd")
	return []string{l.Path("logs"), l.Path("run"), l.Path("etcd"), l.Path("apiserver"), l.Path("redis"),
		l.Path("kube-controller-manager"), l.Path("kube-scheduler"), l.Path("kwok"), l.GitBase(),
		l.Path("prometheus", "data"), l.InjectorCertDir(), l.ControllerDir(), l.Path("helm"), d, filepath.Join(d, "tmp"),
		filepath.Join(d, "tls"), filepath.Join(d, "ssh"), filepath.Join(d, "gpg"), filepath.Join(d, "gnupg"), l.IstiodDir()}
}

// commandLine renders a spec for logs and the state file.
func commandLine(s ProcSpec) []string {
	out := append([]string{}, s.Args...)
	for i, a := range out {
		if strings.ContainsAny(a, " \t") || a == "" {
			out[i] = strconv.Quote(a)
		}
	}
	return out
}
