package check

import (
	"context"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/source"
)

// fileIndex knows, per checkout, which manifest files some Application
// applies or reads, which ones each Application skipped and why, and what
// the skipped ones contain.
type fileIndex struct {
	roots     map[string]*rootFiles
	unapplied map[*Target][]unapplied // unappliedFor's answers: every rule asks

	targets        []*Target
	policies       []foundPolicy // canaryPolicies' answer
	policyProblems []policyProblem
	policiesDone   bool
}

type rootFiles struct {
	root       string
	candidates []string
	used       map[string]bool      // applied or read by some source
	ignoredBy  map[string][]*Target // file -> targets whose sources listed it as ignored
	appPaths   []appPath            // every local source path, rendered or not
	// failed is set when a local source did not render: what it would
	// apply is unknown, so nothing is reported as outside every path.
	failed   bool
	contents map[string]*fileContent
	// outside lists, per nearest target, the candidates no source
	// applies, reads, ignores or contains (built once, on first use).
	outside map[*Target][]string
}

type appPath struct {
	target *Target
	path   string // repo-relative, slash-separated, "." for the root
}

// unapplied is a manifest file in the checkout that no Application applies.
type unapplied struct {
	File    string
	Reason  source.IgnoreReason
	Detail  string
	Content *fileContent
}

func newFileIndex(ctx context.Context, targets []*Target) (*fileIndex, error) {
	fi := &fileIndex{roots: map[string]*rootFiles{}, unapplied: map[*Target][]unapplied{}, targets: targets}
	for _, t := range targets {
		rf := fi.roots[t.RepoRoot]
		if rf == nil {
			cands, err := source.ManifestCandidates(ctx, t.RepoRoot)
			if err != nil {
				return nil, err
			}
			rf = &rootFiles{root: t.RepoRoot, candidates: cands, used: map[string]bool{},
				ignoredBy: map[string][]*Target{}, contents: map[string]*fileContent{}}
			fi.roots[t.RepoRoot] = rf
		}
		for _, s := range t.Sources {
			if s.Skipped != "" || s.Elsewhere || s.Root != "" || s.Source.Chart != "" {
				continue // not a source of this checkout
			}
			rf.appPaths = append(rf.appPaths, appPath{target: t, path: cleanRel(s.Source.Path)})
			if s.Result == nil {
				rf.failed = true
				continue
			}
			for _, f := range append(append([]string{}, s.Result.Files...), s.Result.ReadFiles...) {
				rf.used[f] = true
			}
			for _, ig := range s.Result.Ignored {
				rf.ignoredBy[ig.File] = append(rf.ignoredBy[ig.File], t)
			}
		}
		if t.App.Origin.File != "" {
			rf.used[t.App.Origin.File] = true
		}
	}
	return fi, nil
}

func cleanRel(p string) string {
	c := path.Clean("/" + filepath.ToSlash(p))
	if c == "/" {
		return "."
	}
	return strings.TrimPrefix(c, "/")
}

func under(file, dir string) bool {
	return dir == "." || file == dir || strings.HasPrefix(file, dir+"/")
}

// unappliedFor returns the files t is responsible for that no Application
// applies: the ones its sources skipped, and, for the Application whose path
// is nearest, the manifests outside every Application's path.
func (fi *fileIndex) unappliedFor(t *Target) []unapplied {
	if out, ok := fi.unapplied[t]; ok {
		return out
	}
	rf := fi.roots[t.RepoRoot]
	if rf == nil {
		return nil
	}
	var out []unapplied
	for _, s := range t.Sources {
		if s.Result == nil {
			continue
		}
		for _, ig := range s.Result.Ignored {
			if rf.used[ig.File] || ig.Reason == source.IgnoredNotRendered {
				continue
			}
			out = append(out, unapplied{File: ig.File, Reason: ig.Reason, Detail: ig.Detail, Content: rf.content(ig.File)})
		}
	}
	for _, f := range rf.outsideFor(t) {
		out = append(out, unapplied{File: f, Reason: source.IgnoredOutsidePath, Content: rf.content(f)})
	}
	fi.unapplied[t] = out
	return out
}

// outsideFor is the candidates outside every source path that are
// nearest to t's, in candidate order: one pass over the repository for
// all targets, not one per target and rule.
func (rf *rootFiles) outsideFor(t *Target) []string {
	if rf.failed {
		return nil
	}
	if rf.outside == nil {
		rf.outside = map[*Target][]string{}
		for _, f := range rf.candidates {
			if rf.used[f] || len(rf.ignoredBy[f]) > 0 || rf.insideSomePath(f) {
				continue
			}
			if n := rf.nearest(f); n != nil {
				rf.outside[n] = append(rf.outside[n], f)
			}
		}
	}
	return rf.outside[t]
}

func (rf *rootFiles) insideSomePath(f string) bool {
	for _, ap := range rf.appPaths {
		if under(f, ap.path) {
			return true
		}
	}
	return false
}

// nearest is the target whose source path shares the longest directory
// prefix with f (the first one on ties).
func (rf *rootFiles) nearest(f string) *Target {
	var best *Target
	bestLen := -1
	for _, ap := range rf.appPaths {
		n := commonDirs(f, ap.path)
		if n > bestLen {
			best, bestLen = ap.target, n
		}
	}
	return best
}

func commonDirs(file, dir string) int {
	if dir == "." {
		return 0
	}
	fs, ds := strings.Split(path.Dir(file), "/"), strings.Split(dir, "/")
	n := 0
	for n < len(fs) && n < len(ds) && fs[n] == ds[n] {
		n++
	}
	return n
}

// fileContent summarises the objects in a file nothing applies.
type fileContent struct {
	Objects []fileObject // Kubernetes objects (tool config excluded, see isConfigKind)
	Istio   []fileObject // the networking.istio.io ones among Objects
	Config  bool         // holds Argo CD Applications/AppProjects, kustomize config or a CanaryPolicy
	Policy  bool         // holds a CanaryPolicy
}

type fileObject struct {
	APIVersion, Kind, Name string
	Line                   int
}

func (fo fileObject) String() string { return fo.Kind + " " + fo.Name }

func (rf *rootFiles) content(file string) *fileContent {
	if c, ok := rf.contents[file]; ok {
		return c
	}
	c := &fileContent{}
	rf.contents[file] = c
	// Never a named pipe, never a file bigger than a manifest may be.
	data, err := source.ReadFile(filepath.Join(rf.root, filepath.FromSlash(file)), source.DefaultMaxCombinedManifestSize)
	if err != nil {
		return c
	}
	for _, doc := range parseDocs(data) {
		if doc == nil || doc.Kind != yaml.MappingNode {
			continue
		}
		o := fileObject{Line: doc.Line}
		if v := child(doc, "apiVersion"); v != nil {
			o.APIVersion = v.Value
		}
		if v := child(doc, "kind"); v != nil {
			o.Kind = v.Value
		}
		if v := child(child(doc, "metadata"), "name"); v != nil {
			o.Name = v.Value
		}
		switch {
		case o.APIVersion == "" || o.Kind == "":
			continue
		case isConfigKind(o.APIVersion, o.Kind):
			c.Config = true
			c.Policy = c.Policy || o.Kind == "CanaryPolicy"
			continue
		}
		c.Objects = append(c.Objects, o)
		if strings.HasPrefix(o.APIVersion, "networking.istio.io/") {
			c.Istio = append(c.Istio, o)
		}
	}
	// A YAML syntax error stops the decoder before the policy it breaks:
	// the text still says what the file is, so GS3002 can report it.
	if !c.Policy && policyKind.Match(data) {
		c.Config, c.Policy = true, true
	}
	return c
}

var policyKind = regexp.MustCompile(`(?m)^kind:[ \t]*["']?CanaryPolicy["']?[ \t]*(?:#.*)?\r?$`)

// isConfigKind reports objects that are configuration for tools rather than
// something Argo CD is expected to apply from this repository.
func isConfigKind(apiVersion, kind string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	switch group {
	case "argoproj.io":
		return kind == "Application" || kind == "ApplicationSet" || kind == "AppProject"
	case "kustomize.config.k8s.io", "config.kubernetes.io":
		return true
	case "gitshift.dev":
		// A CanaryPolicy kept next to the manifests is read by gitshift from
		// the file; it needs applying only where its CRD is installed.
		return kind == "CanaryPolicy"
	}
	return false
}
