package policy

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// lineIndex maps a field path (spec.steps[1].weight) to its line in the file.
type lineIndex map[string]int

// find returns the line of path or of its nearest ancestor present in the
// file (a defaulted field has no line of its own; its parent does).
func (l lineIndex) find(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if n, ok := l[p]; ok {
			return n
		}
	}
	return 0
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// indexNode records the line of every key and sequence item under n and
// reports keys that t (a struct type with yaml tags) does not know, so a typo
// such as `minDuraton` is an error at its line, not a silent default.
func indexNode(n *yaml.Node, t reflect.Type, path string, idx lineIndex, c *errs) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.MappingNode:
		if t.Kind() == reflect.Map {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := join(path, k.Value)
				idx[p] = k.Line
				indexNode(v, t.Elem(), p, idx, c)
			}
			return
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeOf(Duration{}) {
			return // type mismatches are reported by the decoder
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			idx[p] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				c.list = append(c.list, &FieldError{File: c.file, Line: k.Line, Field: p, Msg: fmt.Sprintf("unknown field %q", k.Value)})
				continue
			}
			indexNode(v, ft, p, idx, c)
		}
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			idx[p] = item.Line
			indexNode(item, t.Elem(), p, idx, c)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps yaml key → field type for a struct's exported, tagged fields.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

// Line returns the line of a field path (e.g. "spec.steps[1]") in the file
// the policy was read from, or of its nearest ancestor there; 0 when the
// policy did not come from a file. check places its findings with it.
func (p *CanaryPolicy) Line(path string) int { return p.lines.find(path) }
