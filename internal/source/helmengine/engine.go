// Package helmengine plugs Helm's template engine into package source.
// It is separate because helm.sh/helm/v3/pkg/engine and chartutil link
// client-go; importing this package (for its init) is the CLI's choice, and
// package source and check stay offline-clean. The engine never contacts a
// cluster (`lookup` returns empty results, as in `helm template`) nor the
// network (no chart repository, no remote schema, no DNS), and reads
// nothing outside the repository.
package helmengine

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

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
	chrt, err := loadChart(req.RepoRoot, req.ChartDir)
	if err != nil {
		return nil, err
	}
	if chrt.Metadata.Type == "library" {
		return nil, fmt.Errorf("library charts are not installable")
	}
	deps, err := addFileDependencies(ctx, chrt, req)
	if err != nil {
		return nil, err
	}
	caps, err := capabilities(req)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, req.Values); err != nil {
		return nil, fmt.Errorf("processing dependencies: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !req.SkipSchemaValidation {
		if err := checkSchemaRefs(req, chrt, deps); err != nil {
			return nil, err
		}
	}
	opts := chartutil.ReleaseOptions{Name: req.ReleaseName, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, req.Values, opts, caps, req.SkipSchemaValidation)
	if err != nil {
		return nil, err
	}
	// engine.Render never resolves DNS (getHostByName) unless asked to.
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &source.RenderedChart{Dirs: deps.dirs()}
	if req.IncludeCRDs {
		for _, crd := range chrt.CRDObjects() {
			name := filepath.ToSlash(crd.Filename)
			out.Templates = append(out.Templates, source.RenderedTemplate{Name: name, Content: string(crd.File.Data), File: deps.file(name)})
		}
	}
	for name, content := range files {
		// What Helm's renderResources/SortManifests drop.
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		out.Templates = append(out.Templates, source.RenderedTemplate{Name: name, Content: content, File: deps.file(name)})
	}
	return out, nil
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
