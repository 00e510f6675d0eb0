package source

import (
	"bytes"
	"errors"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// fastFile decodes a whole file with one yaml.v3 decoder instead of one
// parser per chunk (a parser costs about 4 KiB of buffers: per document,
// that is a sixth of a repository's garbage). It vouches for the result
// only where it must equal the chunk-by-chunk decode: every chunk may take
// the fast path and has content; the file has no carriage return and no
// directive; and yaml.v3 finds exactly one document per chunk, each root
// on its chunk's first content line (trailing empty documents aside).
// Otherwise ok is false and the caller decodes chunk by chunk.
func fastFile(data []byte, chunks []yamlChunk) (docs []rawDoc, ok bool) {
	if len(chunks) < 2 || bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("%")) || bytes.Contains(data, []byte("\n%")) {
		return nil, false
	}
	bodies := make([][]byte, len(chunks))
	for i, c := range chunks {
		body, ok := fastBody(c.text)
		if !ok || c.sepErr != "" || !hasContentLine(body) {
			return nil, false
		}
		bodies[i] = body
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs = make([]rawDoc, 0, len(chunks))
	for i := 0; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			if len(docs) == 0 {
				docs = nil // as splitChunks returns no documents
			}
			return docs, i >= len(chunks)
		}
		if err != nil {
			return nil, false
		}
		if i >= len(chunks) {
			// Only an empty document may follow the last chunk (a
			// trailing `---`).
			if len(n.Content) != 1 || n.Content[0].Kind != yaml.ScalarNode || n.Content[0].Tag != "!!null" || n.Content[0].Value != "" {
				return nil, false
			}
			continue
		}
		c := chunks[i]
		if len(n.Content) != 1 || n.Content[0].Line != c.firstLine {
			return nil, false
		}
		obj, ok := fastDocument(&n, bodies[i])
		if !ok {
			return nil, false
		}
		if obj != nil {
			docs = append(docs, rawDoc{obj: obj, doc: c.doc, line: c.firstLine})
		}
	}
}

// hasContentLine reports a line that is not blank or a comment.
func hasContentLine(body []byte) bool {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if isContentLine(line) {
			return true
		}
	}
	return false
}
