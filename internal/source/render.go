package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Render renders one source of app against the checkout at repoRoot the way
// Argo CD's repo-server would (the caller decided that src.RepoURL is this
// checkout). Errors Argo CD would also fail on are *ManifestError; sources
// gitshift cannot render offline give *UnsupportedError.
func Render(ctx context.Context, repoRoot string, app *Application, src AppSource, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := parseVersion(opts.ArgoCDVersion)
	if err != nil {
		return nil, err
	}
	root, err := cleanRoot(repoRoot)
	if err != nil {
		return nil, err
	}
	if src.Chart != "" {
		if root, err = localChart(opts, src); err != nil {
			return nil, err
		}
		src.Path = "" // Argo CD renders the extracted chart as its own root
	}
	if err := checkRefs(app); err != nil {
		return nil, appError(app, err)
	}
	appPath, err := resolveAppPath(root, src.Path)
	if err != nil {
		return nil, appError(app, err)
	}
	if err := opts.Cache.checkSymlinks(ctx, root); err != nil {
		return nil, err
	}
	eff, used, err := mergeSourceOverrides(normalizeSource(src), appPath, root, app.Name, opts.maxSize())
	if err != nil {
		return nil, err
	}
	t, err := explicitType(eff)
	if err != nil {
		return nil, appError(app, err)
	}
	if t == "" {
		if t, err = DetectType(appPath); err != nil {
			return nil, err
		}
	}
	env := newArgoEnv(app, src, opts.Revision)
	relPath, _ := filepath.Rel(root, appPath)
	res := &Result{Type: t, Path: filepath.ToSlash(relPath), Source: eff, ReadFiles: used}
	var objs []Object
	switch t {
	case TypePlugin:
		return nil, errPlugin(eff.Plugin)
	case TypeDirectory:
		w, err := newDirWalk(root, appPath, eff.Directory, v, env, opts.maxSize(), res)
		if err != nil {
			return nil, err
		}
		w.cache = opts.Cache
		if err := w.run(ctx); err != nil {
			return nil, err
		}
		objs = w.objs
	case TypeHelm:
		if objs, err = renderHelm(ctx, root, appPath, app, eff, env, opts, res); err != nil {
			return nil, err
		}
	case TypeKustomize:
		if objs, err = renderKustomize(ctx, root, appPath, eff.Kustomize, env, opts, res); err != nil {
			return nil, err
		}
	}
	var warns []Warning
	res.Objects, warns = dedupe(objs, app.Destination.Namespace)
	res.Warnings = append(res.Warnings, warns...)
	res.ReadFiles = sortedUnique(res.ReadFiles)
	return res, nil
}

// cleanRoot makes repoRoot absolute with symlinks resolved, so that every
// in-bounds check compares like with like.
func cleanRoot(repoRoot string) (string, error) {
	abs, err := filepath.Abs(repoRoot)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	return real, nil
}

// appError points a source-level error at the Application manifest.
func appError(app *Application, err error) error {
	return &ManifestError{File: app.Origin.File, Line: app.Origin.Line, Msg: fmt.Sprintf("application %q", app.Name), Err: err}
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// localChart is the local copy of a Helm repository chart that the caller
// mapped (Options.Repos: the chart repository URL -> a directory holding
// <chart>/Chart.yaml, or the chart itself). Without one the source cannot
// be rendered offline. The copy is trusted to be targetRevision.
func localChart(opts Options, src AppSource) (string, error) {
	dir, ok := opts.Repos[NormalizeRepoURL(src.RepoURL)]
	if !ok {
		return "", &UnsupportedError{Type: TypeHelm, Repo: src.RepoURL, Chart: src.Chart, What: fmt.Sprintf(
			"chart %q from the Helm repository %s cannot be rendered offline without a local copy", src.Chart, src.RepoURL)}
	}
	for _, c := range []string{filepath.Join(dir, src.Chart), dir} {
		if _, err := os.Stat(filepath.Join(c, "Chart.yaml")); err == nil {
			return cleanRoot(c)
		}
	}
	return "", &UnsupportedError{Type: TypeHelm, Repo: src.RepoURL, Chart: src.Chart, What: fmt.Sprintf(
		"chart %q: the local copy of %s (%s) holds no %s/Chart.yaml", src.Chart, src.RepoURL, dir, src.Chart)}
}
