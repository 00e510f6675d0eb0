package argocd

import (
	"fmt"
	"reflect"
)

// comparedToDiff says how status.sync.comparedTo differs from the spec, or ""
// when it does not. Argo CD compares Go structs (ApplicationSource.Equals is a
// DeepEqual); gitshift sees JSON, where a zero field may be either absent or
// written out (`directory: {jsonnet: {}}` vs `directory: {}`), so both sides
// are normalized by dropping zero values before comparing.
func comparedToDiff(a AppStatus) string {
	ct := a.Status.Sync.ComparedTo
	if len(a.Spec.Sources) > 0 {
		if len(ct.Sources) != len(a.Spec.Sources) {
			return fmt.Sprintf("spec has %d sources, comparedTo has %d", len(a.Spec.Sources), len(ct.Sources))
		}
		for i := range a.Spec.Sources {
			if !sameJSON(a.Spec.Sources[i], ct.Sources[i]) {
				return fmt.Sprintf("spec.sources[%d] differs from comparedTo", i)
			}
		}
	} else if !sameJSON(a.Spec.Source, ct.Source) {
		return "spec.source differs from comparedTo.source"
	}
	if !sameDestination(a.Spec.Destination, ct.Destination) {
		return "spec.destination differs from comparedTo.destination"
	}
	if !sameJSON(a.Spec.IgnoreDifferences, ct.IgnoreDifferences) {
		return "spec.ignoreDifferences differs from comparedTo.ignoreDifferences"
	}
	return ""
}

// sameDestination follows ApplicationDestination.Equals: a server inferred
// from a cluster name (or a name inferred from a server) is ignored, so only
// fields present on both sides are compared, and the namespace always is.
func sameDestination(spec, ct map[string]any) bool {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	if str(spec, "namespace") != str(ct, "namespace") {
		return false
	}
	for _, k := range []string{"server", "name"} {
		a, b := str(spec, k), str(ct, k)
		if a != "" && b != "" && a != b {
			return false
		}
	}
	// One side names a cluster the other side does not mention at all.
	if str(spec, "server") == "" && str(spec, "name") == "" {
		return str(ct, "server") == "" && str(ct, "name") == ""
	}
	return str(ct, "server") != "" || str(ct, "name") != ""
}

func sameJSON(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize drops zero values (nil, "", false, 0, empty maps and lists)
// recursively and returns nil when nothing is left.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if n := normalize(x); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []map[string]any:
		l := make([]any, len(t))
		for i := range t {
			l[i] = t[i]
		}
		return normalize(l)
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x)
		}
		return out
	case string:
		if t == "" {
			return nil
		}
	case bool:
		if !t {
			return nil
		}
	case float64:
		if t == 0 {
			return nil
		}
	case int64:
		if t == 0 {
			return nil
		}
	case nil:
		return nil
	}
	return v
}
