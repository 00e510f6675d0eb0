// Package check finds what is wrong with an Argo CD + Istio repository
// before it is merged: manifests Argo CD will not apply (and why), sources
// it would fail to render, risky sync settings, and canary routing that
// Istio would reject or route nowhere. Every finding is a Diagnostic with a
// stable code, a severity, file:line and a hint.
//
// check runs offline: it must never import client-go (see the fence test).
package check

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// Severity of a diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// rank orders severities: error > warning > info.
func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as severe as min or more.
func (s Severity) AtLeast(min Severity) bool { return s.rank() >= min.rank() }

// ParseSeverity accepts "error", "warning" or "info".
func ParseSeverity(v string) (Severity, error) {
	switch s := Severity(v); s {
	case SeverityError, SeverityWarning, SeverityInfo:
		return s, nil
	}
	return "", fmt.Errorf("unknown severity %q (want error, warning or info)", v)
}

// Diagnostic is one finding. File is repo-relative; Line is 1-based (0 when
// unknown).
type Diagnostic struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint"`
	App      string   `json:"app"`
}

func (d Diagnostic) String() string {
	loc := d.File
	if d.Line > 0 {
		loc = fmt.Sprintf("%s:%d", d.File, d.Line)
	}
	return fmt.Sprintf("%s: %s %s %s", loc, d.Severity, d.Code, d.Message)
}

// SourceResult is one rendered source of an Application.
type SourceResult struct {
	Index  int // position in Application.Sources
	Source source.AppSource
	// Root is the checkout the source was rendered from when it is not
	// the Target's (another repository mapped to a local directory).
	Root string
	// Result is what Argo CD would apply; nil when rendering failed or the
	// source was skipped.
	Result *source.Result
	// Err is the render error: a *source.ManifestError when Argo CD would
	// fail too, a *source.UnsupportedError when gitshift cannot render it.
	Err error
	// Skipped says why the source was not rendered (e.g. a ref source).
	Skipped string
	// Elsewhere: the source is in another repository that is not mapped
	// to a local checkout (Err says it cannot be checked).
	Elsewhere bool
}

// Target is one Application checked against a local checkout.
type Target struct {
	App      *source.Application
	RepoRoot string
	Sources  []SourceResult
	// Diagnostics are filled by Run.
	Diagnostics []Diagnostic
}

// Objects returns every object the Application's rendered sources apply,
// source after source, as Argo CD's controller combines them.
func (t *Target) Objects() []source.Object {
	var out []source.Object
	for _, s := range t.Sources {
		if s.Result != nil {
			out = append(out, s.Result.Objects...)
		}
	}
	return out
}

// DestinationNamespace is where Argo CD puts namespace-less objects.
func (t *Target) DestinationNamespace() string { return t.App.Destination.Namespace }

// ArgoCDNamespace is the namespace the Application lives in (Argo CD's own).
func (t *Target) ArgoCDNamespace() string {
	if t.App.Namespace != "" {
		return t.App.Namespace
	}
	return "argocd"
}

// LocalFunc says whether src lives in the checkout at repoRoot; when not,
// reason explains why.
type LocalFunc func(src source.AppSource) (local bool, reason string)

// Render renders every source of app like Argo CD's repo-server and
// returns the Target to check. A source in the checkout (local) renders
// from repoRoot, one whose repository opts.Repos maps renders from that
// checkout, a Helm repository chart goes to source.Render (which renders
// a mapped local copy or says it cannot), and any other source cannot be
// read offline: a *source.UnsupportedError naming it. In a multi-source
// Application a source without path and chart renders nothing, as in Argo
// CD. Render errors are kept in the Target (check reports them).
func Render(ctx context.Context, repoRoot string, app *source.Application, local LocalFunc, opts source.Options) *Target {
	t := &Target{App: app, RepoRoot: repoRoot}
	for i, src := range app.Sources {
		sr := SourceResult{Index: i, Source: src}
		root := repoRoot
		ok, reason := local(src)
		mapped := opts.Repos[source.NormalizeRepoURL(src.RepoURL)]
		switch {
		case app.MultipleSources && src.Path == "" && src.Chart == "":
			sr.Skipped = "no path and no chart: Argo CD renders nothing for it (a ref source)"
		case src.Chart != "":
			sr.Result, sr.Err = source.Render(ctx, repoRoot, app, src, opts)
		case !ok && mapped == "":
			sr.Elsewhere = true
			sr.Err = &source.UnsupportedError{Repo: src.RepoURL, What: fmt.Sprintf("source %d (%s, path %q): %s; it cannot be read offline unless that repository is mapped to a local checkout",
				i+1, src.RepoURL, src.Path, reason)}
		default:
			if !ok {
				root, sr.Root = mapped, mapped
			}
			if problem := pathProblem(root, src.Path); problem != "" {
				sr.Err = &pathError{problem: problem}
				break
			}
			sr.Result, sr.Err = source.Render(ctx, root, app, src, opts)
		}
		t.Sources = append(t.Sources, sr)
	}
	return t
}

// Options tune a check run.
type Options struct {
	// Rules restricts the run to these codes; empty runs all rules.
	Rules []string
	// RPS is the service's expected total request rate (0: not given):
	// GS3001 grades each CanaryPolicy's steps against it.
	RPS float64
}

// Run checks every target, fills each Target's Diagnostics and returns them
// all, sorted by app, file, line and code. Targets are checked against each
// other too: a Service rendered by one Application satisfies a route in
// another, and a file is unapplied only when no Application applies it.
func Run(ctx context.Context, targets []*Target, opts Options) ([]Diagnostic, error) {
	enabled := map[string]bool{}
	for _, c := range opts.Rules {
		enabled[c] = true
	}
	// The file index walks the checkout while the models parse objects:
	// neither needs the other, so build them side by side.
	var files *fileIndex
	var filesErr error
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		files, filesErr = newFileIndex(ctx, targets)
	}()
	own, world := models(targets)
	<-indexed
	if filesErr != nil {
		return nil, filesErr
	}
	var all []Diagnostic
	for i, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &Pass{Target: t, World: world, Files: files, own: own[i], lines: newLocator(t.RepoRoot), rps: opts.RPS}
		p.markPlain()
		for _, r := range Rules() {
			if len(enabled) > 0 && !enabled[r.Code] {
				continue
			}
			p.rule = r
			r.run(p)
		}
		sortDiagnostics(p.diags)
		t.Diagnostics = p.diags
		all = append(all, p.diags...)
	}
	return all, nil
}

// models builds each target's routing model and the world model of all of
// them, with their lookup indexes built side by side (every route lookup
// needs them).
func models(targets []*Target) (own []*mesh.Model, world *mesh.Model) {
	own = make([]*mesh.Model, len(targets))
	// Targets are independent: build their models on GOMAXPROCS workers
	// (AddAll spreads one large target's objects itself; a repository of
	// many small Applications would otherwise build them one by one).
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(targets)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(targets); i = int(next.Add(1) - 1) {
				t := targets[i]
				own[i] = &mesh.Model{}
				own[i].AddAll(t.Objects(), t.DestinationNamespace(), t.App.Name)
			}
		})
	}
	wg.Wait()
	all := own
	if len(own) == 1 {
		// One Application's world is its own model: share it, and its index.
		world = own[0]
	} else {
		world = &mesh.Model{}
		for _, m := range own {
			world.Merge(m)
		}
		all = append(append([]*mesh.Model{}, own...), world)
	}
	for _, m := range all {
		wg.Go(m.Prepare)
	}
	wg.Wait()
	return own, world
}

func sortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.App != b.App {
			return a.App < b.App
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Code < b.Code
	})
}

// CodeUnsupported is the rule for a source gitshift cannot check offline.
const CodeUnsupported = "GS1011"

// Outcome is what a check run means for its exit status.
type Outcome int

const (
	// Passed: no diagnostic reached the threshold and every source was checked.
	Passed Outcome = iota
	// Failed: a diagnostic other than "not checked" reached the threshold.
	Failed
	// NotChecked: nothing failed, but a source could not be checked
	// offline (it needs the network, a plugin, ...): GS1011.
	NotChecked
)

// Judge turns diagnostics into an Outcome: a failure wins over a source
// that could not be checked, whatever the severity of GS1011.
func Judge(ds []Diagnostic, failOn Severity) Outcome {
	unchecked := false
	for _, d := range ds {
		if d.Code == CodeUnsupported {
			unchecked = true
			continue
		}
		if d.Severity.AtLeast(failOn) {
			return Failed
		}
	}
	if unchecked {
		return NotChecked
	}
	return Passed
}

// Count returns how many diagnostics are at least as severe as min.
func Count(ds []Diagnostic, min Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity.AtLeast(min) {
			n++
		}
	}
	return n
}
