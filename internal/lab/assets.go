package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Asset is upstream data the lab applies or configures (CRDs, kwok stages),
// read from a Go module and cached next to the tools, so that a warm start
// needs neither the network nor the go command.
type Asset struct {
	Name    string   // cache file, e.g. istio-crds.yaml
	ModPath string   // Go module holding the files
	Version string   // module version (cache key)
	Module  string   // lab/tools/<Module> that requires it; "" = `go mod download` it
	Files   []string // files inside the module, concatenated as YAML documents
	// Component is the optional component that needs it ("" = always).
	Component string
}

// Assets lists the upstream data the lab needs.
var Assets = []Asset{
	{Name: "istio-crds.yaml", ModPath: "istio.io/api", Version: "v1.32.0",
		Files: []string{"kubernetes/customresourcedefinitions.gen.yaml"}},
	{Name: "argocd-crds.yaml", ModPath: "github.com/argoproj/argo-cd/v2", Version: "v2.14.21", Module: "argocd",
		Files: []string{"manifests/crds/application-crd.yaml", "manifests/crds/appproject-crd.yaml"}},
	{Name: "kwok-stages.yaml", ModPath: "sigs.k8s.io/kwok", Version: "v0.8.0", Module: "kwok",
		Files: []string{
			"kustomize/stage/node/fast/node-initialize.yaml",
			"kustomize/stage/node/heartbeat/node-heartbeat.yaml",
			"kustomize/stage/pod/fast/pod-ready.yaml",
			"kustomize/stage/pod/fast/pod-complete.yaml",
			"kustomize/stage/pod/fast/pod-delete.yaml",
		}},
	// With istiod the CRDs come from the same module version as istiod, as
	// Istio's own charts install them.
	{Name: IstiodCRDsAsset, ModPath: "istio.io/istio", Version: IstioVersion, Module: "istio",
		Files: []string{"manifests/charts/base/files/crd-all.gen.yaml"}, Component: ComponentIstiod},
}

// IstiodCRDsAsset is the asset of Istio's CRDs applied with istiod.
const IstiodCRDsAsset = "istiod-crds.yaml"

// AssetPath is the cached file of a.
func (p *Provisioner) AssetPath(a Asset) string {
	return filepath.Join(p.CacheDir, "assets", strings.TrimSuffix(a.Name, ".yaml")+"-"+a.Version+".yaml")
}

// EnsureAssets caches every asset and returns their paths by name.
func (p *Provisioner) EnsureAssets(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range Assets {
		if !p.wants(a.Component) {
			continue
		}
		path, err := p.EnsureAsset(ctx, a)
		if err != nil {
			return nil, err
		}
		out[a.Name] = path
	}
	return out, nil
}

// EnsureAsset returns the cached file of a, extracting it first when missing.
func (p *Provisioner) EnsureAsset(ctx context.Context, a Asset) (string, error) {
	path := p.AssetPath(a)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	dir, err := p.moduleDir(ctx, a)
	if err != nil {
		return "", fmt.Errorf("locating %s %s for %s: %w", a.ModPath, a.Version, a.Name, err)
	}
	var docs []string
	for _, f := range a.Files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("reading %s from %s %s: %w", f, a.ModPath, a.Version, err)
		}
		docs = append(docs, strings.TrimSpace(string(b)))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("creating asset cache: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(docs, "\n---\n")+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("installing %s: %w", path, err)
	}
	return path, nil
}

// moduleDir finds the module's directory in the Go module cache,
// downloading it when needed.
func (p *Provisioner) moduleDir(ctx context.Context, a Asset) (string, error) {
	args := []string{"mod", "download", "-json", a.ModPath + "@" + a.Version}
	dir := p.CacheDir
	if a.Module != "" {
		args = []string{"list", "-mod=mod", "-m", "-json", a.ModPath}
		dir = filepath.Join(p.RepoRoot, "lab", "tools", a.Module)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("go %s: %w %s", strings.Join(args, " "), err, stderr)
	}
	var m struct{ Dir, Version string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("decoding go %s output: %w", args[0], err)
	}
	if m.Version != a.Version {
		return "", fmt.Errorf("lab/tools/%s resolves %s to %s, want %s", a.Module, a.ModPath, m.Version, a.Version)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("module %s has no directory in the module cache", a.ModPath)
	}
	return m.Dir, nil
}
