package lab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Tool is a binary the lab builds from one of its own Go modules under
// lab/tools/<Module>, cached by version in <cache>/<Name>-<Version>/<Name>.
type Tool struct {
	Name    string // binary name, e.g. kube-apiserver
	Version string // version of the Go module that provides it (cache key)
	Module  string // directory under lab/tools holding the go.mod
	ModPath string // Go module path that Version is a version of
	Package string // package to build
	Links   []string
	// Component names the optional lab component that needs the tool
	// (e.g. "istiod"); "" means every lab needs it. `lab up` builds an
	// optional tool only when its component runs; `lab provision` builds all.
	Component string
}

// Tools lists every binary the lab builds. TestToolVersionsMatchGoMod keeps
// the versions in step with lab/tools/*/go.mod.
var Tools = []Tool{
	{Name: "etcd", Version: "v3.7.0", Module: "kube", ModPath: "go.etcd.io/etcd/server/v3", Package: "go.etcd.io/etcd/server/v3"},
	{Name: "kube-apiserver", Version: "v1.37.2", Module: "kube", ModPath: "k8s.io/kubernetes", Package: "k8s.io/kubernetes/cmd/kube-apiserver"},
	{Name: "kube-controller-manager", Version: "v1.37.2", Module: "kube", ModPath: "k8s.io/kubernetes", Package: "k8s.io/kubernetes/cmd/kube-controller-manager"},
	{Name: "kube-scheduler", Version: "v1.37.2", Module: "kube", ModPath: "k8s.io/kubernetes", Package: "k8s.io/kubernetes/cmd/kube-scheduler"},
	{Name: "argocd", Version: "v2.14.21", Module: "argocd", ModPath: "github.com/argoproj/argo-cd/v2", Package: "github.com/argoproj/argo-cd/v2/cmd",
		Links: []string{"argocd-repo-server", "argocd-application-controller"}},
	{Name: "kwok", Version: "v0.8.0", Module: "kwok", ModPath: "sigs.k8s.io/kwok", Package: "sigs.k8s.io/kwok/cmd/kwok"},
	{Name: "helm", Version: "v3.22.0", Module: "helm", ModPath: "helm.sh/helm/v3", Package: "helm.sh/helm/v3/cmd/helm"},
	{Name: "kustomize", Version: "v5.8.2", Module: "kustomize", ModPath: "sigs.k8s.io/kustomize/kustomize/v5", Package: "sigs.k8s.io/kustomize/kustomize/v5"},
	// Istio's control plane (lab up --istiod). istio.io/istio is only served
	// as a pseudo-version: lab/tools/istio/go.mod says why.
	{Name: "pilot-discovery", Version: IstioVersion, Module: "istio", ModPath: "istio.io/istio", Package: "istio.io/istio/pilot/cmd/pilot-discovery",
		Component: ComponentIstiod},
	// istioctl for `istioctl analyze` next to check (docs/istioctl-analyze.md);
	// only `lab provision --istioctl` builds it (another ~10 min cold).
	{Name: "istioctl", Version: IstioVersion, Module: "istio", ModPath: "istio.io/istio", Package: "istio.io/istio/istioctl/cmd/istioctl",
		Component: ComponentIstioctl},
}

// IstioVersion is the pinned istio.io/istio pseudo-version of istiod and
// of the CRDs applied with it.
const IstioVersion = "v0.0.0-20260827124520-eed52ebb66ad"

// ComponentIstiod is the optional istiod component (lab up --istiod).
const ComponentIstiod = "istiod"

// ComponentIstioctl is istioctl, for the side-by-side with check only.
const ComponentIstioctl = "istioctl"

// wants reports whether p provisions the tools and assets of component
// ("" is the core every lab needs).
func (p *Provisioner) wants(component string) bool {
	if component == "" {
		return !p.SkipCore
	}
	return slices.Contains(p.Components, component)
}

// DefaultCacheDir is where built tools are cached: $GITSHIFT_LAB_CACHE, else
// the user's cache directory. It lies outside any clone, so a fresh clone on
// the same machine starts in seconds.
func DefaultCacheDir() string {
	if d := os.Getenv("GITSHIFT_LAB_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "gitshift", "lab")
	}
	return filepath.Join(os.TempDir(), "gitshift-lab-cache")
}

// Provisioner builds and caches the lab's tools.
type Provisioner struct {
	RepoRoot string    // the gitshift clone (holds lab/tools)
	CacheDir string    // see DefaultCacheDir
	Progress io.Writer // one line per step; may be nil
	// Components are the optional components whose tools and assets are
	// provisioned too (see Tool.Component).
	Components []string
	// SkipCore leaves out what every lab needs (core tools, Debian
	// packages, core assets): `lab provision --core=false` builds istiod
	// alone, in the background of e2e suites that do not need it.
	SkipCore bool
}

// Dir is the cache directory of t.
func (p *Provisioner) Dir(t Tool) string {
	return filepath.Join(p.CacheDir, t.Name+"-"+t.Version)
}

// Path is the cached binary of t.
func (p *Provisioner) Path(t Tool) string { return filepath.Join(p.Dir(t), t.Name) }

// Provision builds or finds every binary and asset the lab needs: the Go
// tools (cached), the Debian packages, the upstream data files, with those
// of the optional components named in components (ComponentIstiod). It
// returns binary paths and asset paths by name.
func Provision(ctx context.Context, repoRoot, cacheDir string, progress io.Writer, components ...string) (bins, assets map[string]string, err error) {
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	prov := &Provisioner{RepoRoot: repoRoot, CacheDir: cacheDir, Progress: progress, Components: components}
	return prov.Provision(ctx)
}

// Provision is the package-level Provision for a configured Provisioner.
func (p *Provisioner) Provision(ctx context.Context) (bins, assets map[string]string, err error) {
	if bins, err = p.EnsureAll(ctx); err != nil {
		return nil, nil, err
	}
	if !p.SkipCore {
		sys, err := EnsureSystemBinaries(ctx, p.Progress)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range sys {
			bins[k] = v
		}
	}
	if assets, err = p.EnsureAssets(ctx); err != nil {
		return nil, nil, err
	}
	return bins, assets, nil
}

// ToolByName returns the tool called name.
func ToolByName(name string) (Tool, bool) {
	for _, t := range Tools {
		if t.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}

// EnsureAll builds every missing tool (of p.Components too), in order, and
// returns the binary paths by name (links included).
func (p *Provisioner) EnsureAll(ctx context.Context) (map[string]string, error) {
	paths := map[string]string{}
	for _, t := range Tools {
		if !p.wants(t.Component) {
			continue
		}
		bin, err := p.Ensure(ctx, t)
		if err != nil {
			return nil, err
		}
		paths[t.Name] = bin
		for _, l := range t.Links {
			paths[l] = filepath.Join(p.Dir(t), l)
		}
	}
	return paths, nil
}

// Ensure returns the cached binary of t, building it first when missing. A
// file lock makes concurrent callers (two clones, CI) build it only once.
func (p *Provisioner) Ensure(ctx context.Context, t Tool) (string, error) {
	dir := p.Dir(t)
	bin := p.Path(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating tool cache %s: %w", dir, err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".lock"), nil)
	if err != nil {
		return "", err
	}
	defer unlock()
	if !isExecutable(bin) {
		if err := p.build(ctx, t); err != nil {
			return "", err
		}
	}
	for _, l := range t.Links {
		link := filepath.Join(dir, l)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(t.Name, link); err != nil {
			return "", fmt.Errorf("linking %s: %w", link, err)
		}
	}
	return bin, nil
}

func (p *Provisioner) build(ctx context.Context, t Tool) error {
	modDir := filepath.Join(p.RepoRoot, "lab", "tools", t.Module)
	if _, err := os.Stat(filepath.Join(modDir, "go.mod")); err != nil {
		return fmt.Errorf("cannot build %s %s: tool module %s missing: %w", t.Name, t.Version, modDir, err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("cannot build %s %s: the go command is not on PATH: %w", t.Name, t.Version, err)
	}
	dir := p.Dir(t)
	logPath := filepath.Join(dir, "build.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating build log: %w", err)
	}
	defer logf.Close()
	p.progressf("building %s %s from lab/tools/%s (first run only; log %s)", t.Name, t.Version, t.Module, logPath)
	start := time.Now()
	tmp := filepath.Join(dir, t.Name+".tmp")
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-o", tmp, t.Package)
	cmd.Dir = modDir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		return &BuildError{Tool: t.Name, Version: t.Version, Log: logPath, Tail: tailFile(logPath, 15), Err: err}
	}
	if err := os.Rename(tmp, p.Path(t)); err != nil {
		return fmt.Errorf("installing %s: %w", t.Name, err)
	}
	p.progressf("built %s in %s", t.Name, time.Since(start).Round(time.Second))
	return nil
}

// BuildError reports a failed tool build with the log to read.
type BuildError struct {
	Tool, Version, Log, Tail string
	Err                      error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("building lab tool %s %s failed: %v (full log: %s)\n%s", e.Tool, e.Version, e.Err, e.Log, e.Tail)
}

func (e *BuildError) Unwrap() error { return e.Err }

// ErrorKind: the build failed; its log says why.
func (e *BuildError) ErrorKind() errkind.Kind { return errkind.Invalid }

func (p *Provisioner) progressf(format string, args ...any) {
	if p.Progress != nil {
		fmt.Fprintf(p.Progress, "lab: "+format+"\n", args...)
	}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// tailFile returns the last n lines of path ("" if unreadable).
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return lastLines(b, n)
}

func lastLines(b []byte, n int) string {
	b = bytes.TrimRight(b, "\n")
	lines := strings.Split(string(b), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
