package source

import (
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// Decoding every document with yaml.Node.Decode into `any` and then
// normalizing it costs about as much as parsing the YAML: the decoder is
// reflection-driven and allocates a reflect.Value per node. Plain
// Kubernetes manifests use a tiny part of YAML (string keys, strings,
// decimal integers, booleans, nulls), so convertNode turns the parsed node
// tree straight into the normalized map[string]any for exactly that part,
// and reports ok == false for anything else. The caller then decodes the
// whole document the original way, so every unusual input (aliases, merge
// keys, explicit or custom tags, timestamps, floats that are not plain,
// duplicate keys, errors) keeps yaml.v3's exact value and error message.
//
// Each fast path below is what yaml.v3's decoder plus normalize produce for
// that node; the tags are the ones the parser resolved (plain scalars are
// resolved with yaml.v3's own table, quoted and block scalars are !!str).

// convertNode converts n as Node.Decode(&v) followed by normalize(v) would.
func convertNode(n *yaml.Node) (any, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		return convertMapping(n)
	case yaml.SequenceNode:
		if n.Tag != "!!seq" {
			return nil, false
		}
		out := make([]any, len(n.Content)) // never nil: [] decodes to an empty slice
		for i, c := range n.Content {
			v, ok := convertNode(c)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case yaml.ScalarNode:
		return convertScalar(n)
	}
	return nil, false // aliases (and anything else) take the exact path
}

func convertMapping(n *yaml.Node) (any, bool) {
	if n.Tag != "!!map" || len(n.Content)%2 != 0 {
		return nil, false
	}
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		// Only !!str keys: other keys make yaml.v3 build map[any]any,
		// whose key rendering normalize owns. "<<" may be a merge key.
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Value == "<<" {
			return nil, false
		}
		if _, dup := out[k.Value]; dup {
			return nil, false // yaml.v3 reports the duplicate key
		}
		v, ok := convertNode(n.Content[i+1])
		if !ok {
			return nil, false
		}
		out[k.Value] = v
	}
	return out, true
}

// convertScalar handles the scalars yaml.v3 resolves without doubt; any
// other scalar is decoded by yaml.v3 itself (it is context-free, so
// decoding it alone gives the value it has inside the document).
func convertScalar(n *yaml.Node) (any, bool) {
	switch n.Tag {
	case "!!str":
		return n.Value, true // quoted, block or plain text: always the text
	case "!!null":
		switch n.Value {
		case "", "~", "null", "Null", "NULL":
			return nil, true
		}
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	case "!!int":
		if i, ok := plainDecimal(n.Value); ok {
			return i, true
		}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, false
	}
	v, err := normalize(v)
	if err != nil {
		return nil, false
	}
	return v, true
}

// plainDecimal parses -?(0|[1-9][0-9]*) of at most 18 digits, the integers
// that mean the same in every base yaml.v3 tries and always fit an int64.
// Signs, underscores, leading zeros (octal) and prefixes go to yaml.v3.
func plainDecimal(s string) (int64, bool) {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || (d[0] == '0' && len(d) > 1) {
		return 0, false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}
