package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
func helmValues(hr *helmRefs, h *HelmSource, limit int64) (map[string]any, []string, error) {
	vals := map[string]any{}
	var read []string
	for _, vf := range h.ValueFiles {
		f, err := hr.resolve(vf, "value file")
		if err != nil {
			return nil, nil, hr.appErr(err)
		}
		data, err := readInput(f.abs, f.rel, TypeHelm, limit)
		if errors.Is(err, fs.ErrNotExist) && h.IgnoreMissingValueFiles {
			continue
		}
		if isTyped(err) {
			return nil, nil, err
		}
		if err != nil {
			return nil, nil, hr.appErr(fmt.Errorf("values file %s: %w", f.rel, err))
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, nil, &ManifestError{File: f.rel, Line: yamlErrLine(err), Msg: "invalid Helm values file", Err: err}
		}
		vals = mergeValues(vals, m)
		if !f.other {
			read = append(read, f.rel)
		}
	}
	inline, err := inlineValues(h)
	if err != nil {
		return nil, nil, hr.appErr(err)
	}
	vals = mergeValues(vals, inline)
	if err := applyParameters(vals, h, hr, limit, &read); err != nil {
		return nil, nil, hr.appErr(err)
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

func applyParameters(vals map[string]any, h *HelmSource, hr *helmRefs, limit int64, read *[]string) error {
	// Argo CD collects parameters into two name-keyed maps (the last of a
	// name wins within each), substitutes the build environment into the
	// values, and passes every --set before every --set-string: a name
	// given both ways ends as the string. Go map order decides among
	// overlapping names (a and a.b) there; gitshift sorts.
	set, setString := map[string]string{}, map[string]string{}
	for _, p := range h.Parameters {
		if p.ForceString {
			setString[p.Name] = p.Value
		} else {
			set[p.Name] = p.Value
		}
	}
	for _, name := range sortedKeys(set) {
		if err := strvals.ParseInto(name+"="+escapeSetValue(hr.env.subst(set[name])), vals); err != nil {
			return fmt.Errorf("helm parameter %s: failed parsing --set data: %w", name, err)
		}
	}
	for _, name := range sortedKeys(setString) {
		if err := strvals.ParseIntoString(name+"="+escapeSetValue(hr.env.subst(setString[name])), vals); err != nil {
			return fmt.Errorf("helm parameter %s: failed parsing --set-string data: %w", name, err)
		}
	}
	for _, fp := range h.FileParameters {
		f, err := hr.resolve(fp.Path, "file parameter")
		if err != nil {
			return err
		}
		data, err := readInput(f.abs, f.rel, TypeHelm, limit)
		if err != nil {
			if isTyped(err) {
				return err
			}
			return fmt.Errorf("helm file parameter %s: %w", fp.Name, err)
		}
		if !f.other {
			*read = append(*read, f.rel)
		}
		reader := func([]rune) (any, error) { return string(data), nil }
		if err := strvals.ParseIntoFile(fp.Name+"="+escapeSetValue(f.rel), vals, reader); err != nil {
			return fmt.Errorf("helm file parameter %s: failed parsing --set-file data: %w", fp.Name, err)
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
