package source

import (
	"bytes"
	"strconv"
	"strings"

	yaml2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	sigsyaml "sigs.k8s.io/yaml"
)

// Decoding a document the way Argo CD does (sigs.k8s.io/yaml: go-yaml v2,
// then JSON, then Unstructured) costs about three parses. Kubernetes
// manifests use a tiny part of YAML: string keys, strings, decimal
// integers, booleans and nulls. fastDecode parses a chunk once with yaml.v3
// and converts the node tree straight into the object for exactly that part,
// where YAML 1.1 (go-yaml v2) and YAML 1.2 (yaml.v3) agree; for anything
// else it reports ok == false and the caller takes the exact path. The
// differential tests and fuzz target (FuzzSplitYAMLMatchesAPIMachinery)
// compare the result with apimachinery's decoder.

// fastDecode returns the first document of one chunk as Argo CD would
// decode it: (nil, true) for an empty or null document, (obj, true) for a
// mapping with a string kind, and ok == false whenever it cannot vouch.
func fastDecode(chunk []byte) (obj map[string]any, ok bool) {
	body, ok := fastBody(chunk)
	if !ok {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(chunk, &doc); err != nil {
		return nil, false
	}
	return fastDocument(&doc, body)
}

// fastBody is the chunk without its own leading separator line, if the
// fast path may take the chunk at all. yaml.v3 and go-yaml v2 disagree on
// document markers that are not at the start of a line ("a: ---" is null
// for one, "---" for the other), and on some tags.
func fastBody(chunk []byte) ([]byte, bool) {
	body := chunk
	if bytes.HasPrefix(body, []byte("---")) {
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		} else {
			body = nil
		}
	}
	if bytes.Contains(body, []byte("---")) || bytes.Contains(body, []byte("...")) || mayHoldTag(body) {
		return nil, false
	}
	return body, true
}

// fastDocument converts one parsed document (body: its text without the
// separator line) as fastDecode does.
func fastDocument(doc *yaml.Node, body []byte) (obj map[string]any, ok bool) {
	if doc.Kind == 0 {
		for _, line := range bytes.Split(body, []byte("\n")) {
			if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
				return nil, false
			}
		}
		return nil, true // comments and blank lines only
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Style&yaml.TaggedStyle == 0 && root.Tag == "!!null" {
		return nil, isNullWord(root.Value)
	}
	if root.Kind != yaml.MappingNode {
		return nil, false
	}
	v, ok := fastMapping(root)
	if !ok {
		return nil, false
	}
	// Unstructured refuses a document without a kind: let the exact path
	// produce that error.
	if k, _ := v["kind"].(string); k == "" {
		return nil, false
	}
	if av, has := v["apiVersion"]; has {
		if _, isStr := av.(string); !isStr {
			return nil, false
		}
	}
	return v, true
}

// mayHoldTag reports a '!' where a tag could start. yaml.v3 forgets some
// tags (a lone "!" yields a plain null) that go-yaml v2 honours.
func mayHoldTag(b []byte) bool {
	for i := bytes.IndexByte(b, '!'); i >= 0; {
		if i == 0 || strings.IndexByte(" \t\r\n[{,:-?", b[i-1]) >= 0 {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '!')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

func fastNode(n *yaml.Node) (any, bool) {
	if n.Style&yaml.TaggedStyle != 0 {
		return nil, false // explicit tags: rare, and resolved differently
	}
	switch n.Kind {
	case yaml.MappingNode:
		return fastMapping(n)
	case yaml.SequenceNode:
		if n.Tag != "!!seq" {
			return nil, false
		}
		out := make([]any, len(n.Content)) // [] decodes to an empty list, never nil
		for i, c := range n.Content {
			v, ok := fastNode(c)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case yaml.ScalarNode:
		return fastScalar(n)
	}
	return nil, false // aliases take the exact path
}

func fastMapping(n *yaml.Node) (map[string]any, bool) {
	if n.Tag != "!!map" || n.Style&yaml.TaggedStyle != 0 || len(n.Content)%2 != 0 {
		return nil, false
	}
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		// Only keys that are strings in both YAML versions ("on:" is true
		// in YAML 1.1); "<<" may be a merge key.
		if k.Kind != yaml.ScalarNode || k.Style&yaml.TaggedStyle != 0 || k.Tag != "!!str" || k.Value == "<<" {
			return nil, false
		}
		if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && !plainStringIn11(k.Value) {
			return nil, false
		}
		if _, dup := out[k.Value]; dup {
			return nil, false // go-yaml v2 keeps the last value; leave it to it
		}
		v, ok := fastNode(n.Content[i+1])
		if !ok {
			return nil, false
		}
		out[k.Value] = v
	}
	return out, true
}

func fastScalar(n *yaml.Node) (any, bool) {
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	switch n.Tag {
	case "!!str":
		if quoted || plainStringIn11(n.Value) {
			return n.Value, true
		}
	case "!!null":
		if isNullWord(n.Value) && !quoted {
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
	if !quoted && (n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!timestamp" || n.Tag == "!!str") {
		return exactScalar(n.Value)
	}
	return nil, false
}

// isNullWord: the plain scalars both YAML versions read as null.
func isNullWord(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// yaml11Bools are the plain scalars YAML 1.1 reads as booleans besides
// true/false (which yaml.v3 tags !!bool itself).
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true,
}

// plainStringIn11 reports whether a plain scalar that yaml.v3 reads as a
// string is a string for go-yaml v2 too. Only YAML 1.1 booleans and "<<"
// differ among scalars that start with a letter; one that starts with a
// digit, a sign or a dot and could be a YAML 1.1 number, timestamp or
// special float is resolved by go-yaml v2 itself. "500m" and "128Mi" are
// strings at a glance.
func plainStringIn11(s string) bool {
	if s == "" || s == "<<" || yaml11Bools[s] {
		return false
	}
	c := s[0]
	if !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
		return true
	}
	if strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune(numericish, r) }) >= 0 {
		return true
	}
	var v any
	err := yaml2.Unmarshal([]byte(s), &v)
	str, isStr := v.(string)
	return err == nil && isStr && str == s
}

// numericish are the characters of YAML 1.1 numbers, timestamps and
// special floats: digits, signs, dots, colons, underscores, spaces, and the
// letters of prefixes, exponents, hex digits, time zones, nan and inf.
const numericish = "0123456789+-.:_ \t" + "abcdefABCDEF" + "xXoO" + "tTzZ" + "nNiI"

// exactScalar decodes one plain scalar the way Argo CD's decoder does
// (go-yaml v2, then JSON into Unstructured's number types). A plain scalar
// means the same alone as inside a document: resolution looks only at its
// text.
func exactScalar(s string) (any, bool) {
	j, err := sigsyaml.YAMLToJSON([]byte(s))
	if err != nil {
		return nil, false
	}
	var v any
	if err := utiljson.Unmarshal(j, &v); err != nil {
		return nil, false
	}
	switch v.(type) {
	case string, int64, float64, bool, nil:
		return v, true
	}
	return nil, false
}

// plainDecimal parses -?(0|[1-9][0-9]*) of at most 18 digits, integers that
// mean the same in YAML 1.1 and 1.2 and always fit an int64. Signs,
// underscores, leading zeros (octal) and prefixes take the exact path.
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
