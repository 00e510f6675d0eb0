package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/source"
)

// Selection is how Load picks Applications and maps their repoURLs to the
// local checkout.
type Selection struct {
	// AppFile is an Application manifest kept elsewhere (e.g. an
	// app-of-apps repository), checked against the directory.
	AppFile string
	// RepoURL says the directory is a checkout of this repository
	// ("": the directory's git remote origin).
	RepoURL string
	// Name keeps only the Application with this name.
	Name string
	// Source tunes rendering (Argo CD version, Helm engine).
	Source source.Options
	// RepoMap maps other repositories' URLs to local directories (each
	// its own repository root): their sources and `$ref` files are read
	// there instead of being reported as not checked.
	RepoMap map[string]string
	// Logger receives debug logs (nil: none).
	Logger *slog.Logger
}

// SkipCause says why an Application was not checked.
type SkipCause int

const (
	// SkipOtherRepository: no source has the repository URL Selection.RepoURL.
	SkipOtherRepository SkipCause = iota + 1
	// SkipNotThisCheckout: no source has the checkout's origin URL.
	SkipNotThisCheckout
	// SkipNotInDirectory: no source's path exists in the directory.
	SkipNotInDirectory
)

// Skipped is an Application found but not checked.
type Skipped struct {
	App    source.Application
	Cause  SkipCause
	Reason string // in words, with the URLs or paths involved
}

// Loaded is what Load found, mapped and rendered.
type Loaded struct {
	Dir     string // the directory, absolute, symlinks resolved
	Targets []*Target
	Skipped []Skipped
	// URIPrefix is Dir relative to the git top level ("" at the top).
	URIPrefix string
}

// NoApplicationError: the directory (or the file) holds no Application
// (with Name: none of that name).
type NoApplicationError struct {
	Dir, Name string
}

func (e *NoApplicationError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("no Application named %q found", e.Name)
	}
	return "no Argo CD Application found in " + e.Dir
}

// ErrorKind: a directory without Applications is invalid input.
func (e *NoApplicationError) ErrorKind() errkind.Kind { return errkind.Invalid }

// Load finds the Applications in dir (or sel.AppFile), decides which of
// their sources live in dir, and renders those like Argo CD.
func Load(ctx context.Context, dir string, sel Selection) (*Loaded, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, errkind.Errorf(errkind.Usage, "directory %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, errkind.Errorf(errkind.Usage, "%s is not a directory", dir)
	}
	// The YAML files FindApplications reads are kept for the directory
	// walks, which read most of them again.
	files := source.NewCache()
	apps, err := findApps(ctx, abs, sel.AppFile, files)
	if err != nil {
		return nil, errkind.Wrap(errkind.Invalid, err)
	}
	if sel.Name != "" {
		apps = filterApps(apps, sel.Name)
	}
	if len(apps) == 0 {
		return nil, &NoApplicationError{Dir: dir, Name: sel.Name}
	}
	log := sel.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	co := inspectCheckout(ctx, abs)
	if sel.Source.Repos, err = repoRoots(sel.RepoMap); err != nil {
		return nil, err
	}
	if sel.Source.Revision == "" {
		sel.Source.Revision = co.head
	}
	if sel.Source.Cache == nil && sel.AppFile == "" {
		sel.Source.Cache = files
	}
	l := &Loaded{Dir: abs}
	if co.top != "" && co.top != abs {
		if rel, err := filepath.Rel(co.top, abs); err == nil {
			l.URIPrefix = filepath.ToSlash(rel)
		}
	}
	for i := range apps {
		app := &apps[i]
		root, local, skip := mapSources(co, app, sel)
		if root == "" {
			root, local = mappedOnly(app, sel.Source.Repos)
		}
		if root == "" {
			skip.App = *app
			l.Skipped = append(l.Skipped, skip)
			continue
		}
		log.Debug("rendering application", "app", app.Name, "root", root)
		l.Targets = append(l.Targets, Render(ctx, root, app, local, sel.Source))
	}
	return l, nil
}

// checkout describes a directory as a git checkout.
type checkout struct {
	dir    string
	top    string // git top level, "" when dir is not in a git work tree
	origin string // normalised remote origin URL, "" when none
	head   string // the commit checked out, "" when unknown
}

func inspectCheckout(ctx context.Context, dir string) checkout {
	c := checkout{dir: dir}
	r, err := gitrepo.Open(ctx, dir)
	if err != nil {
		return c
	}
	c.top = r.Dir
	if real, err := filepath.EvalSymlinks(c.top); err == nil {
		c.top = real
	}
	if u, err := r.RemoteURL(ctx, "origin"); err == nil {
		c.origin = NormalizeRepoURL(u)
	}
	if h, err := r.Head(ctx); err == nil {
		c.head = h
	}
	return c
}

// NormalizeRepoURL reduces a Git URL to host/path (source.NormalizeRepoURL).
func NormalizeRepoURL(u string) string { return source.NormalizeRepoURL(u) }

// repoRoots checks the repository map: every directory must exist; each
// becomes a repository root (absolute, symlinks resolved).
func repoRoots(m map[string]string) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for url, dir := range m {
		abs, err := filepath.Abs(dir)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, &RepoMapError{URL: url, Dir: dir, Err: err}
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, &RepoMapError{URL: url, Dir: dir, Err: errors.New("not a directory")}
		}
		out[NormalizeRepoURL(url)] = abs
	}
	return out, nil
}

// RepoMapError: a repository is mapped to something that is not a
// directory.
type RepoMapError struct {
	URL, Dir string
	Err      error
}

func (e *RepoMapError) Error() string {
	return fmt.Sprintf("repository map %s=%s: %v", e.URL, e.Dir, e.Err)
}

func (e *RepoMapError) Unwrap() error { return e.Err }

// ErrorKind: the caller's input is wrong.
func (e *RepoMapError) ErrorKind() errkind.Kind { return errkind.Usage }

// mappedOnly makes an Application none of whose sources is in the
// checkout a target when one of its repositories is mapped: the first
// such source's checkout is its root.
func mappedOnly(app *source.Application, repos map[string]string) (string, LocalFunc) {
	for _, s := range app.Sources {
		url := NormalizeRepoURL(s.RepoURL)
		if root, ok := repos[url]; ok && s.Chart == "" {
			return root, func(src source.AppSource) (bool, string) {
				if NormalizeRepoURL(src.RepoURL) == url {
					return true, ""
				}
				return false, fmt.Sprintf("repoURL %s is another repository", src.RepoURL)
			}
		}
	}
	return "", nil
}

func findApps(ctx context.Context, dir, appFile string, files *source.Cache) ([]source.Application, error) {
	if appFile == "" {
		return source.FindApplicationsCached(ctx, dir, files)
	}
	data, err := readAppFile(appFile, source.DefaultMaxCombinedManifestSize)
	if err != nil {
		return nil, fmt.Errorf("reading the Application file: %w", err)
	}
	name := appFile
	if abs, err := filepath.Abs(appFile); err == nil {
		name = abs
		if rel, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
			name = filepath.ToSlash(rel)
		}
	}
	apps, err := source.ParseApplications(data, name)
	if err == nil && len(apps) == 0 {
		err = errors.New(appFile + " holds no argoproj.io Application")
	}
	return apps, err
}

// readAppFile reads the --app file, which may be a pipe the user made
// (<(kubectl get application -o yaml)), but not more than limit bytes.
func readAppFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: over the limit of %d bytes for a manifest", name, limit)
	}
	return data, nil
}

func filterApps(apps []source.Application, name string) []source.Application {
	var out []source.Application
	for _, a := range apps {
		if a.Name == name {
			out = append(out, a)
		}
	}
	return out
}

// mapSources decides the checkout root for app and which of its sources
// are local. root is "" when no source is, with the reason.
//
//   - Selection.RepoURL: the directory is a checkout of that URL.
//   - the directory's origin matches the repoURL: the checkout is the git
//     top level (paths are relative to it).
//   - otherwise, when the directory has no remote, is a sub-directory of
//     another repository (e.g. an example), or the Application came from
//     Selection.AppFile: sources whose path exists in the directory are local.
func mapSources(co checkout, app *source.Application, sel Selection) (string, LocalFunc, Skipped) {
	byURL := func(want, root string) (string, LocalFunc) {
		local := func(src source.AppSource) (bool, string) {
			if NormalizeRepoURL(src.RepoURL) == want {
				return true, ""
			}
			return false, fmt.Sprintf("repoURL %s is another repository", src.RepoURL)
		}
		for _, s := range app.Sources {
			if ok, _ := local(s); ok {
				return root, local
			}
		}
		return "", nil
	}
	if sel.RepoURL != "" {
		if root, local := byURL(NormalizeRepoURL(sel.RepoURL), co.dir); root != "" {
			return root, local, Skipped{}
		}
		return "", nil, Skipped{Cause: SkipOtherRepository, Reason: fmt.Sprintf("repoURL %s is not %s", RepoURLs(app), sel.RepoURL)}
	}
	if co.origin != "" {
		root := co.dir
		if co.top != "" {
			root = co.top
		}
		if r, local := byURL(co.origin, root); r != "" {
			return r, local, Skipped{}
		}
		if co.top == co.dir && sel.AppFile == "" {
			return "", nil, Skipped{Cause: SkipNotThisCheckout,
				Reason: fmt.Sprintf("repoURL %s is not this checkout (origin %s)", RepoURLs(app), co.origin)}
		}
	}
	local := func(src source.AppSource) (bool, string) {
		if src.Chart != "" {
			return false, "Helm repository chart"
		}
		p := filepath.Join(co.dir, filepath.FromSlash(src.Path))
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return true, ""
		}
		return false, fmt.Sprintf("path %q does not exist in this checkout", src.Path)
	}
	for _, s := range app.Sources {
		if ok, _ := local(s); ok {
			return co.dir, local, Skipped{}
		}
	}
	return "", nil, Skipped{Cause: SkipNotInDirectory, Reason: fmt.Sprintf("no source of %s has its path in this directory", RepoURLs(app))}
}

// RepoURLs lists app's source repository URLs, comma-separated.
func RepoURLs(app *source.Application) string {
	var urls []string
	for _, s := range app.Sources {
		urls = append(urls, s.RepoURL)
	}
	return strings.Join(urls, ", ")
}
