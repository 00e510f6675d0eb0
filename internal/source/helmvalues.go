package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
func helmValues(root, appPath string, app *Application, src AppSource, h *HelmSource, limit int64) (map[string]any, []string, error) {
	vals := map[string]any{}
	var read []string
	for _, vf := range h.ValueFiles {
		p, err := resolveValueFile(root, appPath, app, src, expandArgoEnv(vf, app))
		if err != nil {
			return nil, nil, appError(app, err)
		}
		rel := relSlash(root, p)
		data, err := readInput(p, rel, TypeHelm, limit)
		if errors.Is(err, fs.ErrNotExist) && h.IgnoreMissingValueFiles {
			continue
		}
		if isTyped(err) {
			return nil, nil, err
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
	if err := applyParameters(vals, h, app, appPath, root, limit, &read); err != nil {
		if isTyped(err) {
			return nil, nil, err
		}
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

func applyParameters(vals map[string]any, h *HelmSource, app *Application, appPath, root string, limit int64, read *[]string) error {
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
		// Argo CD resolves a file parameter like a value file (relative
		// to the chart, absolute = from the repository root, or a URL).
		p, err := resolveRepoPath(root, appPath, expandArgoEnv(fp.Path, app), "file parameter")
		if err != nil {
			return err
		}
		rel := relSlash(root, p)
		data, err := readInput(p, rel, TypeHelm, limit)
		if err != nil {
			if isTyped(err) {
				return err
			}
			return fmt.Errorf("helm file parameter %s: %w", fp.Name, err)
		}
		*read = append(*read, rel)
		reader := func([]rune) (any, error) { return string(data), nil }
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
	if strings.HasPrefix(vf, "$") && !strings.Contains(vf, "://") {
		ref, rest, _ := strings.Cut(vf[1:], "/")
		if !refIsThisRepo(app, src, ref) {
			return "", &UnsupportedError{Type: TypeHelm, What: fmt.Sprintf("value file %s refers to source ref %q in another repository", vf, ref)}
		}
		p := filepath.Join(root, rest)
		if !inside(root, p) {
			return "", fmt.Errorf("value file '%s' resolved to outside repository root", vf)
		}
		return p, nil
	}
	return resolveRepoPath(root, appPath, vf, "value file")
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
