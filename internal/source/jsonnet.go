package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	jsonnet "github.com/google/go-jsonnet"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// jsonnetRunner evaluates the .jsonnet files of a directory source as
// Argo CD's repo-server does (makeJsonnetVm, findManifests) with the same
// library, google/go-jsonnet: a fresh VM per file, extVars and tlas with
// the build environment substituted, and the library search path
// [appPath, libs...] where libs are relative to the repository root. The
// importer is gitshift's own: it reads only regular files inside the
// repository (go-jsonnet has no network access of its own).
type jsonnetRunner struct {
	root, appPath string
	vars          JsonnetSource // values substituted
	jpaths        []string
	limit         int64
	err           error // a lib path Argo CD refuses: fails the first .jsonnet file
}

func newJsonnetRunner(root, appPath string, js JsonnetSource, env argoEnv, limit int64) *jsonnetRunner {
	r := &jsonnetRunner{root: root, appPath: appPath, limit: limit, jpaths: []string{appPath}}
	for _, v := range js.ExtVars {
		r.vars.ExtVars = append(r.vars.ExtVars, JsonnetVar{Name: v.Name, Value: env.subst(v.Value), Code: v.Code})
	}
	for _, v := range js.TLAs {
		r.vars.TLAs = append(r.vars.TLAs, JsonnetVar{Name: v.Name, Value: env.subst(v.Value), Code: v.Code})
	}
	for _, lib := range js.Libs {
		// Argo CD: ResolveFileOrDirectoryPath(repoRoot, repoRoot, lib).
		p := filepath.Join(root, lib)
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if !inside(root, p) {
			r.err = &ManifestError{Msg: fmt.Sprintf("directory.jsonnet.libs: file '%s' resolved to outside repository root", lib)}
			break
		}
		r.jpaths = append(r.jpaths, p)
	}
	return r
}

// eval evaluates one file and returns its objects and the repo-relative
// files it read (the file and its imports).
func (r *jsonnetRunner) eval(ctx context.Context, path string) ([]Object, []string, error) {
	rel := relSlash(r.root, path)
	if r.err != nil {
		return nil, nil, r.err
	}
	vm := jsonnet.MakeVM()
	for _, v := range r.vars.TLAs {
		if v.Code {
			vm.TLACode(v.Name, v.Value)
		} else {
			vm.TLAVar(v.Name, v.Value)
		}
	}
	for _, v := range r.vars.ExtVars {
		if v.Code {
			vm.ExtCode(v.Name, v.Value)
		} else {
			vm.ExtVar(v.Name, v.Value)
		}
	}
	imp := &repoImporter{root: r.root, jpaths: r.jpaths, limit: r.limit, cache: map[string]*importEntry{}}
	vm.Importer(imp)
	errs := &jsonnetErrors{ErrorFormatter: vm.ErrorFormatter}
	vm.ErrorFormatter = errs
	// The evaluator takes no context: a file that loops is left behind
	// when ctx is done (the command is ending).
	out, err := whileAlive(ctx, func() (string, error) { return vm.EvaluateFile(path) })
	if stop := imp.stopped(); stop != nil {
		return nil, nil, stop
	}
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	read := imp.files()
	if err != nil {
		// Argo CD: "Failed to evaluate jsonnet %q: %v".
		return nil, read, errs.manifestError(r.root, path, rel, err.Error())
	}
	objs, err := jsonnetObjects(rel, []byte(out))
	return objs, read, err
}

// jsonnetObjects decodes the evaluation's JSON as Argo CD does: an array of
// objects, else one object, each into an Unstructured (so a kind is
// required); null array members are dropped.
func jsonnetObjects(rel string, out []byte) ([]Object, error) {
	var list []*unstructured.Unstructured
	if err := json.Unmarshal(out, &list); err != nil {
		var one unstructured.Unstructured
		if err := json.Unmarshal(out, &one); err != nil {
			return nil, &ManifestError{File: rel, Msg: "failed to unmarshal generated json", Err: err}
		}
		list = []*unstructured.Unstructured{&one}
	}
	var objs []Object
	for i, u := range list {
		if u == nil {
			continue
		}
		o, _, err := flatten(rel, rawDoc{obj: u.Object, doc: i})
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// repoImporter is go-jsonnet's FileImporter confined to the repository:
// an import is looked up next to the importing file, then in the library
// paths from the last to the first, as FileImporter does. A candidate
// outside the repository (an absolute path, ../ out of it, a symlink
// leaving it) or a special file stops the evaluation: the source is
// invalid. One over the size limit leaves it unchecked.
type repoImporter struct {
	root   string
	jpaths []string
	limit  int64

	mu    sync.Mutex
	cache map[string]*importEntry
	read  []string
	stop  error
}

type importEntry struct {
	exists   bool
	contents jsonnet.Contents
}

func (im *repoImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	dir, _ := filepath.Split(importedFrom)
	candidates := []string{dir}
	for i := len(im.jpaths) - 1; i >= 0; i-- {
		candidates = append(candidates, im.jpaths[i])
	}
	for _, d := range candidates {
		p := importedPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(d, p)
		}
		e, err := im.try(p, importedPath)
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		if e.exists {
			return e.contents, p, nil
		}
	}
	return jsonnet.Contents{}, "", fmt.Errorf("couldn't open import %q: no match locally or in the Jsonnet library paths", importedPath)
}

func (im *repoImporter) try(p, imported string) (*importEntry, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if e, ok := im.cache[p]; ok {
		return e, nil
	}
	abs := filepath.Clean(p)
	real, err := filepath.EvalSymlinks(abs)
	switch {
	case err == nil:
		abs = real
	case errors.Is(err, fs.ErrNotExist) && inside(im.root, abs):
		e := &importEntry{}
		im.cache[p] = e
		return e, nil
	}
	if !inside(im.root, abs) {
		return nil, im.halt(&ManifestError{File: relSlash(im.root, p), Msg: fmt.Sprintf("jsonnet import %q resolves outside the repository", imported)})
	}
	rel := relSlash(im.root, abs)
	data, err := readInput(abs, rel, TypeDirectory, im.limit)
	switch {
	case isTyped(err):
		return nil, im.halt(err)
	case errors.Is(err, fs.ErrNotExist):
		e := &importEntry{}
		im.cache[p] = e
		return e, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	e := &importEntry{exists: true, contents: jsonnet.MakeContentsRaw(data)}
	im.cache[p] = e
	im.read = append(im.read, rel)
	return e, nil
}

func (im *repoImporter) halt(err error) error {
	if im.stop == nil {
		im.stop = err
	}
	return err
}

func (im *repoImporter) stopped() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.stop
}

func (im *repoImporter) files() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.read...)
}
