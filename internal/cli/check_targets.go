package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/source"
	// Helm sources render through Helm's engine, which links client-go; the
	// CLI plugs it in so that source and check stay offline-clean.
	_ "github.com/gitshift/gitshift/internal/source/helmengine"
)

// appSelection is how check and render pick Applications and map their
// repoURLs to the local checkout.
type appSelection struct {
	appFile       string // --app: an Application manifest kept elsewhere
	repoURL       string // --repo-url: DIR is a checkout of this URL
	name          string // --name: only this Application
	argocdVersion string // --argocd-version
}

func (s *appSelection) addFlags(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&s.appFile, "app", "", "check an Application manifest kept elsewhere (e.g. an app-of-apps repo) against DIR")
	fs.StringVar(&s.repoURL, "repo-url", "", "treat DIR as a checkout of this repository URL (default: DIR's git remote origin)")
	fs.StringVar(&s.name, "name", "", "only the Application with this name")
	fs.StringVar(&s.argocdVersion, "argocd-version", "", "Argo CD version whose behaviour to reproduce, e.g. 2.14 or 3.1 (default: newest, 3.x)")
}

// skippedApp is an Application found but not checked, with the reason.
type skippedApp struct {
	App    source.Application
	Reason string
}

// loaded is the outcome of finding, mapping and rendering Applications.
type loaded struct {
	dir     string // absolute DIR
	targets []*check.Target
	skipped []skippedApp
	// uriPrefix is DIR relative to the git top level ("" when DIR is the top).
	uriPrefix string
}

// checkout describes DIR as a git checkout.
type checkout struct {
	dir    string
	top    string // git top level, "" when DIR is not in a git work tree
	origin string // normalised remote origin URL, "" when none
}

func inspectCheckout(ctx context.Context, dir string) checkout {
	c := checkout{dir: dir}
	if out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-toplevel").Output(); err == nil {
		c.top = strings.TrimSpace(string(out))
		if real, err := filepath.EvalSymlinks(c.top); err == nil {
			c.top = real
		}
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", dir, "remote", "get-url", "origin").Output(); err == nil {
		c.origin = normalizeRepoURL(strings.TrimSpace(string(out)))
	}
	return c
}

// normalizeRepoURL reduces a Git URL to host/path: no scheme, user, ".git"
// or trailing slash, scp-like "git@host:org/repo" as "host/org/repo".
func normalizeRepoURL(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	} else if at := strings.Index(u, "@"); at >= 0 {
		if colon := strings.Index(u[at:], ":"); colon >= 0 {
			u = u[:at+colon] + "/" + u[at+colon+1:]
		}
	}
	if at := strings.LastIndex(u, "@"); at >= 0 && at < strings.Index(u+"/", "/") {
		u = u[at+1:]
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	return strings.ToLower(u)
}

// loadTargets finds the Applications, decides which sources live in DIR and
// renders them like Argo CD.
func loadTargets(ctx context.Context, dirArg string, sel appSelection) (*loaded, error) {
	dir, err := filepath.Abs(dirArg)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("directory %s: %w", dirArg, err))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, withCode(ExitUsage, fmt.Errorf("%s is not a directory", dirArg))
	}
	apps, err := findApps(dir, sel.appFile)
	if err != nil {
		return nil, withCode(ExitFailed, err)
	}
	if sel.name != "" {
		apps = filterApps(apps, sel.name)
	}
	if len(apps) == 0 {
		what := "no Argo CD Application found in " + dirArg
		if sel.name != "" {
			what = fmt.Sprintf("no Application named %q found", sel.name)
		}
		return nil, withCode(ExitFailed, errors.New(what+" (use --app FILE for an Application kept elsewhere)"))
	}
	co := inspectCheckout(ctx, dir)
	l := &loaded{dir: dir}
	if co.top != "" && co.top != dir {
		if rel, err := filepath.Rel(co.top, dir); err == nil {
			l.uriPrefix = filepath.ToSlash(rel)
		}
	}
	version, err := argocdVersion(sel.argocdVersion)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	opts := source.Options{ArgoCDVersion: version}
	for i := range apps {
		app := &apps[i]
		root, local, reason := mapSources(co, app, sel)
		if root == "" {
			l.skipped = append(l.skipped, skippedApp{App: *app, Reason: reason})
			continue
		}
		slog.Debug("rendering application", "app", app.Name, "root", root)
		l.targets = append(l.targets, check.Render(ctx, root, app, local, opts))
	}
	return l, nil
}

var versionRE = regexp.MustCompile(`^v?\d+(\.(\d+|x))?(\.\d+)?$`)

// argocdVersion validates --argocd-version; "3.x" (or empty) means the
// newest behaviour.
func argocdVersion(v string) (string, error) {
	if v == "" || v == "3.x" || v == "3" {
		return "", nil
	}
	if !versionRE.MatchString(v) {
		return "", fmt.Errorf("--argocd-version %q: want e.g. 2.14, 3.1 or 3.x", v)
	}
	if v == "2.x" || v == "2" {
		return "2.14", nil
	}
	return strings.TrimSuffix(v, ".x"), nil
}

func findApps(dir, appFile string) ([]source.Application, error) {
	if appFile == "" {
		return source.FindApplications(dir)
	}
	data, err := os.ReadFile(appFile)
	if err != nil {
		return nil, fmt.Errorf("reading --app: %w", err)
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
		err = fmt.Errorf("%s holds no argoproj.io Application", appFile)
	}
	return apps, err
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
//   - --repo-url URL: DIR is a checkout of URL.
//   - DIR's origin matches the repoURL: the checkout is the git top level
//     (paths are relative to it).
//   - otherwise, when DIR has no remote, is a sub-directory of another
//     repository (e.g. an example), or the Application came from --app:
//     sources whose path exists in DIR are local.
func mapSources(co checkout, app *source.Application, sel appSelection) (string, check.LocalFunc, string) {
	byURL := func(want, root string) (string, check.LocalFunc, string) {
		n := 0
		local := func(src source.AppSource) (bool, string) {
			if normalizeRepoURL(src.RepoURL) == want {
				return true, ""
			}
			return false, fmt.Sprintf("repoURL %s is another repository", src.RepoURL)
		}
		for _, s := range app.Sources {
			if ok, _ := local(s); ok {
				n++
			}
		}
		if n == 0 {
			return "", nil, ""
		}
		return root, local, ""
	}
	if sel.repoURL != "" {
		if root, local, _ := byURL(normalizeRepoURL(sel.repoURL), co.dir); root != "" {
			return root, local, ""
		}
		return "", nil, fmt.Sprintf("repoURL %s is not --repo-url %s", repoURLs(app), sel.repoURL)
	}
	if co.origin != "" {
		root := co.dir
		if co.top != "" {
			root = co.top
		}
		if r, local, _ := byURL(co.origin, root); r != "" {
			return r, local, ""
		}
		if co.top == co.dir && sel.appFile == "" {
			return "", nil, fmt.Sprintf("repoURL %s is not this checkout (origin %s); use --repo-url to override", repoURLs(app), co.origin)
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
			return co.dir, local, ""
		}
	}
	return "", nil, fmt.Sprintf("no source of %s has its path in this directory", repoURLs(app))
}

func repoURLs(app *source.Application) string {
	var urls []string
	for _, s := range app.Sources {
		urls = append(urls, s.RepoURL)
	}
	return strings.Join(urls, ", ")
}
