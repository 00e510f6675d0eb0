package helmengine

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/gitshift/gitshift/internal/source"
)

// Helm (chartutil.ValidateAgainstSingleSchema) compiles values.schema.json
// with santhosh-tekuri/jsonschema and loaders it fixes itself: any file://
// path, http(s) with a 15 s timeout, and urn: (permissive unless an SDK
// resolver is set). The schema is added as file:///values.schema.json, so
// even a relative $ref reads from the root of the repo-server's disk.
// There is no hook for the loader, so checkSchemaRefs compiles the same
// schemas first, with a loader that loads nothing and notes every URL
// asked for. The compiler resolves all references while compiling, so when
// it asks for nothing but urn:, Helm's own compile asks for nothing else.

// schemaBase is where Helm puts the schema document.
const schemaBase = "file:///values.schema.json"

// refRecorder is a jsonschema loader that loads nothing: every document is
// the permissive schema `true`, so compiling goes on to the next reference.
type refRecorder struct{ files, remote []string }

func (r *refRecorder) Load(ref string) (any, error) {
	u, err := url.Parse(ref)
	switch {
	case err == nil && u.Scheme == "urn": // Helm's default: permissive
	case err == nil && u.Scheme == "file":
		r.files = append(r.files, ref)
	default:
		r.remote = append(r.remote, ref)
	}
	return true, nil
}

// checkSchemaRefs refuses the schemas Helm would validate vals against when
// they reference a file (invalid: outside the repository) or something on
// the network (not checked). chartDir and deps place each schema file.
func checkSchemaRefs(req source.ChartRequest, chrt *chart.Chart, deps *fileDeps) error {
	vals, err := chartutil.CoalesceValues(chrt, req.Values)
	if err != nil {
		return nil // Helm reports it
	}
	return walkSchemas(chrt, vals, req.ChartDir, deps, func(schemaFile string, schema []byte) error {
		r := &refRecorder{}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
		if err != nil {
			return nil // Helm reports it
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(r)
		if c.AddResource(schemaBase, doc) == nil {
			_, _ = c.Compile(schemaBase) // other errors: Helm reports them
		}
		name := rel(req.RepoRoot, schemaFile)
		if len(r.files) > 0 {
			return &source.ManifestError{File: name, Msg: fmt.Sprintf("schema reference %s is a file outside the repository "+
				"(Helm resolves it on the repo-server's disk); gitshift does not read it", r.files[0])}
		}
		if len(r.remote) > 0 {
			return &source.UnsupportedError{Type: source.TypeHelm, File: name,
				What: fmt.Sprintf("schema reference %s needs the network; gitshift does not fetch it", r.remote[0])}
		}
		return nil
	})
}

// walkSchemas calls fn for every schema Helm's ValidateAgainstSchema
// validates: the chart's, then each dependency's whose values are a map.
func walkSchemas(c *chart.Chart, vals map[string]any, dir string, deps *fileDeps, fn func(file string, schema []byte) error) error {
	if c.Schema != nil {
		if err := fn(filepath.Join(dir, "values.schema.json"), c.Schema); err != nil {
			return err
		}
	}
	for _, sub := range c.Dependencies() {
		sv, ok := vals[sub.Name()].(map[string]any)
		if !ok {
			continue
		}
		subDir := filepath.Join(dir, "charts", sub.Name())
		if deps != nil && deps.byName[sub.Name()] != "" && !deps.archives[deps.byName[sub.Name()]] {
			subDir = deps.byName[sub.Name()]
		}
		if err := walkSchemas(sub, sv, subDir, nil, fn); err != nil {
			return err
		}
	}
	return nil
}
