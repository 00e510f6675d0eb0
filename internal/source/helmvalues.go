package source

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// helmValues layers user values as Argo CD drives `helm template`:
// valueFiles in order (--values), then valuesObject or, if unset, the
// values string (one more --values file: valuesObject REPLACES values, it is
// not merged with it), then --set parameters, then --set-string ones, then
// --set-file. Chart defaults are coalesced later by Helm itself. It returns
// the repo-relative files it read.
func helmValues(root, appPath string, app *Application, src AppSource, h *HelmSource) (map[string]any, []string, error) {
	vals := map[string]any{}
	var read []string
	for _, vf := range h.ValueFiles {
		p, err := resolveValueFile(root, appPath, app, src, expandArgoEnv(vf, app))
		if err != nil {
			return nil, nil, appError(app, err)
		}
		rel := relSlash(root, p)
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) && h.IgnoreMissingValueFiles {
			continue
		}
		if err != nil {
			return nil, nil, appError(app, fmt.Errorf("values file %s: %w", rel, err))
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, nil, &ManifestError{File: rel, Line: yamlErrLine(err), Msg: "invalid Helm values file", Err: err}
		}
		vals = mergeValues(vals, m)
		read = append(read, rel)
	}
	inline, err := inlineValues(h)
	if err != nil {
		return nil, nil, appError(app, err)
	}
	vals = mergeValues(vals, inline)
	if err := applyParameters(vals, h, appPath, root, &read); err != nil {
		return nil, nil, appError(app, err)
	}
	return vals, read, nil
}

func inlineValues(h *HelmSource) (map[string]any, error) {
	m := map[string]any{}
	switch {
	case h.ValuesObject != nil:
		// Round-trip through JSON for a deep copy with Helm's value types.
		b, err := json.Marshal(h.ValuesObject)
		if err != nil {
			return nil, fmt.Errorf("helm.valuesObject: %w", err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("helm.valuesObject: %w", err)
		}
	case strings.TrimSpace(h.Values) != "":
		if err := yaml.Unmarshal([]byte(h.Values), &m); err != nil {
			return nil, fmt.Errorf("helm.values: %w", err)
		}
	}
	return m, nil
}

func applyParameters(vals map[string]any, h *HelmSource, appPath, root string, read *[]string) error {
	// Argo CD collects parameters into name-keyed maps (last one wins) and
	// passes all --set before all --set-string.
	set, setString := map[string]string{}, map[string]string{}
	for _, p := range h.Parameters {
		if p.ForceString {
			setString[p.Name] = p.Value
			delete(set, p.Name)
		} else {
			set[p.Name] = p.Value
			delete(setString, p.Name)
		}
	}
	for _, name := range sortedKeys(set) {
		if err := strvals.ParseInto(name+"="+escapeSetValue(set[name]), vals); err != nil {
			return fmt.Errorf("helm parameter %s: %w", name, err)
		}
	}
	for _, name := range sortedKeys(setString) {
		if err := strvals.ParseIntoString(name+"="+escapeSetValue(setString[name]), vals); err != nil {
			return fmt.Errorf("helm parameter %s: %w", name, err)
		}
	}
	for _, fp := range h.FileParameters {
		reader := func(rs []rune) (any, error) {
			p := filepath.Join(appPath, string(rs))
			if !inside(root, p) {
				return nil, fmt.Errorf("file parameter %s resolved outside repository root", string(rs))
			}
			b, err := os.ReadFile(p)
			if err == nil {
				*read = append(*read, relSlash(root, p))
			}
			return string(b), err
		}
		if err := strvals.ParseIntoFile(fp.Name+"="+fp.Path, vals, reader); err != nil {
			return fmt.Errorf("helm file parameter %s: %w", fp.Name, err)
		}
	}
	return nil
}

// escapeSetValue escapes unescaped commas like Argo CD's
// cleanSetParameters, except for {a,b} list syntax.
func escapeSetValue(v string) string {
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == ',' && (i == 0 || v[i-1] != '\\') {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// resolveValueFile resolves a valueFiles entry like Argo CD: relative to
// the chart, absolute = relative to the repo root, `$ref/...` through a
// multi-source ref that points at this same repo; never outside the repo.
func resolveValueFile(root, appPath string, app *Application, src AppSource, vf string) (string, error) {
	if strings.Contains(vf, "://") {
		return "", &UnsupportedError{Type: TypeHelm, What: fmt.Sprintf("remote value file %s cannot be read offline", vf)}
	}
	var p string
	switch {
	case strings.HasPrefix(vf, "$"):
		ref, rest, _ := strings.Cut(vf[1:], "/")
		if !refIsThisRepo(app, src, ref) {
			return "", &UnsupportedError{Type: TypeHelm, What: fmt.Sprintf("value file %s refers to source ref %q in another repository", vf, ref)}
		}
		p = filepath.Join(root, rest)
	case filepath.IsAbs(vf):
		p = filepath.Join(root, vf)
	default:
		p = filepath.Join(appPath, vf)
	}
	if !inside(root, p) {
		return "", fmt.Errorf("value file '%s' resolved to outside repository root", vf)
	}
	return p, nil
}

func refIsThisRepo(app *Application, src AppSource, ref string) bool {
	for _, s := range app.Sources {
		if s.Ref == ref {
			return normalizeRepoURL(s.RepoURL) == normalizeRepoURL(src.RepoURL)
		}
	}
	return false
}

func normalizeRepoURL(u string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(u), "/"), ".git")
}

// expandArgoEnv substitutes the build environment Argo CD offers to value
// file names ($ARGOCD_APP_NAME, ...); unknown variables become empty.
func expandArgoEnv(s string, app *Application) string {
	if !strings.Contains(s, "$") || strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "$ARGOCD_") && !strings.HasPrefix(s, "${") {
		return s // "$ref/..." multi-source references are not variables
	}
	env := map[string]string{
		"ARGOCD_APP_NAME":         app.Name,
		"ARGOCD_APP_NAMESPACE":    app.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME": app.Project,
	}
	return os.Expand(s, func(k string) string { return env[k] })
}

// mergeValues deep-merges b over a like Helm's --values handling: maps
// merge recursively, everything else is replaced.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
