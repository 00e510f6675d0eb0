package source

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// kustomize fetches what a kustomization names on the network while it
// builds: an http(s) URL is downloaded as a file (loader.FileLoader.Load),
// a git URL is cloned with the git binary (ldr.New), a helmCharts repo is
// pulled. krusty has no hook for either, so overlayFS looks at every
// kustomization and plugin configuration as kustomize reads it, before
// kustomize sees it, and stops the build at the first remote reference.

// refKind says where a reference in a kustomization points.
type refKind int

const (
	refLocal   refKind = iota
	refRemote          // on the network: the source is not checked
	refOutside         // a file:// git URL: the repo-server's own disk
)

// scpUserRE is the `user@host:path` form kustomize's git URL parser takes.
var scpUserRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// kustomizeRefKind classifies s the way kustomize's loaders decide to go
// remote (IsRemoteFile, git.NewRepoSpecFromURL), erring on the remote side:
// any URL scheme is remote. The forms without a scheme (user@host:path,
// github.com/org/repo) are local when that path exists under dir.
func kustomizeRefKind(dir, s string) refKind {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	lower = strings.TrimPrefix(lower, "git::")
	if strings.HasPrefix(lower, "file://") {
		return refOutside
	}
	if i := strings.Index(lower, "://"); i > 0 {
		return refRemote
	}
	if scpUserRE.MatchString(lower) || strings.HasPrefix(lower, "github.com/") || strings.HasPrefix(lower, "github.com:") {
		if _, err := os.Lstat(filepath.Join(dir, s)); err == nil {
			return refLocal
		}
		return refRemote
	}
	return refLocal
}

// kustomizationRef is a value of a kustomization field that names a file,
// a directory or a URL.
type kustomizationRef struct {
	field, value string
	plugin       bool // a generators/transformers/validators entry: read next
	remote       bool // remote by its field (a chart repository)
}

type refList []kustomizationRef

// add records vals of field, leaving out empty and inline ones.
func (l *refList) add(field string, vals ...string) {
	for _, v := range vals {
		if v != "" && !isInline(v) {
			*l = append(*l, kustomizationRef{field: field, value: v})
		}
	}
}

func (l *refList) addRemote(field string, vals ...string) {
	for _, v := range vals {
		if v != "" {
			*l = append(*l, kustomizationRef{field: field, value: v, remote: true})
		}
	}
}

// kustomizationRefs lists the references of a kustomization (legacy fields
// included). Inline patches are not references; the references inside an
// inline plugin configuration are.
func kustomizationRefs(k map[string]any) []kustomizationRef {
	var refs refList
	for _, f := range []string{"resources", "bases", "components", "crds", "configurations", "patchesStrategicMerge"} {
		refs.add(f, strings_(k[f])...)
	}
	for _, f := range []string{"generators", "transformers", "validators"} {
		for _, v := range strings_(k[f]) {
			if isInline(v) {
				refs = append(refs, pluginRefs(f, []byte(v))...)
				continue
			}
			refs = append(refs, kustomizationRef{field: f, value: v, plugin: true})
		}
	}
	for _, f := range []string{"patches", "patchesJson6902", "replacements"} {
		for _, m := range maps(k[f]) {
			refs.add(f+".path", str(m["path"]))
		}
	}
	for _, f := range []string{"configMapGenerator", "secretGenerator"} {
		for _, m := range maps(k[f]) {
			refs.add(f, generatorFiles(m)...)
		}
	}
	if m, ok := k["openapi"].(map[string]any); ok {
		refs.add("openapi.path", str(m["path"]))
	}
	return refs
}

// isInline tells YAML or JSON text given in place of a path (an inline
// patch or plugin configuration) from a reference.
func isInline(v string) bool {
	t := strings.TrimSpace(v)
	return strings.Contains(t, "\n") || strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// pluginRefs lists the references in builtin plugin configurations
// (PatchTransformer path, PatchStrategicMergeTransformer paths,
// ReplacementTransformer replacements, generator files, Helm repos): a
// YAML stream of objects, as kustomize reads a transformers file.
func pluginRefs(field string, data []byte) []kustomizationRef {
	var refs refList
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return refs // the end, or a broken file kustomize reports
		}
		what := strings.TrimSpace(field + " " + str(m["kind"]))
		refs.add(what+" path", str(m["path"]))
		refs.add(what+" paths", strings_(m["paths"])...)
		for _, r := range maps(m["replacements"]) {
			refs.add(what+" replacements.path", str(r["path"]))
		}
		refs.add(what+" files", generatorFiles(m)...)
		refs.addRemote(what+" repo", str(m["repo"]))
		refs.addRemote(what+" chartRepoUrl", str(m["chartRepoUrl"]))
		refs.add(what+" valuesFile", str(m["valuesFile"]))
		refs.add(what+" additionalValuesFiles", strings_(m["additionalValuesFiles"])...)
	}
}

// generatorFiles are the files a ConfigMap/Secret generator reads:
// `files` entries ([key=]path), `envs` and the legacy `env`.
func generatorFiles(m map[string]any) []string {
	var out []string
	for _, f := range strings_(m["files"]) {
		if _, p, ok := strings.Cut(f, "="); ok {
			f = p
		}
		out = append(out, f)
	}
	out = append(out, strings_(m["envs"])...)
	return append(out, str(m["env"]))
}

// checkKustomizeRefs refuses the first reference in a kustomization (or a
// plugin configuration, plugin set) at abs that is remote or outside. It
// returns the plugin configuration files the kustomization names, which
// kustomize reads next.
//
// helmCharts: without --enable-helm (Argo CD's default build options)
// kustomize itself fails on them, as in Argo CD; with it, kustomize runs
// the helm binary and may pull the chart, so the source is not checked.
func checkKustomizeRefs(root, abs string, data []byte, plugin, helm bool) ([]string, error) {
	dir := filepath.Dir(abs)
	rel := relSlash(root, abs)
	var refs []kustomizationRef
	if plugin {
		refs = pluginRefs("plugin", data)
	} else {
		k := map[string]any{}
		if yaml.Unmarshal(data, &k) != nil {
			return nil, nil // kustomize reports it with its own message
		}
		if helm && (k["helmCharts"] != nil || k["helmChartInflationGenerator"] != nil) {
			return nil, &UnsupportedError{Type: TypeKustomize, File: rel,
				What: "helmCharts with --enable-helm: kustomize runs helm (and may pull the chart); gitshift runs nothing"}
		}
		refs = kustomizationRefs(k)
	}
	var plugins []string
	for _, r := range refs {
		v := r.value
		kind := kustomizeRefKind(dir, v)
		if r.remote && kind == refLocal {
			kind = refRemote
		}
		switch kind {
		case refRemote:
			return nil, &UnsupportedError{Type: TypeKustomize, File: rel,
				What: fmt.Sprintf("%s %s is on the network: Argo CD would fetch it (kustomize build); gitshift does not", r.field, v)}
		case refOutside:
			return nil, &ManifestError{File: rel, Msg: fmt.Sprintf("%s %s clones a path outside the repository", r.field, v)}
		}
		if r.plugin {
			p := filepath.Join(dir, v)
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			plugins = append(plugins, p)
		}
	}
	return plugins, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strings_ returns the strings of a YAML list (or a lone string).
func strings_(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func maps(v any) []map[string]any {
	l, _ := v.([]any)
	var out []map[string]any
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
