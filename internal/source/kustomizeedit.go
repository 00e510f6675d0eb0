package source

import (
	"strings"
)

// applyKustomizeEdits does what Argo CD's `kustomize edit set nameprefix /
// namesuffix / namespace / image` and `kustomize edit add label|annotation
// --force` do to the root kustomization.
func applyKustomizeEdits(m map[string]any, k *KustomizeSource) {
	if k.NamePrefix != "" {
		m["namePrefix"] = k.NamePrefix
	}
	if k.NameSuffix != "" {
		m["nameSuffix"] = k.NameSuffix
	}
	if k.Namespace != "" {
		m["namespace"] = k.Namespace
	}
	mergeStringMap(m, "commonLabels", k.CommonLabels)
	mergeStringMap(m, "commonAnnotations", k.CommonAnnotations)
	for _, spec := range k.Images {
		setImage(m, parseImageOverride(spec))
	}
}

func mergeStringMap(m map[string]any, key string, add map[string]string) {
	if len(add) == 0 {
		return
	}
	cur, _ := m[key].(map[string]any)
	if cur == nil {
		cur = map[string]any{}
	}
	for k, v := range add {
		cur[k] = v
	}
	m[key] = cur
}

// parseImageOverride parses `kustomize edit set image` arguments:
// name, name:tag, name@digest, name=newName[:tag|@digest].
func parseImageOverride(spec string) map[string]any {
	name, target, hasNew := strings.Cut(spec, "=")
	img := map[string]any{}
	ref := name
	if hasNew {
		ref = target
	}
	base, tag, digest := splitImageRef(ref)
	if hasNew {
		img["name"] = stripImageRef(name)
		img["newName"] = base
	} else {
		img["name"] = base
	}
	if tag != "" {
		img["newTag"] = tag
	}
	if digest != "" {
		img["digest"] = digest
	}
	return img
}

func stripImageRef(ref string) string {
	b, _, _ := splitImageRef(ref)
	return b
}

func splitImageRef(ref string) (base, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	return ref, tag, digest
}

// setImage replaces the images entry with the same name or appends one.
func setImage(m map[string]any, img map[string]any) {
	list, _ := m["images"].([]any)
	for i, e := range list {
		if em, ok := e.(map[string]any); ok && em["name"] == img["name"] {
			list[i] = img
			m["images"] = list
			return
		}
	}
	m["images"] = append(list, img)
}
