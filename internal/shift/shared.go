package shift

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/source"
)

// A shift must move only the Application it names. When another
// Application of the repository renders the bytes the edit writes (a
// Kustomize base under two overlays, one Helm values file in two
// Applications' valueFiles, two Applications on one path, a recursive
// directory source that reaches the file), its traffic would move too.
// Before committing, every other Application that reads an edited file is
// rendered before and after the edit the way check renders Applications;
// those whose objects change share the edit, and the shift refuses unless
// the user names exactly them (--allow-shared).

// reader is another Application that reads a file the edit writes.
type reader struct {
	app    *source.Application
	before *check.Target
	objs   map[string]int // canonical rendered objects, counted
	// static is set when gitshift cannot render the source that reads the
	// file (a remote chart with $ref value files): it shares the edit.
	static bool
}

// SharedError refuses an edit that changes other Applications too, or an
// allowance that does not name exactly those.
type SharedError struct {
	App     string   // the shifted Application
	Files   []string // the edited files
	Shared  []string // the other Applications whose objects change
	Allowed []string // Request.AllowShared
}

func (e *SharedError) Error() string {
	files := strings.Join(e.Files, ", ")
	if len(e.Shared) == 0 {
		return fmt.Sprintf("Applications %s are allowed to change too, but no other Application renders %s: nothing to allow", strings.Join(e.Allowed, ", "), files)
	}
	msg := fmt.Sprintf("refusing: editing %s for Application %s also changes what Application(s) %s render: their traffic would move too",
		files, e.App, strings.Join(e.Shared, ", "))
	if len(e.Allowed) > 0 {
		msg += fmt.Sprintf(" (allowed: %s)", strings.Join(e.Allowed, ", "))
	}
	return msg + fmt.Sprintf("; to shift them together allow exactly %s, or give %s a file of its own", e.Names(), e.App)
}

// Names are the Applications to allow, comma-separated.
func (e *SharedError) Names() string { return names(e.Shared) }

// names turns labels ("app (file)") back into a flag value.
func names(labels []string) string {
	var out []string
	for _, l := range labels {
		n, _, _ := strings.Cut(l, " (")
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// readers renders the other Applications that track the shifted branch in
// this repository and returns those that read one of files.
func (m *mutation) readers(ctx context.Context, target *found, files []string) ([]*reader, error) {
	apps, err := source.FindApplications(m.root)
	if err != nil && len(apps) == 0 {
		return nil, nil // findApp already reported what it could
	}
	local := m.otherLocal(target.app)
	real := realPaths(m.root)
	var edited []string
	for _, f := range files {
		edited = append(edited, real(f))
	}
	var out []*reader
	for i := range apps {
		app := &apps[i]
		if app.Origin == target.app.Origin {
			continue
		}
		if refs := refReads(app, local); intersects(mapAll(refs, real), edited) {
			out = append(out, &reader{app: app, static: true})
			continue
		}
		t := check.Render(ctx, m.root, app, local, m.req.Source)
		reads, failed := map[string]bool{}, false
		for _, s := range t.Sources {
			if s.Err != nil {
				failed = true
			}
			if s.Result != nil {
				for _, f := range append(append([]string(nil), s.Result.Files...), s.Result.ReadFiles...) {
					reads[real(f)] = true
				}
			}
		}
		if failed {
			m.log.Warn("another Application does not render; cannot tell whether it uses the edited files", "app", app.Name, "file", app.Origin.File)
		}
		for _, f := range edited {
			if reads[f] {
				out = append(out, &reader{app: app, before: t, objs: objectSet(t, m.req.App)})
				break
			}
		}
	}
	return out, nil
}

// sharers renders the readers again on the edited tree and returns the
// labels of those whose objects changed, with their before/after targets
// for check.
func (m *mutation) sharers(ctx context.Context, rs []*reader) (labels []string, before, after []*check.Target) {
	local := func(app *source.Application) check.LocalFunc { return m.otherLocal(app) }
	count := map[string]int{}
	for _, r := range rs {
		count[r.app.Name]++
	}
	for _, r := range rs {
		label := r.app.Name
		if count[r.app.Name] > 1 {
			label += " (" + r.app.Origin.File + ")"
		}
		if r.static {
			labels = append(labels, label)
			continue
		}
		a := check.Render(ctx, m.root, r.app, local(r.app), m.req.Source)
		if !sameObjects(r.objs, objectSet(a, m.req.App)) || renderFailed(a) && !renderFailed(r.before) {
			labels = append(labels, label)
			before, after = append(before, r.before), append(after, a)
		}
	}
	sort.Strings(labels)
	return labels, before, after
}

// allowShared compares the Applications that share the edit with
// --allow-shared, which must name exactly them.
func (m *mutation) allowShared(shared, files []string) error {
	allowed := append([]string(nil), m.req.AllowShared...)
	sort.Strings(allowed)
	allowed = slices.Compact(allowed)
	got := strings.Split(names(shared), ",")
	if len(shared) == 0 {
		got = nil
	}
	sort.Strings(got)
	if slices.Equal(got, allowed) {
		return nil
	}
	return &InputError{Err: &SharedError{App: m.req.App, Files: files, Shared: shared, Allowed: allowed}}
}

// otherLocal says which sources of another Application are this checkout
// at the shifted branch: the same repository as the shifted Application's
// own sources (or --repo), tracking the branch being pushed.
func (m *mutation) otherLocal(target *source.Application) check.LocalFunc {
	urls := map[string]bool{check.NormalizeRepoURL(m.req.Repo): true}
	own := localSources(m.req.Repo, target)
	for _, s := range target.Sources {
		if ok, _ := own(s); ok {
			urls[check.NormalizeRepoURL(s.RepoURL)] = true
		}
	}
	return func(s source.AppSource) (bool, string) {
		switch {
		case s.Chart != "":
			return false, "chart from a Helm repository"
		case !urls[check.NormalizeRepoURL(s.RepoURL)]:
			return false, "another repository"
		case !m.tracksBranch(s.TargetRevision):
			return false, "tracks revision " + s.TargetRevision
		}
		return true, ""
	}
}

// tracksBranch reports whether a targetRevision follows the pushed branch.
// HEAD (or none) is the default branch; when gitshift does not know which
// that is, it counts as tracking, so that no sharer is missed.
func (m *mutation) tracksBranch(rev string) bool {
	rev = strings.TrimPrefix(rev, "refs/heads/")
	if rev == "" || rev == "HEAD" {
		return m.defaultBranch == "" || m.defaultBranch == m.branch
	}
	return rev == m.branch
}

// refReads lists the files of this checkout that a source gitshift cannot
// render (a chart from a Helm repository) reads through $ref value files.
func refReads(app *source.Application, local check.LocalFunc) []string {
	refs := map[string]bool{}
	for _, s := range app.Sources {
		if ok, _ := local(s); s.Ref != "" && ok {
			refs[s.Ref] = true
		}
	}
	var out []string
	for _, s := range app.Sources {
		if s.Chart == "" || s.Helm == nil {
			continue
		}
		for _, vf := range s.Helm.ValueFiles {
			ref, rest, ok := strings.Cut(strings.TrimPrefix(vf, "$"), "/")
			if strings.HasPrefix(vf, "$") && ok && refs[ref] {
				out = append(out, path.Clean(rest))
			}
		}
	}
	return out
}

// realPaths maps a repo-relative path to the file it names once symlinks
// are followed, so that an Application reading the edited file through a
// symlink (or a symlinked directory) counts as reading it.
func realPaths(root string) func(string) string {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	return func(rel string) string {
		p, err := filepath.EvalSymlinks(filepath.Join(realRoot, filepath.FromSlash(rel)))
		if err != nil {
			return rel
		}
		if r, err := filepath.Rel(realRoot, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return rel
	}
}

func mapAll(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// objectSet is what a target applies, as canonical JSON, except the
// shifted Application's own manifest: a parent (app-of-apps) that applies
// it carries an edit of its helm values to the cluster, as intended.
func objectSet(t *check.Target, shiftedApp string) map[string]int {
	out := map[string]int{}
	for _, o := range t.Objects() {
		if o.GetKind() == "Application" && strings.HasPrefix(o.GetAPIVersion(), "argoproj.io/") && o.GetName() == shiftedApp {
			continue
		}
		b, err := json.Marshal(o.Object)
		if err != nil {
			b = []byte(fmt.Sprint(o.Object))
		}
		out[string(b)]++
	}
	return out
}

func sameObjects(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, n := range a {
		if b[k] != n {
			return false
		}
	}
	return true
}

func renderFailed(t *check.Target) bool {
	for _, s := range t.Sources {
		if s.Err != nil {
			return true
		}
	}
	return false
}
