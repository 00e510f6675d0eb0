package helmengine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/gitshift/gitshift/internal/source"
)

// fileDeps are the dependencies loaded from `file://` paths elsewhere in
// the repository, by the name (or alias) Helm renders them under.
type fileDeps struct {
	top      string            // the chart's name: rendered names start with it
	byName   map[string]string // dependency name or alias -> directory or archive
	archives map[string]bool   // paths in byName that are chart archives
}

func (d *fileDeps) dirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range d.byName {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// file is the source of a rendered file "<top>/charts/<dep>/<rest>" when
// <dep> was loaded from a directory elsewhere in the repository, else "".
func (d *fileDeps) file(name string) string {
	rest, ok := strings.CutPrefix(name, d.top+"/charts/")
	if !ok {
		return ""
	}
	dep, inDep, _ := strings.Cut(rest, "/")
	dir := d.byName[dep]
	if dir == "" || d.archives[dir] {
		return "" // inside an archive: no file to point at
	}
	return filepath.Join(dir, filepath.FromSlash(inDep))
}

// addFileDependencies does what Argo CD's `helm dependency build` does for
// dependencies that are not vendored in charts/, offline: a `file://` one
// is loaded if it lies inside the repository (invalid otherwise, like an
// out-of-bounds value file); one from a chart repository needs the
// network, so the source is not checked.
func addFileDependencies(ctx context.Context, chrt *chart.Chart, req source.ChartRequest) (*fileDeps, error) {
	deps := &fileDeps{top: chrt.Name(), byName: map[string]string{}, archives: map[string]bool{}}
	have := map[string]bool{}
	for _, d := range chrt.Dependencies() {
		have[d.Name()] = true
	}
	chartFile := filepath.Join(req.ChartDir, "Chart.yaml")
	for i, dep := range chrt.Metadata.Dependencies {
		if have[dep.Name] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		repo := strings.TrimSpace(dep.Repository)
		what := fmt.Sprintf("dependency %q", dep.Name)
		switch {
		case repo == "":
			return nil, blame(req, chartFile, i, what+" is not in charts/ and names no repository")
		case !strings.HasPrefix(repo, "file://"):
			return nil, &source.UnsupportedError{Type: source.TypeHelm, File: rel(req.RepoRoot, chartFile),
				What: fmt.Sprintf("%s from %s is not in charts/: Argo CD would fetch it (helm dependency build); gitshift does not use the network", what, repo)}
		}
		p, problem := resolveFileDependency(req.RepoRoot, req.ChartDir, repo)
		if problem != "" {
			return nil, blame(req, chartFile, i, fmt.Sprintf("%s: repository %s %s", what, repo, problem))
		}
		sub, err := loadChart(req.RepoRoot, p)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", what, err)
		}
		chrt.AddDependency(sub)
		have[dep.Name] = true
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			deps.archives[p] = true
		}
		deps.byName[dep.Name] = p
		if dep.Alias != "" {
			deps.byName[dep.Alias] = p
		}
	}
	return deps, nil
}

// resolveFileDependency resolves a `file://` repository like Helm (relative
// to the chart, or absolute) and returns the path, or what is wrong with it.
func resolveFileDependency(root, chartDir, repo string) (string, string) {
	p := strings.TrimPrefix(repo, "file://")
	if strings.HasPrefix(p, "/") || filepath.IsAbs(p) {
		// Helm would read the repo-server's own disk there.
		return "", "is an absolute path, outside the repository as Argo CD checks it out"
	}
	abs := filepath.Join(chartDir, filepath.FromSlash(p))
	if !within(root, abs) {
		return "", "is outside the repository"
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", "is not found in the repository"
	}
	if !within(root, real) {
		return "", "is outside the repository"
	}
	return real, ""
}

// blame is a *source.ManifestError at the dependency's repository line.
func blame(req source.ChartRequest, chartFile string, i int, msg string) error {
	return &source.ManifestError{File: rel(req.RepoRoot, chartFile), Line: dependencyLine(chartFile, i), Msg: msg}
}

// dependencyLine is the line of dependencies[i].repository in Chart.yaml
// (of the entry when it has no repository), or 0.
func dependencyLine(chartFile string, i int) int {
	data, err := source.ReadFile(chartFile, loader.MaxDecompressedFileSize)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	deps := mapValue(doc.Content[0], "dependencies")
	if deps == nil || deps.Kind != yaml.SequenceNode || i >= len(deps.Content) {
		return 0
	}
	entry := deps.Content[i]
	if r := mapValue(entry, "repository"); r != nil {
		return r.Line
	}
	return entry.Line
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	return nil
}

// within reports whether p is root or below it (both absolute and clean).
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}
