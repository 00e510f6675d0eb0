package check

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/source"
)

// locator finds the line of a field inside a manifest, so diagnostics point
// at the offending key rather than the start of the document. Files are
// parsed lazily, once, and only when a diagnostic needs them.
type locator struct {
	root  string
	files map[string][]*yaml.Node // repo-relative file -> document roots
	// plain lists the files that hold plain YAML/JSON (not Helm templates,
	// whose text is not the rendered object).
	plain map[string]bool
}

func newLocator(root string) *locator {
	return &locator{root: root, files: map[string][]*yaml.Node{}, plain: map[string]bool{}}
}

// line returns the line of path (e.g. "spec.http[0].route[1].weight")
// inside the object at prov. When the field is missing it returns the line
// of its deepest existing parent; when the file cannot be read, prov.Line.
func (l *locator) line(prov source.Provenance, path string) int {
	if prov.File == "" || !l.plain[prov.File] {
		return prov.Line
	}
	node := l.object(prov)
	if node == nil {
		return prov.Line
	}
	if n := walkPath(node, path); n != nil {
		return n.Line
	}
	return prov.Line
}

// object returns the mapping node of the object at prov.
func (l *locator) object(prov source.Provenance) *yaml.Node {
	docs := l.docs(prov.File)
	var doc *yaml.Node
	for _, d := range docs {
		if d != nil && d.Line == prov.Line {
			doc = d
			break
		}
	}
	if doc == nil && prov.Doc >= 0 && prov.Doc < len(docs) && prov.Line == 0 {
		doc = docs[prov.Doc]
	}
	if doc == nil {
		return nil
	}
	if prov.Item >= 0 {
		items := child(doc, "items")
		if items == nil || items.Kind != yaml.SequenceNode || prov.Item >= len(items.Content) {
			return nil
		}
		return items.Content[prov.Item]
	}
	return doc
}

// docs parses file into its documents' root nodes (nil for empty documents).
func (l *locator) docs(file string) []*yaml.Node {
	if docs, ok := l.files[file]; ok {
		return docs
	}
	var docs []*yaml.Node
	p := file
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.root, filepath.FromSlash(file))
	}
	data, err := source.ReadFile(p, source.DefaultMaxCombinedManifestSize)
	if err == nil {
		docs = parseDocs(data)
	}
	l.files[file] = docs
	return docs
}

// parseDocs decodes every document it can; it stops at the first syntax error.
func parseDocs(data []byte) []*yaml.Node {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) || err != nil {
			return docs
		}
		if len(n.Content) == 0 {
			docs = append(docs, nil)
			continue
		}
		docs = append(docs, n.Content[0])
	}
}

// walkPath follows a dotted path with [i] indexes and returns the deepest
// node it reaches: the key node for a mapping entry, the element for an index.
func walkPath(n *yaml.Node, path string) *yaml.Node {
	if path == "" {
		return n
	}
	cur, last := n, n
	for _, seg := range splitPath(path) {
		name, idx := splitIndexes(seg)
		if name != "" {
			key, val := entry(cur, name)
			if key == nil {
				return last
			}
			last, cur = key, val
		}
		for _, i := range idx {
			if cur == nil || cur.Kind != yaml.SequenceNode || i >= len(cur.Content) {
				return last
			}
			cur = cur.Content[i]
			last = cur
		}
	}
	return last
}

// splitIndexes splits "route[1][2]" into "route" and [1 2].
func splitIndexes(seg string) (string, []int) {
	name, rest, found := strings.Cut(seg, "[")
	if !found {
		return seg, nil
	}
	var idx []int
	for _, part := range strings.Split(rest, "[") {
		i, err := strconv.Atoi(strings.TrimSuffix(part, "]"))
		if err != nil {
			break
		}
		idx = append(idx, i)
	}
	return name, idx
}

// entry returns the key and value nodes of a mapping entry.
func entry(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil {
		return nil, nil
	}
	if m.Kind == yaml.AliasNode {
		m = m.Alias
	}
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func child(m *yaml.Node, key string) *yaml.Node {
	_, v := entry(m, key)
	return v
}

// splitPath splits a field path on dots; a segment in double quotes is
// literal, for keys that hold dots (metadata.labels."istio.io/rev").
func splitPath(p string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '.' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}
