package edit

import (
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// renderedScalar is what Argo CD's decoder (YAML 1.1, see
// source.PlainScalar) makes of a scalar node: the editor must read a
// weight as the cluster will, not as yaml.v3 (YAML 1.2) does. ok is false
// for a tag it does not resolve.
func renderedScalar(n *yaml.Node) (v any, ok bool) {
	tagged := n.Style&yaml.TaggedStyle != 0
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	switch {
	case tagged && n.Tag == "!!str", !tagged && quoted:
		return n.Value, true
	case tagged && (n.Tag == "!!int" || n.Tag == "!!float"):
		// An explicit numeric tag makes even a quoted text a number.
		return source.PlainScalar(n.Value)
	case tagged:
		return nil, false
	}
	return source.PlainScalar(n.Value)
}

// readWeight returns the integer weight n holds, or an error naming the
// destination key and the line: a string (quoted, !!str, 1:30) is a value
// Istio's CRD refuses, which a shift must not rewrite into another string.
func (f *File) readWeight(n *yaml.Node, key string) (int, error) {
	v, ok := renderedScalar(n)
	switch x := v.(type) {
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return int(x), nil
		}
	case float64:
		// 90.0 and 9e1 reach the API server as 90, which it accepts.
		if x == math.Trunc(x) && x >= math.MinInt32 && x <= math.MaxInt32 {
			return int(x), nil
		}
		return 0, f.errorf(n, "weight of %s is %s, not an integer", key, n.Value)
	case string:
		if ok {
			hint := mesh.FieldError{Field: "weight", Value: x, Want: "integer"}.Hint()
			return 0, f.errorf(n, "weight of %s is the string %q: %s", key, x, hint)
		}
	case bool:
		return 0, f.errorf(n, "weight of %s is %s (the boolean %v), not an integer", key, n.Value, x)
	}
	return 0, f.errorf(n, "weight of %s is %q, not an integer", key, n.Value)
}
