package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// HelmEngine renders a local chart's templates. Helm's engine links
// client-go, so it lives in package source/helmengine and plugs in here;
// that keeps this package (and check, which imports it) offline-clean.
//
// An engine reads nothing outside req.RepoRoot and never uses the network.
// It returns a *ManifestError for what Argo CD would fail on too (naming
// the chart file to blame), a *UnsupportedError for what needs the network
// (a chart repository, a remote schema), and stops when ctx is done.
type HelmEngine interface {
	RenderChart(ctx context.Context, req ChartRequest) (*RenderedChart, error)
}

// ChartRequest is what `helm template` gets from Argo CD.
type ChartRequest struct {
	RepoRoot    string         // absolute, symlinks resolved: nothing outside is read
	ChartDir    string         // absolute path of the chart
	ReleaseName string         // --name-template
	Namespace   string         // --namespace
	Values      map[string]any // user values, already layered (files < values < --set)
	IncludeCRDs bool           // --include-crds unless helm.skipCrds
	// SkipSchemaValidation, KubeVersion and APIVersions mirror the
	// Application's helm fields of the same names.
	SkipSchemaValidation bool
	KubeVersion          string
	APIVersions          []string
}

// RenderedChart is the engine's output.
type RenderedChart struct {
	Templates []RenderedTemplate
	// Dirs are the chart directories read besides ChartDir (absolute):
	// `file://` dependencies that are not vendored in charts/.
	Dirs []string
}

// RenderedTemplate is one rendered file, named as Helm names it:
// "<chart>/templates/x.yaml", "<chart>/charts/<sub>/templates/y.yaml",
// "<chart>/crds/z.yaml". Empty renders, partials and NOTES.txt are omitted.
type RenderedTemplate struct {
	Name    string
	Content string
	// File is the absolute path of the template's source file when the
	// engine knows it (a dependency loaded from elsewhere in the
	// repository); empty means the path under ChartDir that Name implies.
	File string
}

var (
	helmMu      sync.RWMutex
	defaultHelm HelmEngine
)

// RegisterHelmEngine sets the engine Render uses when Options.Helm is nil.
// Package source/helmengine calls it from init; import it for its side
// effect wherever Helm sources must render (the CLI).
func RegisterHelmEngine(e HelmEngine) {
	helmMu.Lock()
	defer helmMu.Unlock()
	defaultHelm = e
}

func helmEngine(opts Options) HelmEngine {
	if opts.Helm != nil {
		return opts.Helm
	}
	helmMu.RLock()
	defer helmMu.RUnlock()
	return defaultHelm
}

func renderHelm(ctx context.Context, root, appPath string, app *Application, src AppSource, env argoEnv, opts Options, res *Result) ([]Object, error) {
	eng := helmEngine(opts)
	if eng == nil {
		return nil, &UnsupportedError{Type: TypeHelm, What: "no Helm engine linked in (import github.com/gitshift/gitshift/internal/source/helmengine)"}
	}
	h := src.Helm
	if h == nil {
		h = &HelmSource{}
	}
	hr := &helmRefs{ctx: ctx, root: root, appPath: appPath, app: app, src: src, env: env, repos: opts.Repos, cache: opts.Cache}
	vals, read, err := helmValues(hr, h, opts.maxSize())
	if err != nil {
		return nil, err
	}
	res.ReadFiles = append(res.ReadFiles, read...)
	// Argo CD: the app name, the source's namespace or the destination's,
	// the source's kube version and API versions or the cluster's.
	req := ChartRequest{
		RepoRoot: root, ChartDir: appPath, ReleaseName: app.Name, Namespace: app.Destination.Namespace, Values: vals,
		IncludeCRDs: !h.SkipCrds, SkipSchemaValidation: h.SkipSchemaValidation,
		KubeVersion: strings.ReplaceAll(h.KubeVersion, "+", ""), APIVersions: h.APIVersions,
	}
	if h.ReleaseName != "" {
		req.ReleaseName = h.ReleaseName
	}
	if h.Namespace != "" {
		req.Namespace = h.Namespace
	}
	if req.KubeVersion == "" {
		req.KubeVersion = strings.ReplaceAll(opts.KubeVersion, "+", "")
	}
	if len(req.APIVersions) == 0 {
		req.APIVersions = opts.APIVersions
	}
	// Helm's engine takes no context: a template that loops for long
	// is left behind when ctx is done (the command is ending).
	out, err := whileAlive(ctx, func() (*RenderedChart, error) { return eng.RenderChart(ctx, req) })
	if err != nil {
		if isTyped(err) || ctx.Err() != nil {
			return nil, err
		}
		return nil, &ManifestError{File: relSlash(root, appPath), Msg: "helm template failed", Err: err}
	}
	for _, dir := range append([]string{appPath}, out.Dirs...) {
		chartFiles, err := filesUnder(root, dir)
		if err != nil {
			return nil, err
		}
		res.ReadFiles = append(res.ReadFiles, chartFiles...)
	}
	return helmObjects(root, appPath, out.Templates, h.SkipTests, opts.maxSize())
}

// helmObjects decodes rendered templates. Argo CD splits the whole helm
// output with kube.SplitYAML, so any kind-less document is an error here
// (no "not Kubernetes" leniency as in directory sources).
func helmObjects(root, appPath string, tmpls []RenderedTemplate, skipTests bool, limit int64) ([]Object, error) {
	sort.SliceStable(tmpls, func(i, j int) bool {
		ci, cj := isCRDTemplate(tmpls[i].Name), isCRDTemplate(tmpls[j].Name)
		if ci != cj {
			return ci
		}
		return tmpls[i].Name < tmpls[j].Name
	})
	var objs []Object
	for _, t := range tmpls {
		inChart := t.Name
		if i := strings.IndexByte(inChart, '/'); i >= 0 {
			inChart = inChart[i+1:]
		}
		file := t.File
		if file == "" {
			file = filepath.Join(appPath, filepath.FromSlash(inChart))
		}
		rel := relSlash(root, file)
		docs, err := splitYAML([]byte(t.Content))
		if err != nil {
			return nil, &ManifestError{File: rel, Msg: "failed to unmarshal rendered manifest", Err: err}
		}
		lines := templateDocLines(file, limit)
		for _, d := range docs {
			d.line = 0
			if d.doc < len(lines) {
				d.line = lines[d.doc]
			}
			o, _, err := flatten(rel, d)
			if err != nil {
				return nil, err
			}
			for _, x := range o {
				if skipTests && isTestHook(x) {
					continue
				}
				objs = append(objs, x)
			}
		}
	}
	return objs, nil
}

func isCRDTemplate(name string) bool {
	return strings.Contains(name, "/crds/")
}

func isTestHook(o Object) bool {
	for _, ev := range strings.Split(o.GetAnnotations()["helm.sh/hook"], ",") {
		if strings.HasPrefix(strings.TrimSpace(ev), "test") {
			return true
		}
	}
	return false
}

// templateDocLines is best-effort provenance for Helm: for each `---`
// separated chunk of the template source, the line of its first
// apiVersion:/kind: line (or the chunk's first line). Loops that emit a
// varying number of documents make later entries approximate.
func templateDocLines(file string, limit int64) []int {
	data, err := ReadFile(file, limit)
	if err != nil {
		return nil
	}
	var out []int
	start, found := 1, false
	for i, l := range strings.Split(string(data), "\n") {
		n := i + 1
		if strings.HasPrefix(l, "---") {
			if found || n > 1 {
				out = append(out, start)
			}
			start, found = n+1, false
			continue
		}
		if !found && (strings.HasPrefix(l, "apiVersion:") || strings.HasPrefix(l, "kind:")) {
			start, found = n, true
		}
	}
	return append(out, start)
}

// filesUnder lists the regular files below dir, repo-relative: a chart
// consumes all of them.
func filesUnder(root, dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			out = append(out, relSlash(root, p))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing chart files: %w", err)
	}
	return out, nil
}

func relSlash(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
