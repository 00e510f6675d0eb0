package source

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// helmRefs resolves the files a Helm source names (value files, file
// parameters) as Argo CD does: relative to the chart, absolute from the
// repository root, a URL is remote, and in a multi-source Application
// `$ref/path` is a file of the source whose ref is `ref`, from the root of
// that source's repository (this checkout, or one the caller mapped).
type helmRefs struct {
	ctx           context.Context
	root, appPath string
	app           *Application
	src           AppSource
	env           argoEnv
	repos         map[string]string // NormalizeRepoURL -> checkout
	cache         *Cache
}

// inputFile is a resolved file: abs to read it, rel to name it. other is
// set for a file of another repository (rel then names that checkout).
type inputFile struct {
	abs, rel string
	other    bool
}

func (hr *helmRefs) appErr(err error) error {
	if isTyped(err) {
		return err
	}
	return appError(hr.app, err)
}

func (hr *helmRefs) resolve(p, what string) (inputFile, error) {
	if f, ok, err := hr.resolveRef(p, what); ok || err != nil {
		return f, err
	}
	abs, err := resolveRepoPath(hr.root, hr.appPath, hr.env.subst(p), what)
	if err != nil {
		return inputFile{}, err
	}
	return inputFile{abs: abs, rel: relSlash(hr.root, abs)}, nil
}

// resolveRef handles `$ref/...` in a multi-source Application. ok is false
// when p is not such a reference: in a single-source Application, `$x` is
// an environment variable like any other (Argo CD substitutes it).
func (hr *helmRefs) resolveRef(p, what string) (inputFile, bool, error) {
	if !hr.app.MultipleSources || !strings.HasPrefix(p, "$") {
		return inputFile{}, false, nil
	}
	refVar, rest, _ := strings.Cut(p, "/")
	refs := refSources(hr.app)
	ref, found := refs[refVar]
	switch {
	case !found && len(refs) == 0:
		return inputFile{}, true, fmt.Errorf("source referenced %q, but no source has a 'ref' field defined", refVar)
	case !found:
		keys := make([]string, 0, len(refs))
		for k := range refs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return inputFile{}, true, fmt.Errorf("source referenced %q, which is not one of the available sources (%s)", refVar, strings.Join(keys, ", "))
	case ref.Chart != "":
		return inputFile{}, true, fmt.Errorf("source has a 'chart' field defined, but Helm charts are not yet not supported for 'ref' sources")
	}
	root, other, err := hr.refRoot(p, ref)
	if err != nil {
		return inputFile{}, true, err
	}
	// Argo CD drops the first segment, substitutes the environment, and
	// resolves the rest from the root of the referenced repository.
	abs, err := resolveRepoPath(root, root, "/"+hr.env.subst(rest), what)
	if err != nil {
		return inputFile{}, true, err
	}
	f := inputFile{abs: abs, rel: relSlash(root, abs), other: other}
	if other {
		f.rel = filepath.ToSlash(abs)
	}
	return f, true, nil
}

// refRoot is the checkout that holds ref's repository.
func (hr *helmRefs) refRoot(p string, ref AppSource) (string, bool, error) {
	url := NormalizeRepoURL(ref.RepoURL)
	if url == NormalizeRepoURL(hr.src.RepoURL) {
		if normRevision(ref.TargetRevision) != normRevision(hr.src.TargetRevision) {
			return "", false, &UnsupportedError{Type: TypeHelm, What: fmt.Sprintf(
				"%s: the ref source names revision %q of this repository, the source %q: Argo CD requires both to be the same commit; gitshift renders one checkout",
				p, ref.TargetRevision, hr.src.TargetRevision)}
		}
		return hr.root, false, nil
	}
	dir, ok := hr.repos[url]
	if !ok {
		return "", false, &UnsupportedError{Type: TypeHelm, Repo: ref.RepoURL, What: fmt.Sprintf(
			"%s is in another repository (%s): it cannot be read offline unless that repository is mapped to a local checkout", p, ref.RepoURL)}
	}
	// Argo CD checks every checkout it reads for escaping symlinks.
	if err := hr.cache.checkSymlinks(hr.ctx, dir); err != nil {
		return "", false, err
	}
	return dir, true, nil
}

func normRevision(r string) string {
	if r == "" {
		return "HEAD"
	}
	return r
}

// refSources is Argo CD's GetRefSources: "$ref" -> source, for
// Applications with more than one source.
func refSources(app *Application) map[string]AppSource {
	out := map[string]AppSource{}
	if len(app.Sources) < 2 {
		return out
	}
	for _, s := range app.Sources {
		if s.Ref != "" {
			out["$"+s.Ref] = s
		}
	}
	return out
}

var refKeyRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// checkRefs is GetRefSources' validation: it fails every source of the
// Application.
func checkRefs(app *Application) error {
	if len(app.Sources) < 2 {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range app.Sources {
		if s.Ref == "" {
			continue
		}
		if !refKeyRE.MatchString(s.Ref) {
			return fmt.Errorf("sources.ref %s cannot contain any special characters except '_' and '-'", s.Ref)
		}
		if seen[s.Ref] {
			return fmt.Errorf("invalid sources: multiple sources had the same `ref` key")
		}
		seen[s.Ref] = true
	}
	return nil
}

// resolveRepoPath resolves a path an Application names: a URL cannot be
// read offline, an absolute path is from the repository root, a relative
// one from appPath; the result must stay inside the repository.
func resolveRepoPath(root, appPath, p, what string) (string, error) {
	if strings.Contains(p, "://") {
		return "", &UnsupportedError{Type: TypeHelm, What: fmt.Sprintf("remote %s %s cannot be read offline", what, p)}
	}
	abs := filepath.Join(appPath, p)
	if filepath.IsAbs(p) {
		abs = filepath.Join(root, p)
	}
	if !inside(root, abs) {
		return "", fmt.Errorf("%s '%s' resolved to outside repository root", what, p)
	}
	return abs, nil
}
