package source

// lineFinder locates an object's document in a source file for best-effort
// provenance of rendered (Kustomize) objects. Files are parsed once.
type lineFinder struct {
	root  string
	limit int64
	cache map[string][]rawDoc
}

func newLineFinder(root string, limit int64) *lineFinder {
	return &lineFinder{root: root, limit: limit, cache: map[string][]rawDoc{}}
}

// find returns doc index and line of the first document in file with the
// given kind whose name is contained in name (prefix/suffix tolerant).
func (l *lineFinder) find(file, kind, name string) (int, int) {
	docs, ok := l.cache[file]
	if !ok {
		if data, err := ReadFile(file, l.limit); err == nil {
			docs, _ = splitYAML(data)
		}
		l.cache[file] = docs
	}
	best := -1
	for i, d := range docs {
		if k, _ := d.obj["kind"].(string); k != kind {
			continue
		}
		md, _ := d.obj["metadata"].(map[string]any)
		n, _ := md["name"].(string)
		if n == name {
			return d.doc, d.line
		}
		if best < 0 && n != "" && contains(name, n) {
			best = i
		}
	}
	if best >= 0 {
		return docs[best].doc, docs[best].line
	}
	return 0, 0
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
