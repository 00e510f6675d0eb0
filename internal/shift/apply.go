package shift

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/source"
	// Registers the Helm engine source.Render uses for Helm sources.
	_ "github.com/gitshift/gitshift/internal/source/helmengine"
	sigsyaml "sigs.k8s.io/yaml"
)

// testHookEdited runs after the files are written on each attempt, so tests
// can race a foreign push against the shift deterministically.
var testHookEdited func(attempt int)

// mutation is the edit the CAS loop re-applies to every new head.
type mutation struct {
	req  *Request
	root string
	log  *slog.Logger
	// branch is the branch pushed to; defaultBranch the remote's default
	// when known (for Applications whose targetRevision is HEAD).
	branch, defaultBranch string
	// last attempt's outcome, for the report
	old, new edit.Weights
	files    []string
	changes  []FileChange
	shared   []string // other Applications the edit changes (allowed)
	vsRef    string
}

// found is the VirtualService as the Application renders it.
type found struct {
	app    *source.Application
	target *check.Target
	src    *check.SourceResult
	obj    source.Object
	ns     string
}

func (m *mutation) fill(r *Result) {
	r.Old, r.New, r.Files, r.Changes, r.SharedWith = m.old, m.new, m.files, m.changes, m.shared
	r.Unchanged = len(m.files) == 0
	if m.vsRef != "" {
		r.VirtualService = m.vsRef
	}
}

// apply edits the working tree at the current head and returns the change
// for the commit. Its Guard is the rendered weights before the edit.
func (m *mutation) apply(ctx context.Context, attempt int) (*gitrepo.Change, error) {
	before, err := m.find(ctx)
	if err != nil {
		return nil, err
	}
	old, err := renderedWeights(before, m.req.Route)
	if err != nil {
		return nil, m.precise(before, err)
	}
	if m.req.Expect != nil && !old.Equal(m.req.Expect) {
		return nil, &gitrepo.ConflictError{Branch: m.req.Branch, Was: m.req.Expect.String(), Now: old.String()}
	}
	want, err := m.wantWeights(old, before)
	if err != nil {
		return nil, err
	}
	m.old, m.vsRef = old, before.ns+"/"+before.obj.GetName()
	ch := &gitrepo.Change{Guard: old.String()}
	m.files, m.changes, m.new, m.shared = nil, nil, old, nil
	if old.Equal(want) {
		m.log.Info("weights already as asked; nothing to commit", "weights", old)
		return ch, nil
	}
	if err := m.checkNewDestinations(old, want); err != nil {
		return nil, err
	}
	writes, err := m.plan(before, want, old)
	if err != nil {
		return nil, err
	}
	var edited []string
	for _, w := range writes {
		edited = append(edited, w.file)
	}
	readers, err := m.readers(ctx, before, edited)
	if err != nil {
		return nil, err
	}
	for _, w := range writes {
		if err := os.WriteFile(filepath.Join(m.root, filepath.FromSlash(w.file)), w.data, w.mode); err != nil {
			return nil, err
		}
		m.files = append(m.files, w.file)
		for _, c := range w.changes {
			m.changes = append(m.changes, FileChange{File: w.file, Change: c})
		}
	}
	if testHookEdited != nil {
		testHookEdited(attempt)
	}
	after, err := m.verify(ctx, before, want, readers, edited)
	if err != nil {
		return nil, err
	}
	m.new = after
	ch.Paths = m.files
	ch.Message = m.req.Message
	if ch.Message == "" {
		ch.Message = fmt.Sprintf("shift %s: %s", m.vsRef, after)
	}
	ch.Trailers = mergeTrailers([]gitrepo.Trailer{
		{Key: gitrepo.TrailerAction, Value: "shift"},
		{Key: "Gitshift-App", Value: m.req.App},
		{Key: gitrepo.TrailerVirtualService, Value: m.vsRef},
		{Key: gitrepo.TrailerWeights, Value: after.String()},
	}, m.req.Trailers)
	if len(m.shared) > 0 {
		ch.Trailers = append(ch.Trailers, gitrepo.Trailer{Key: TrailerSharedWith, Value: strings.Join(m.shared, ", ")})
	}
	m.log.Info("edited", "attempt", attempt, "files", m.files, "old", old, "new", after)
	return ch, nil
}

// verify renders again: the VirtualService must carry exactly the asked
// weights (a Helm value overridden elsewhere, a kustomize patch or an
// .argocd-source file would otherwise make the commit a lie), no other
// Application may change unless allowed, and check must report no error
// that was not there before, in any Application the edit changes.
func (m *mutation) verify(ctx context.Context, before *found, want edit.Weights, readers []*reader, edited []string) (edit.Weights, error) {
	after, err := m.find(ctx)
	if err != nil {
		return nil, fmt.Errorf("after the edit: %w", err)
	}
	got, err := renderedWeights(after, m.req.Route)
	if err != nil {
		return nil, fmt.Errorf("after the edit: %w", err)
	}
	if !got.Equal(want) {
		return nil, inputf("after editing %s the rendered VirtualService %s has weights %s, not %s: the weights are also set somewhere gitshift did not edit (another values layer, a patch, .argocd-source*.yaml)",
			strings.Join(m.files, ", "), m.vsRef, got, want)
	}
	shared, sb, sa := m.sharers(ctx, readers)
	if err := m.allowShared(shared, edited); err != nil {
		return nil, err
	}
	m.shared = shared
	if err := newCheckErrors(ctx, append([]*check.Target{before.target}, sb...), append([]*check.Target{after.target}, sa...)); err != nil {
		return nil, err
	}
	return got, nil
}

// checkNewDestinations refuses to add a destination to the route unless
// asked: a subset named in --set that the route lacks (but the
// DestinationRule has) is more often a typo than a plan.
func (m *mutation) checkNewDestinations(old, want edit.Weights) error {
	if m.req.AddDestinations {
		return nil
	}
	var added []string
	for _, w := range want {
		if _, ok := old.Get(w.Subset); !ok {
			added = append(added, w.Subset)
		}
	}
	if len(added) == 0 {
		return nil
	}
	return needf("AddDestinations", "the route of VirtualService %s has no destination for subset %s (its destinations: %s); a shift changes weights only unless allowed to add a destination (a copy of the last one)",
		m.vsRef, strings.Join(added, ", "), old)
}

// find loads the Application, renders it and finds the VirtualService.
func (m *mutation) find(ctx context.Context) (*found, error) {
	app, err := m.findApp()
	if err != nil {
		return nil, err
	}
	t := check.Render(ctx, m.root, app, localSources(m.req.Repo, app), m.req.Source)
	ns, name := splitRef(m.req.VirtualService)
	var hits []found
	var renderErrs []error
	for i := range t.Sources {
		sr := &t.Sources[i]
		if sr.Err != nil {
			renderErrs = append(renderErrs, sr.Err)
		}
		if sr.Result == nil {
			continue
		}
		for _, o := range sr.Result.Objects {
			if o.GetKind() != "VirtualService" || !strings.HasPrefix(o.GetAPIVersion(), "networking.istio.io/") || o.GetName() != name {
				continue
			}
			ons := o.EffectiveNamespace(app.Destination.Namespace)
			if ns != "" && ons != ns {
				continue
			}
			hits = append(hits, found{app: app, target: t, src: sr, obj: o, ns: ons})
		}
	}
	switch {
	case len(hits) == 1:
		return &hits[0], nil
	case len(hits) > 1:
		return nil, inputf("Application %s renders VirtualService %s %d times (%s, %s): name it as NAMESPACE/NAME", app.Name, m.req.VirtualService, len(hits), hits[0].obj.Source, hits[1].obj.Source)
	case len(renderErrs) > 0:
		return nil, &InputError{Err: fmt.Errorf("VirtualService %s not found; Application %s (%s) did not render: %w", m.req.VirtualService, app.Name, app.Origin, errors.Join(renderErrs...))}
	}
	return nil, inputf("Application %s (%s) renders no VirtualService %s", app.Name, app.Origin, m.req.VirtualService)
}

func (m *mutation) findApp() (*source.Application, error) {
	apps, err := source.FindApplications(m.root)
	var names []string
	var match []source.Application
	for _, a := range apps {
		names = append(names, a.Name)
		if a.Name == m.req.App && (m.req.AppFile == "" || filepath.Clean(a.Origin.File) == filepath.Clean(m.req.AppFile)) {
			match = append(match, a)
		}
	}
	switch {
	case len(match) == 1:
		return &match[0], nil
	case len(match) > 1:
		return nil, needf("AppFile", "%d Applications are named %s (%s, %s): choose one by its file", len(match), m.req.App, match[0].Origin, match[1].Origin)
	case err != nil:
		return nil, &InputError{Err: fmt.Errorf("Application %s not found: %w", m.req.App, err)}
	}
	sort.Strings(names)
	return nil, inputf("no Application %s in the repository (found: %s)", m.req.App, strings.Join(names, ", "))
}

// renderedWeights reads the route's weights from the rendered object, with
// the same route selection and naming rules as the editor.
func renderedWeights(f *found, route string) (edit.Weights, error) {
	b, err := sigsyaml.Marshal(f.obj.Object)
	if err != nil {
		return nil, err
	}
	file, err := edit.Parse(f.obj.Source.String(), b)
	if err != nil {
		return nil, err
	}
	w, err := file.VirtualServiceWeights(edit.Target{Doc: 0, Item: -1, Name: f.obj.GetName(), Route: route})
	if err != nil {
		var ee *edit.Error
		if errors.As(err, &ee) {
			ee.Line = 0 // lines of the re-encoded object mean nothing to the user
			return nil, &InputError{Err: fmt.Errorf("VirtualService %s (rendered from %s): %s", f.obj.GetName(), f.obj.Source, ee.Msg), Field: routeField(err)}
		}
		return nil, err
	}
	return w, nil
}

// precise replaces an error about the rendered object with the same error
// on the manifest it came from, which has the real file:line.
func (m *mutation) precise(f *found, err error) error {
	p := f.obj.Source
	if f.src.Result.Type != source.TypeDirectory {
		return err
	}
	data, _, rerr := m.read(p.File)
	if rerr != nil {
		return err
	}
	ef, perr := edit.Parse(p.File, data)
	if perr != nil {
		return err
	}
	if _, verr := ef.VirtualServiceWeights(edit.Target{Doc: p.Doc, Item: p.Item, Name: f.obj.GetName(), Route: m.req.Route}); verr != nil {
		return &InputError{Err: verr, Field: routeField(verr)}
	}
	return err
}

// wantWeights resolves --canary/--weight against the current destinations.
func (m *mutation) wantWeights(old edit.Weights, f *found) (edit.Weights, error) {
	if len(m.req.Weights) > 0 {
		return m.req.Weights, nil
	}
	stable := m.req.Stable
	if stable == "" {
		stable = f.obj.GetAnnotations()["gitshift.io/stable"]
	}
	if stable == "" {
		var others []string
		for _, w := range old {
			if w.Subset != m.req.Canary {
				others = append(others, w.Subset)
			}
		}
		if len(others) != 1 {
			return nil, needf("Stable", "cannot tell the stable subset of %s (destinations: %s): name it", f.obj.GetName(), old)
		}
		stable = others[0]
	}
	w := edit.Canary(m.req.Canary, m.req.CanaryWeight, stable)
	if err := w.Validate(); err != nil {
		return nil, &InputError{Err: err}
	}
	return w, nil
}

func splitRef(ref string) (ns, name string) {
	if i := strings.Index(ref, "/"); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	return "", ref
}

// newCheckErrors runs check before and after; an error diagnostic that was
// not there before blocks the shift. Lines may move with an insertion, so
// diagnostics compare by code, file and message.
func newCheckErrors(ctx context.Context, before, after []*check.Target) error {
	b, err := check.Run(ctx, before, check.Options{})
	if err != nil {
		return err
	}
	a, err := check.Run(ctx, after, check.Options{})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, d := range b {
		if d.Severity == check.SeverityError {
			seen[d.App+"\x00"+d.Code+"\x00"+d.File+"\x00"+d.Message] = true
		}
	}
	var added []string
	for _, d := range a {
		if d.Severity == check.SeverityError && !seen[d.App+"\x00"+d.Code+"\x00"+d.File+"\x00"+d.Message] {
			added = append(added, d.String())
		}
	}
	if len(added) > 0 {
		return &CheckError{Diagnostics: added}
	}
	return nil
}

// mergeTrailers returns defaults with each key the caller also sets replaced
// in place by the caller's value, then the caller's other trailers. Git keys
// compare case-insensitively; a key given twice would make readers of the
// history (rollout status, resume) pick one arbitrarily.
func mergeTrailers(defaults, extra []gitrepo.Trailer) []gitrepo.Trailer {
	out := make([]gitrepo.Trailer, 0, len(defaults)+len(extra))
	used := make([]bool, len(extra))
	for _, d := range defaults {
		for i, e := range extra {
			if !used[i] && strings.EqualFold(d.Key, e.Key) {
				d, used[i] = e, true
				break
			}
		}
		out = append(out, d)
	}
	for i, e := range extra {
		if !used[i] {
			out = append(out, e)
		}
	}
	return out
}
