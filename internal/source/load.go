package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// appManifest is the wire shape of an argoproj.io Application.
type appManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Project     string      `json:"project"`
		Source      *AppSource  `json:"source"`
		Sources     []AppSource `json:"sources"`
		Destination Destination `json:"destination"`
		SyncPolicy  *SyncPolicy `json:"syncPolicy"`
	} `json:"spec"`
}

// ParseApplications returns every `kind: Application` (apiVersion
// argoproj.io/*) document in a multi-document YAML stream. file is recorded
// as the Origin (pass it repo-relative). Syntax or shape errors are
// *ManifestError; Applications decoded before the error are returned too.
func ParseApplications(data []byte, file string) ([]Application, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var apps []Application
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return apps, nil
			}
			return apps, &ManifestError{File: file, Line: yamlErrLine(err), Msg: "invalid YAML", Err: err}
		}
		if len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := n.Content[0]
		if !isApplicationNode(root) {
			continue
		}
		line := root.Line
		if len(root.Content) > 0 {
			line = root.Content[0].Line
		}
		app, err := decodeApplication(&n)
		if err != nil {
			return apps, &ManifestError{File: file, Line: line, Msg: "invalid Application", Err: err}
		}
		app.Origin = Provenance{File: file, Doc: i, Line: line, Item: -1}
		apps = append(apps, app)
	}
}

func isApplicationNode(m *yaml.Node) bool {
	var kind, apiVersion string
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "kind":
			kind = m.Content[i+1].Value
		case "apiVersion":
			apiVersion = m.Content[i+1].Value
		}
	}
	return kind == "Application" && strings.HasPrefix(apiVersion, "argoproj.io/")
}

func decodeApplication(n *yaml.Node) (Application, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return Application{}, err
	}
	v, err := normalize(v)
	if err != nil {
		return Application{}, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Application{}, err
	}
	var m appManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Application{}, err
	}
	app := Application{
		Name: m.Metadata.Name, Namespace: m.Metadata.Namespace, Project: m.Spec.Project,
		Destination: m.Spec.Destination, SyncPolicy: m.Spec.SyncPolicy, Sources: m.Spec.Sources,
		MultipleSources: len(m.Spec.Sources) > 0,
	}
	// Argo CD uses `sources` when it is set and ignores `source` then.
	if len(app.Sources) == 0 && m.Spec.Source != nil {
		app.Sources = []AppSource{*m.Spec.Source}
	}
	return app, nil
}

// FindApplications is FindApplicationsContext without cancellation.
func FindApplications(repoRoot string) ([]Application, error) {
	return FindApplicationsContext(context.Background(), repoRoot)
}

// FindApplicationsContext is FindApplicationsCached without a cache.
func FindApplicationsContext(ctx context.Context, repoRoot string) ([]Application, error) {
	return FindApplicationsCached(ctx, repoRoot, nil)
}

// FindApplicationsCached walks repoRoot (skipping .git and Helm chart
// templates, which are not plain YAML) for regular .yaml/.yml files and
// returns every Application found, with repo-relative Origins. A malformed
// file that mentions `kind: Application` yields a *ManifestError, and so
// does one over the size limit that mentions it (it is scanned, not
// loaded); all such errors are joined and returned alongside the
// Applications that did parse.
//
// Every file it reads goes into cache (when not nil), for a render that
// reads it again (Options.Cache).
func FindApplicationsCached(ctx context.Context, repoRoot string, cache *Cache) ([]Application, error) {
	root, err := cleanRoot(repoRoot)
	if err != nil {
		return nil, err
	}
	// The walk only lists the files; reading them (every YAML file in the
	// repo) is done in parallel and the results are taken in walk order,
	// so the outcome is that of reading them one by one.
	var paths []string
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || isChartTemplatesDir(p) {
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(p)
		if d.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			paths = append(paths, p)
		}
		return nil
	})
	type found struct {
		apps       []Application
		readErr    error
		parseErr   error
		mentionApp bool
	}
	results := make([]found, len(paths))
	inParallel(len(paths), func(i int) bool {
		if ctx.Err() != nil {
			return false
		}
		r := &results[i]
		rel := relSlash(root, paths[i])
		find := func(data []byte) {
			if bytes.Contains(data, []byte("Application")) {
				r.apps, r.parseErr = ParseApplications(data, rel)
				r.mentionApp = bytes.Contains(data, []byte(appKindText))
			}
		}
		var err error
		if cache == nil {
			err = withFile(paths[i], DefaultMaxCombinedManifestSize, find)
		} else {
			// Read into a buffer of its own, which the cache keeps.
			var data []byte
			if data, err = readFile(paths[i], nil, DefaultMaxCombinedManifestSize); err == nil {
				cache.put(paths[i], data)
				find(data)
			}
		}
		var se *SizeError
		if errors.As(err, &se) {
			// Too big to load: scan it, and report it if it holds an
			// Application rather than skip it silently.
			var has bool
			if has, err = fileContains(paths[i], []byte(appKindText)); has {
				r.mentionApp = true
				r.parseErr = &ManifestError{File: rel, Msg: fmt.Sprintf("%v for one manifest: the Applications in it are not read", se)}
			}
		}
		if err != nil {
			r.readErr = fmt.Errorf("reading %s: %w", rel, err)
			return false
		}
		return true
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var apps []Application
	var errs []error
	for _, r := range results {
		if r.readErr != nil {
			return apps, r.readErr
		}
		apps = append(apps, r.apps...)
		if r.parseErr != nil && r.mentionApp {
			errs = append(errs, r.parseErr)
		}
	}
	if walkErr != nil {
		return apps, walkErr
	}
	return apps, errors.Join(errs...)
}

// appKindText is how a file that defines an Application says so.
const appKindText = "kind: Application"

func isChartTemplatesDir(p string) bool {
	if filepath.Base(p) != "templates" {
		return false
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(p), "Chart.yaml"))
	return err == nil
}
