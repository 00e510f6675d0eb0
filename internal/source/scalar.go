package source

// PlainScalar returns what Argo CD's decoder (sigs.k8s.io/yaml: YAML 1.1,
// then JSON into Unstructured's types) makes of one plain, untagged YAML
// scalar: a string, int64, float64, bool or nil. ok is false when it does
// not decode to a scalar. Editors use it to read a value exactly as it will
// be rendered (0x5A is 90, 1:30 a string, yes a boolean).
func PlainScalar(text string) (v any, ok bool) { return exactScalar(text) }
