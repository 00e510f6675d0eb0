// Package helmengine plugs Helm's template engine into package source.
// It is separate because helm.sh/helm/v3/pkg/engine and chartutil link
// client-go; importing this package (for its init) is the CLI's choice, and
// package source and check stay offline-clean. The engine never contacts a
// cluster: `lookup` returns empty results, as in `helm template`.
package helmengine

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/gitshift/gitshift/internal/source"
)

func init() { source.RegisterHelmEngine(Engine{}) }

// Engine renders local charts like `helm template` (client-only).
type Engine struct{}

var _ source.HelmEngine = Engine{}

// RenderChart loads req.ChartDir, resolves local dependencies and renders.
func (Engine) RenderChart(ctx context.Context, req source.ChartRequest) (*source.RenderedChart, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chrt, err := loader.Load(req.ChartDir)
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	if chrt.Metadata.Type == "library" {
		return nil, fmt.Errorf("library charts are not installable")
	}
	if err := addFileDependencies(chrt, req.ChartDir); err != nil {
		return nil, err
	}
	caps, err := capabilities(req)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, req.Values); err != nil {
		return nil, fmt.Errorf("processing dependencies: %w", err)
	}
	opts := chartutil.ReleaseOptions{Name: req.ReleaseName, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, req.Values, opts, caps, req.SkipSchemaValidation)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return nil, err
	}
	var out []source.RenderedTemplate
	if req.IncludeCRDs {
		for _, crd := range chrt.CRDObjects() {
			out = append(out, source.RenderedTemplate{Name: filepath.ToSlash(crd.Filename), Content: string(crd.File.Data)})
		}
	}
	for name, content := range files {
		// What Helm's renderResources/SortManifests drop.
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		out = append(out, source.RenderedTemplate{Name: name, Content: content})
	}
	return &source.RenderedChart{Templates: out}, nil
}

func capabilities(req source.ChartRequest) (*chartutil.Capabilities, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	if req.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("helm.kubeVersion: %w", err)
		}
		caps.KubeVersion = *kv
	}
	caps.APIVersions = append(caps.APIVersions, req.APIVersions...)
	return caps, nil
}

// addFileDependencies loads `repository: file://...` dependencies that are
// not vendored in charts/ (Argo CD's `helm dependency build` would package
// them); other missing dependencies need a chart repository: an error.
func addFileDependencies(chrt *chart.Chart, dir string) error {
	have := map[string]bool{}
	for _, d := range chrt.Dependencies() {
		have[d.Name()] = true
	}
	for _, dep := range chrt.Metadata.Dependencies {
		if have[dep.Name] {
			continue
		}
		if !strings.HasPrefix(dep.Repository, "file://") {
			return fmt.Errorf("dependency %q is not in charts/ (run helm dependency build; chart repositories cannot be fetched offline)", dep.Name)
		}
		sub, err := loader.Load(filepath.Join(dir, strings.TrimPrefix(dep.Repository, "file://")))
		if err != nil {
			return fmt.Errorf("loading dependency %q: %w", dep.Name, err)
		}
		chrt.AddDependency(sub)
		have[dep.Name] = true
	}
	return nil
}
