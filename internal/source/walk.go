package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// isManifestName is Argo CD's directory-source extension filter, the
// regexp ^.*\.(yaml|yml|json|jsonnet)$ (case-sensitive: x.YAML is not
// read), without the regexp engine, which cost more than the rest of the
// walk per file. Its `.` does not match a newline, hence the first test.
func isManifestName(name string) bool {
	if strings.Contains(name, "\n") {
		return false
	}
	for _, ext := range [...]string{".yaml", ".yml", ".json", ".jsonnet"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// nearManifestRE finds names that were probably meant as manifests but
// fail isManifestName: wrong case (x.YAML, x.Yml) or an extra suffix
// (x.yaml.txt, x.yaml~, x.json.bak). Only these are reported as
// IgnoredExtension, so README.md and friends do not flood the list.
var nearManifestRE = regexp.MustCompile(`(?i)\.(ya?ml|json|jsonnet)([.~_-].*)?$`)

// skipMarker excludes a file from rendering in Argo CD 3.1+.
const skipMarker = "+argocd:skip-file-rendering"

// dirWalk renders a directory source.
type dirWalk struct {
	repoRoot, appPath string
	recurse           bool
	include, exclude  *matcher
	skipMarker        bool
	maxSize           int64
	res               *Result
	objs              []Object
	steps             []walkStep // the walk's decisions in walk order
	jsonnet           *jsonnetRunner
	cache             *Cache
}

func newDirWalk(repoRoot, appPath string, d *DirectorySource, v version, env argoEnv, maxSize int64, res *Result) (*dirWalk, error) {
	w := &dirWalk{repoRoot: repoRoot, appPath: appPath, skipMarker: v.atLeast(3, 1), maxSize: maxSize, res: res}
	var js JsonnetSource
	if d != nil {
		js = d.Jsonnet
	}
	w.jsonnet = newJsonnetRunner(repoRoot, appPath, js, env, maxSize)
	if d != nil {
		w.recurse = d.Recurse
		var err error
		if w.include, err = patternMatcher("include", d.Include); err != nil {
			return nil, err
		}
		if w.exclude, err = patternMatcher("exclude", d.Exclude); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// patternMatcher compiles directory.include or .exclude; nil when unset.
// A bad pattern matches nothing, as in Argo CD; one too complex to
// evaluate safely leaves the source unchecked.
func patternMatcher(field, pattern string) (*matcher, error) {
	if pattern == "" {
		return nil, nil
	}
	m, err := compileMatcher(pattern)
	if errors.Is(err, errPatternTooComplex) {
		return nil, &UnsupportedError{Type: TypeDirectory, What: fmt.Sprintf(
			"directory.%s pattern (%d characters, %d '*'): %v; gitshift evaluates at most %d characters and %d '*' "+
				"(Argo CD's matcher takes exponential time on such patterns)",
			field, len(pattern), strings.Count(pattern, "*"), err, maxPatternLen, maxPatternStars)}
	}
	return &m, nil
}

func (w *dirWalk) rel(path string) string {
	r, err := filepath.Rel(w.repoRoot, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// ignore records an ignored file as a step, so that it keeps its place in
// walk order among the files apply ignores after reading them.
func (w *dirWalk) ignore(path string, reason IgnoreReason, detail string) {
	w.steps = append(w.steps, walkStep{ig: Ignored{File: w.rel(path), Reason: reason, Detail: detail}})
}

// filtered applies exclude then include to the app-relative path.
func (w *dirWalk) filtered(path string) (IgnoreReason, bool) {
	if w.exclude == nil && w.include == nil {
		return "", false
	}
	relApp, _ := filepath.Rel(w.appPath, path)
	if w.exclude != nil && w.exclude.match(relApp) {
		return IgnoredExcluded, true
	}
	if w.include != nil && !w.include.match(relApp) {
		return IgnoredNotIncluded, true
	}
	return "", false
}

// run walks the app path, then reads and decodes the files it chose. Like
// Argo CD (getPotentiallyValidManifests), the whole directory is validated
// before any manifest is read: an error of the walk, such as the combined
// size limit, wins over an error in a file's content.
func (w *dirWalk) run(ctx context.Context) error {
	walkErr := w.walk(ctx)
	if err := w.measure(ctx); err != nil {
		return err
	}
	if walkErr != nil {
		return walkErr
	}
	return w.apply(ctx)
}

func (w *dirWalk) walk(ctx context.Context) error {
	return filepath.WalkDir(w.appPath, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == w.appPath {
				return nil
			}
			if name == ".git" {
				return filepath.SkipDir // never in a repo-server checkout's app tree
			}
			if !w.recurse {
				w.listRecurseOff(path)
				return filepath.SkipDir
			}
			return nil
		}
		return w.file(path, d)
	})
}

func (w *dirWalk) file(path string, d fs.DirEntry) error {
	name := d.Name()
	symlink := d.Type()&fs.ModeSymlink != 0
	var size int64
	if symlink {
		fi, err := os.Stat(path)
		switch {
		case err == nil && fi.IsDir():
			w.ignore(path, IgnoredSymlinkDir, "symlinked directories are not followed")
			return nil
		case !isManifestName(name):
			return nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			// A loop, or a path through a file: Argo CD fails the whole
			// source ("failed to evaluate symlink"), it does not skip it.
			return &ManifestError{File: w.rel(path), Msg: fmt.Sprintf("failed to evaluate symlink: %v", err)}
		case err != nil || !fi.Mode().IsRegular():
			w.ignore(path, IgnoredSymlinkOther, "dangling or non-regular symlink")
			return nil
		}
		size = fi.Size()
	}
	if !isManifestName(name) {
		if nearManifestRE.MatchString(name) {
			w.ignore(path, IgnoredExtension, "extension must be .yaml, .yml, .json or .jsonnet (case-sensitive)")
		}
		return nil
	}
	if !symlink && !d.Type().IsRegular() {
		// Argo CD lets only regular files through, before include and
		// exclude, and logs a warning; a named pipe is never opened.
		w.ignore(path, IgnoredNotRegular, "not a regular file (named pipe, socket or device); Argo CD skips it")
		return nil
	}
	if reason, skip := w.filtered(path); skip {
		w.ignore(path, reason, "")
		return nil
	}
	if symlink {
		if err := w.checkSymlinkTarget(path); err != nil {
			return err
		}
		w.queue(path, size, nil)
		return nil
	}
	w.queue(path, -1, d) // measure stats it
	return nil
}

func (w *dirWalk) checkSymlinkTarget(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("resolving symlink %s: %w", w.rel(path), err)
	}
	if !inside(w.repoRoot, real) {
		return &ManifestError{File: w.rel(path), Msg: "illegal filepath in symlink"}
	}
	return nil
}

// measure stats the queued regular files (in parallel: the walk only
// lists them) and counts every queued file against the combined size
// limit in walk order. Like Argo CD, the first file that exceeds the
// limit fails the source before any file is read, and so does an error
// the walk met only after it (run checks measure's error first).
func (w *dirWalk) measure(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var unsized []*fileJob
	for _, s := range w.steps {
		if s.file != nil && s.file.entry != nil {
			unsized = append(unsized, s.file)
		}
	}
	inParallel(len(unsized), func(i int) bool {
		j := unsized[i]
		fi, err := j.entry.Info()
		if err != nil {
			j.statErr = err
			return false
		}
		j.size = fi.Size()
		return true
	})
	var total int64 // summed sizes of the files so far
	for _, s := range w.steps {
		j := s.file
		switch {
		case j == nil:
			continue
		case j.statErr != nil:
			return j.statErr
		case strings.HasSuffix(j.path, ".jsonnet"):
			// Argo CD does not count Jsonnet files against the limit: their
			// output is Jsonnet's business. Each input is bounded on its own.
			j.limit = w.maxSize
			continue
		}
		j.limit = w.maxSize - total // what this file may hold
		total += j.size
		if total > w.maxSize {
			return w.sizeError(j.path)
		}
	}
	return nil
}

func (w *dirWalk) sizeError(path string) error {
	return &ManifestError{File: w.rel(path), Msg: fmt.Sprintf("exceeded max combined manifest file size %d", w.maxSize)}
}

// listRecurseOff records every file below a skipped subdirectory that Argo
// CD would have read with recurse: true. This is the silent pitfall.
func (w *dirWalk) listRecurseOff(dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isManifestName(d.Name()) {
			return nil // symlinks and special files are never read
		}
		if reason, skip := w.filtered(path); skip {
			w.ignore(path, reason, "")
			return nil
		}
		w.ignore(path, IgnoredRecurseOff, "in a subdirectory; the directory source has no recurse: true")
		return nil
	})
}

// inside reports whether path is root or below it (both cleaned, absolute).
func inside(root, path string) bool {
	if path == root {
		return true
	}
	return strings.HasPrefix(path, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}
