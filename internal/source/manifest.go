package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// decodeManifestFile applies Argo CD's per-file rules to one directory
// source file (rel is repo-relative). ignored is true when Argo CD silently
// skips the file as "not Kubernetes".
func decodeManifestFile(rel string, data []byte) (objs []Object, warns []Warning, ignored bool, err error) {
	var docs []rawDoc
	if strings.HasSuffix(rel, ".json") {
		d, err := decodeJSON(data)
		if err != nil {
			return nil, nil, false, &ManifestError{File: rel, Line: 1, Msg: "failed to unmarshal JSON manifest", Err: err}
		}
		docs = []rawDoc{d}
	} else {
		docs, err = splitYAML(data)
		if err != nil {
			var de *docError
			line := 0
			if errors.As(err, &de) {
				line = de.line
				err = de.err
			}
			// Argo CD: an error after a good document is fatal; an error
			// with nothing decoded is fatal only if the text looks like a
			// Kubernetes manifest, otherwise the file is ignored.
			if len(docs) == 0 && !looksLikeK8s(data) {
				return nil, nil, true, nil
			}
			return nil, nil, false, &ManifestError{File: rel, Line: line, Msg: "failed to unmarshal manifest", Err: err}
		}
	}
	for _, d := range docs {
		o, w, err := flatten(rel, d)
		if err != nil {
			return nil, nil, false, err
		}
		objs = append(objs, o...)
		warns = append(warns, w...)
	}
	return objs, warns, false, nil
}

// looksLikeK8s is Argo CD's heuristic for YAML that failed to decode.
func looksLikeK8s(data []byte) bool {
	return bytes.Contains(data, []byte("apiVersion:")) &&
		bytes.Contains(data, []byte("kind:")) &&
		bytes.Contains(data, []byte("metadata:"))
}

// flatten expands any object with an `items` array one level (Argo CD does
// this for every such object, not only kind: List) and drops an object
// with `items: null` unless it has a spec or status (isNullList).
func flatten(rel string, d rawDoc) ([]Object, []Warning, error) {
	prov := Provenance{File: rel, Doc: d.doc, Line: d.line, Item: -1}
	items, has := d.obj["items"]
	if !has {
		return []Object{newObject(d.obj, prov)}, nil, nil
	}
	if items == nil {
		_, spec := d.obj["spec"]
		_, status := d.obj["status"]
		if spec || status {
			return []Object{newObject(d.obj, prov)}, nil, nil
		}
		return nil, nil, nil
	}
	list, ok := items.([]any)
	if !ok {
		return []Object{newObject(d.obj, prov)}, nil, nil
	}
	out := make([]Object, 0, len(list))
	var warns []Warning
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, nil, &ManifestError{File: rel, Line: d.line, Msg: fmt.Sprintf("items member %d is not an object: %T", i, it)}
		}
		p := prov
		p.Item = i
		if k, _ := m["kind"].(string); k == "" {
			warns = append(warns, Warning{Code: WarnItemNoKind, Message: fmt.Sprintf("items[%d] has no kind", i), Source: p})
		}
		out = append(out, newObject(m, p))
	}
	return out, warns, nil
}

func newObject(m map[string]any, p Provenance) Object {
	return Object{Unstructured: &unstructured.Unstructured{Object: m}, Source: p}
}

// decodeJSON reads a .json manifest as Argo CD does: json.Decoder.Decode
// into an Unstructured (so an array, a scalar or a missing kind is an
// error), then decoder.More() rejects a second value. More() does not
// look at a stray `]` or `}`, so such trailing text is accepted, as there.
func decodeJSON(data []byte) (rawDoc, error) {
	data = decodeBOM(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	var u unstructured.Unstructured
	if err := dec.Decode(&u); err != nil {
		return rawDoc{}, err
	}
	if dec.More() {
		return rawDoc{}, errors.New("found multiple objects; only single objects are allowed in JSON files")
	}
	return rawDoc{obj: u.Object, doc: 0, line: jsonFirstKeyLine(data)}, nil
}

func jsonFirstKeyLine(data []byte) int {
	i := bytes.IndexByte(data, '{')
	if i < 0 {
		return 1
	}
	j := bytes.IndexByte(data[i:], '"')
	if j < 0 {
		j = 0
	}
	return 1 + bytes.Count(data[:i+j], []byte("\n"))
}
