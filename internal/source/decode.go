package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/yamlerr"
)

// rawDoc is one decoded manifest document before items flattening.
type rawDoc struct {
	obj  map[string]any
	doc  int // 0-based document index in the file, as yaml.v3 counts them
	line int // 1-based line of the document's first line of content
}

// docError is a decode failure inside one document.
type docError struct {
	doc, line int
	err       error
}

func (e *docError) Error() string { return e.err.Error() }
func (e *docError) Unwrap() error { return e.err }

// jsonSniffLen is how far apimachinery's YAMLOrJSONDecoder looks for a
// leading `{` (Argo CD passes 4096).
const jsonSniffLen = 4096

// splitYAML decodes a manifest stream exactly as Argo CD 2.14 does, with
// k8s.io/apimachinery's YAMLOrJSONDecoder (v0.31) into Unstructured objects
// (reposerver splitYAMLOrJSON, gitops-engine kube.SplitYAML for Helm and
// Kustomize output):
//   - a stream whose first non-space byte is `{` is a stream of JSON
//     values ({..}{..}), not YAML;
//   - otherwise documents are split on lines starting with `---` (only
//     spaces or a comment may follow it, anything else is an error) and
//     each is decoded by sigs.k8s.io/yaml, i.e. go-yaml v2: YAML 1.1
//     scalars (yes/no/on/off/y/n are booleans, also as keys), dates stay
//     strings, a duplicate key keeps its last value, and only the first
//     document of a chunk counts (a bare document after `...` is dropped);
//   - empty and null documents are skipped, every other one must be a
//     mapping with a kind.
//
// It returns the documents decoded before the first failure together with
// that failure, as Argo CD does. A UTF-8 or UTF-16 byte order mark is
// honoured as by utfutil.OpenFile(name, utfutil.UTF8).
func splitYAML(data []byte) ([]rawDoc, error) {
	data = decodeBOM(data)
	if hasJSONPrefix(data) {
		return splitJSONStream(data)
	}
	chunks := yamlChunks(data)
	if docs, ok := quickFile(chunks); ok {
		return docs, nil
	}
	if docs, ok := fastFile(data, chunks); ok {
		return docs, nil
	}
	return splitChunks(chunks)
}

// splitChunks decodes apimachinery's chunks one by one.
func splitChunks(chunks []yamlChunk) ([]rawDoc, error) {
	var docs []rawDoc
	for _, c := range chunks {
		if c.sepErr != "" {
			return docs, &docError{doc: c.doc, line: c.start, err: fmt.Errorf("invalid Yaml document separator: %s", c.sepErr)}
		}
		if obj, ok := fastDecode(c.text); ok {
			if obj != nil {
				docs = append(docs, rawDoc{obj: obj, doc: c.doc, line: c.firstLine})
			}
			continue
		}
		u := &unstructured.Unstructured{}
		if err := sigsyaml.Unmarshal(c.text, &u); err != nil {
			line := c.firstLine
			if n := yamlErrLine(err); n > 0 {
				line = c.start + n - 1
			}
			return docs, &docError{doc: c.doc, line: line, err: err}
		}
		if u == nil {
			continue
		}
		docs = append(docs, rawDoc{obj: u.Object, doc: c.doc, line: c.firstLine})
	}
	return docs, nil
}

// yamlChunk is one document as apimachinery's YAMLReader returns it.
type yamlChunk struct {
	text      []byte
	start     int    // line of text's first line
	firstLine int    // line of the first line that is not blank, a comment or `---`
	doc       int    // the document index yaml.v3 gives the same content
	sepErr    string // text after a `---` that makes the separator invalid
}

// yamlChunks splits data like apimachinery's YAMLReader (v0.31): lines
// are read with their end ("\n" or "\r\n", or none at the end of data)
// replaced by "\n"; a line starting with "---" ends the current chunk if
// it has any text, and is otherwise kept as the chunk's first line. An invalid separator ends the
// list with a chunk holding the error, and drops the text before it that
// had not been returned yet.
func yamlChunks(data []byte) []yamlChunk {
	var (
		out     []yamlChunk
		buf     []byte
		cur     yamlChunk
		lineNo  int
		seps    int  // `---` lines seen so far
		content bool // a content line was seen before the first `---`
		// Without a carriage return a chunk's text is a slice of data
		// (each line keeps its "\n"): no copy, except to end the last
		// line of the file with a "\n".
		direct     = bytes.IndexByte(data, '\r') < 0
		src        = data
		pos        int  // offset of the current line in src
		start, end int  // the chunk's span in src, when direct
		have       bool // the chunk has text
	)
	flush := func() {
		if have {
			if direct {
				cur.text = src[start:end:end]
				if end == len(src) && src[end-1] != '\n' {
					cur.text = append(cur.text, '\n') // copies: capacity is full
				}
			} else {
				cur.text = buf
			}
			out = append(out, cur)
		}
		buf, cur, have = nil, yamlChunk{}, false
	}
	for len(data) > 0 {
		var line []byte
		lineStart := pos
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			// bufio's ReadLine drops "\r\n" or "\n", but keeps a "\r" that
			// ends the file.
			line, data = bytes.TrimSuffix(data[:i], []byte("\r")), data[i+1:]
			pos += i + 1
		} else {
			line, data = data, nil
			pos = len(src)
		}
		lineNo++
		if bytes.HasPrefix(line, []byte("---")) {
			if rest := strings.TrimSpace(string(line[3:])); rest != "" && rest[0] != '#' {
				// YAMLReader fails at once: the document it was reading
				// is lost with the rest of the stream.
				return append(out, yamlChunk{start: lineNo, firstLine: lineNo, doc: docIndex(seps, content), sepErr: rest})
			}
			seps++
			if have {
				flush()
				continue
			}
		}
		if !have {
			cur.start, start = lineNo, lineStart
		}
		if cur.firstLine == 0 && isContentLine(line) {
			cur.firstLine = lineNo
			cur.doc = docIndex(seps, content)
			if seps == 0 {
				content = true
			}
		}
		if direct {
			end = pos
		} else {
			buf = append(append(buf, line...), '\n')
		}
		have = true
	}
	flush()
	for i := range out {
		if out[i].firstLine == 0 {
			out[i].firstLine = out[i].start
		}
	}
	return out
}

// docIndex is the yaml.v3 document index of content that follows seps
// `---` lines: a `---` before any content opens the first document
// instead of a second one.
func docIndex(seps int, contentBeforeFirstSep bool) int {
	if seps > 0 && !contentBeforeFirstSep {
		return seps - 1
	}
	return seps
}

func isContentLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 0 && t[0] != '#' && !bytes.HasPrefix(line, []byte("---")) && t[0] != '%'
}

// hasJSONPrefix reports whether the first non-space byte in the decoder's
// sniff window is `{` (apimachinery GuessJSONStream).
func hasJSONPrefix(data []byte) bool {
	if len(data) > jsonSniffLen {
		data = data[:jsonSniffLen]
	}
	return bytes.HasPrefix(bytes.TrimLeftFunc(data, unicode.IsSpace), []byte("{"))
}

// splitJSONStream decodes consecutive JSON values into Unstructured
// objects, as YAMLOrJSONDecoder does once it has sniffed JSON.
func splitJSONStream(data []byte) ([]rawDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []rawDoc
	for i := 0; ; i++ {
		line := lineAt(data, skipSpace(data, int(dec.InputOffset())))
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line = lineAt(data, int(se.Offset))
				err = fmt.Errorf("json: offset %d: %w", se.Offset, err)
			}
			return docs, &docError{doc: i, line: line, err: err}
		}
		if u == nil {
			continue
		}
		docs = append(docs, rawDoc{obj: u.Object, doc: i, line: line})
	}
}

func skipSpace(data []byte, off int) int {
	for off < len(data) && unicode.IsSpace(rune(data[off])) {
		off++
	}
	return off
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// decodeBOM reads data as utfutil.OpenFile(name, utfutil.UTF8) does, through
// which Argo CD reads every directory manifest: a UTF-8 byte order mark is
// dropped, UTF-16 with a byte order mark is transcoded to UTF-8 and
// invalid UTF-8 becomes U+FFFD. Other data is returned unchanged.
func decodeBOM(data []byte) []byte {
	bom := bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) ||
		bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE})
	if !bom && utf8.Valid(data) {
		return data
	}
	out, _, err := transform.Bytes(xunicode.BOMOverride(xunicode.UTF8.NewDecoder()), data)
	if err != nil {
		return data
	}
	return out
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

// yamlErrLine is the 1-based line of go-yaml's problem (0: none named).
func yamlErrLine(err error) int {
	n, _, _ := yamlerr.Line(err.Error())
	return n
}
