package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// rawDoc is one decoded manifest document before items flattening.
type rawDoc struct {
	obj  map[string]any
	doc  int // 0-based document index in the file
	line int // 1-based line of the document's first key
}

// docError is a decode failure inside one document.
type docError struct {
	doc, line int
	err       error
}

func (e *docError) Error() string { return e.err.Error() }
func (e *docError) Unwrap() error { return e.err }

// splitYAML decodes a multi-document YAML stream the way Argo CD's
// kube.SplitYAML does: empty and null documents are skipped, every other
// document must be a mapping with a kind. It returns the documents decoded
// before the first failure together with that failure. A syntax error
// returns no documents at all, because Argo CD's splitter discards
// everything when the stream itself cannot be split.
func splitYAML(data []byte) ([]rawDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []rawDoc
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return nil, &docError{doc: i, line: yamlErrLine(err), err: err}
		}
		obj, line, err := decodeDoc(&n)
		if err != nil {
			return docs, &docError{doc: i, line: line, err: err}
		}
		if obj == nil {
			continue
		}
		docs = append(docs, rawDoc{obj: obj, doc: i, line: line})
	}
}

// decodeDoc turns one document node into an object; nil, nil for an empty
// or null document.
func decodeDoc(n *yaml.Node) (map[string]any, int, error) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, 0, nil
		}
		n = n.Content[0]
	}
	line := n.Line
	root := n
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, 0, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, line, fmt.Errorf("cannot unmarshal %s into a Kubernetes object", nodeKind(root))
	}
	if len(root.Content) > 0 {
		line = root.Content[0].Line
	}
	norm, ok := convertNode(n)
	if !ok {
		// Anything convertNode does not vouch for is decoded by yaml.v3
		// itself, so values and error messages stay exactly its own.
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, line, err
		}
		var err error
		if norm, err = normalize(v); err != nil {
			return nil, line, err
		}
	}
	obj, _ := norm.(map[string]any)
	if err := checkTypeMeta(obj); err != nil {
		return nil, line, err
	}
	return obj, line, nil
}

// checkTypeMeta mirrors unstructured decoding: kind is required (apiVersion
// is not), and both must be strings when present.
func checkTypeMeta(obj map[string]any) error {
	if av, ok := obj["apiVersion"]; ok && av != nil {
		if _, ok := av.(string); !ok {
			return errors.New("apiVersion is not a string")
		}
	}
	k, ok := obj["kind"].(string)
	if !ok || k == "" {
		return errors.New("Object 'Kind' is missing")
	}
	return nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "array"
	case yaml.ScalarNode:
		return "scalar " + n.Tag
	}
	return "node"
}

// normalize converts yaml.v3 values to the JSON-compatible types
// unstructured.Unstructured requires (int64, float64, map[string]any).
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			ne, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[k] = ne
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			ne, err := normalize(e)
			if err != nil {
				return nil, err
			}
			m[keyString(k)] = ne
		}
		return m, nil
	case []any:
		for i, e := range t {
			ne, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = ne
		}
		return t, nil
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t), nil
		}
		return float64(t), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("json: unsupported value: %v", t)
		}
		return t, nil
	case []byte:
		return string(t), nil
	case nil, string, bool:
		return t, nil
	default:
		return fmt.Sprint(t), nil
	}
}

// keyString renders a non-string mapping key as the YAML-to-JSON
// conversion does (1 -> "1", true -> "true", null -> "null").
func keyString(k any) string {
	switch t := k.(type) {
	case nil:
		return "null"
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	}
	return fmt.Sprint(k)
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlErrLine extracts "line N" from a yaml.v3 error message, or 0.
func yamlErrLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
