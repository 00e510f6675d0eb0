package shift

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/source"
)

// write is one file's new content.
type write struct {
	file    string // repo-relative, slash-separated
	data    []byte
	mode    os.FileMode
	changes []edit.Change
}

// plan maps the rendered VirtualService back to the bytes that set its
// weights and edits them in memory.
func (m *mutation) plan(f *found, want, old edit.Weights) ([]write, error) {
	switch f.src.Result.Type {
	case source.TypeDirectory:
		return m.planManifest(f.obj.Source.File, f.obj.Source.Doc, f.obj.Source.Item, f, want)
	case source.TypeKustomize:
		return m.planKustomize(f, want)
	case source.TypeHelm:
		return m.planHelm(f, want, old)
	}
	return nil, inputf("VirtualService %s comes from a %s source; gitshift cannot edit those", m.vsRef, f.src.Result.Type)
}

func (m *mutation) planManifest(file string, doc, item int, f *found, want edit.Weights) ([]write, error) {
	data, mode, err := m.read(file)
	if err != nil {
		return nil, err
	}
	ef, err := edit.Parse(file, data)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	res, err := ef.SetVirtualServiceWeights(edit.Target{Doc: doc, Item: item, Name: f.obj.GetName(), Route: m.req.Route}, want)
	if err != nil {
		return nil, &InputError{Err: err, Field: routeField(err)}
	}
	return []write{{file: file, data: res.Data, mode: mode, changes: res.Changes}}, nil
}

// planKustomize edits the one input file that defines the VirtualService;
// verify then proves no patch overrides the weights.
func (m *mutation) planKustomize(f *found, want edit.Weights) ([]write, error) {
	var hits []string
	for _, file := range f.src.Result.ReadFiles {
		if ext := filepath.Ext(file); ext != ".yaml" && ext != ".yml" {
			continue
		}
		data, _, err := m.read(file)
		if err != nil {
			continue
		}
		ef, err := edit.Parse(file, data)
		if err != nil {
			continue
		}
		if _, err := ef.VirtualServiceWeights(edit.Target{Doc: -1, Item: -1, Name: f.obj.GetName(), Route: m.req.Route}); err == nil {
			hits = append(hits, file)
		}
	}
	if len(hits) != 1 {
		return nil, inputf("kustomize source: %d input files define VirtualService %s (%s); edit it by hand", len(hits), m.vsRef, strings.Join(hits, ", "))
	}
	return m.planManifest(hits[0], -1, -1, f, want)
}

// read reads a repo-relative file, refusing paths that leave the checkout.
func (m *mutation) read(file string) ([]byte, os.FileMode, error) {
	full := filepath.Join(m.root, filepath.FromSlash(file))
	rel, err := filepath.Rel(m.root, full)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, 0, inputf("%s is outside the repository", file)
	}
	info, err := os.Lstat(full)
	if err != nil {
		return nil, 0, &InputError{Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, 0, inputf("%s is not a regular file (symlink?); gitshift edits only regular files", file)
	}
	data, err := os.ReadFile(full)
	return data, info.Mode().Perm(), err
}

// localSources treats a source as this checkout when its repoURL is the
// repository being shifted, or when it is the Application's only
// repository (the usual case: the Application points at the repo it lives
// in, under whatever URL Argo CD uses to reach it).
func localSources(repo string, app *source.Application) check.LocalFunc {
	urls := map[string]bool{}
	for _, s := range app.Sources {
		if s.Chart == "" && s.RepoURL != "" {
			urls[check.NormalizeRepoURL(s.RepoURL)] = true
		}
	}
	return func(s source.AppSource) (bool, string) {
		switch {
		case s.Chart != "":
			return false, "chart from a Helm repository"
		case check.NormalizeRepoURL(s.RepoURL) == check.NormalizeRepoURL(repo), len(urls) == 1:
			return true, ""
		}
		return false, fmt.Sprintf("repoURL %s is another repository", s.RepoURL)
	}
}
