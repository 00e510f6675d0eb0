package source

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// mergeSourceOverrides applies .argocd-source.yaml, then
// .argocd-source-<app>.yaml, from the app path onto src as JSON merge
// patches (RFC 7386: maps merge, lists are replaced, null deletes), like
// Argo CD's mergeSourceParameters. Only tool settings can change: repoURL,
// path, chart and targetRevision are restored afterwards. It returns the
// repo-relative names of the files that were applied.
func mergeSourceOverrides(src AppSource, appPath, repoRoot, appName string, limit int64) (AppSource, []string, error) {
	files := []string{".argocd-source.yaml"}
	if appName != "" {
		files = append(files, ".argocd-source-"+appName+".yaml")
	}
	merged := src
	var used []string
	for _, f := range files {
		p := filepath.Join(appPath, f)
		fi, err := os.Stat(p)
		if os.IsNotExist(err) || (err == nil && fi.IsDir()) {
			continue
		}
		rel := relSlash(repoRoot, p)
		if err != nil {
			return src, nil, fmt.Errorf("reading %s: %w", rel, err)
		}
		// Argo CD reads whatever else is there; a named pipe would block it.
		patchYAML, err := readInput(p, rel, "", limit)
		if isTyped(err) {
			return src, nil, err
		}
		if err != nil {
			return src, nil, fmt.Errorf("reading %s: %w", rel, err)
		}
		merged, err = applyOverride(merged, patchYAML)
		if err != nil {
			return src, nil, &ManifestError{File: rel, Line: yamlErrLine(err), Msg: "invalid source override", Err: err}
		}
		used = append(used, rel)
	}
	merged.RepoURL, merged.Path, merged.Chart, merged.TargetRevision = src.RepoURL, src.Path, src.Chart, src.TargetRevision
	return merged, used, nil
}

func applyOverride(src AppSource, patchYAML []byte) (AppSource, error) {
	patchJSON, err := yaml.YAMLToJSON(patchYAML)
	if err != nil {
		return src, err
	}
	var patch any
	if err := json.Unmarshal(patchJSON, &patch); err != nil {
		return src, err
	}
	if patch == nil { // empty file: nothing to merge
		return src, nil
	}
	base, err := json.Marshal(src)
	if err != nil {
		return src, err
	}
	var doc any
	if err := json.Unmarshal(base, &doc); err != nil {
		return src, err
	}
	out, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return src, err
	}
	var merged AppSource
	if err := json.Unmarshal(out, &merged); err != nil {
		return src, err
	}
	return merged, nil
}

// mergePatch implements RFC 7386 JSON merge patch on decoded JSON values.
func mergePatch(doc, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(dm, k)
			continue
		}
		dm[k] = mergePatch(dm[k], v)
	}
	return dm
}
