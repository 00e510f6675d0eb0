package source

// quickDecode is the fast path in front of fastDecode: Kubernetes
// manifests are nearly always block YAML of one narrow shape (plain keys,
// plain, quoted or one-line flow values, printable ASCII, spaces for
// indentation), and for that shape a line-oriented parser builds the
// object directly, without yaml.v3's scanner, events and node tree, which
// cost most of a check's CPU and garbage. It vouches for a chunk only
// when every construct in it is one it knows the meaning of in YAML 1.1
// (go-yaml v2, what Argo CD decodes with); anything else (anchors, tags,
// block scalars, multi-line scalars or flow collections, tabs, escapes,
// non-ASCII text, duplicate keys, odd indentation) reports ok == false and
// the caller takes fastDecode or the exact path. Scalars resolve like
// fastScalar (plainValue); FuzzSplitYAMLMatchesAPIMachinery and
// FuzzQuickMatchesExact compare the result with apimachinery's decoder.

import "bytes"

// quickFile decodes every chunk with quickDecode, or reports false.
func quickFile(chunks []yamlChunk) ([]rawDoc, bool) {
	docs := make([]rawDoc, 0, len(chunks))
	for _, c := range chunks {
		if c.sepErr != "" {
			return nil, false
		}
		obj, ok := quickDecode(c.text)
		if !ok {
			return nil, false
		}
		if obj != nil {
			docs = append(docs, rawDoc{obj: obj, doc: c.doc, line: c.firstLine})
		}
	}
	if len(docs) == 0 {
		docs = nil // as splitChunks returns no documents
	}
	return docs, true
}

// quickDecode returns the chunk's document as Argo CD decodes it: (nil,
// true) when it holds only blank and comment lines, (obj, true) for a
// mapping with a string kind, ok == false when it cannot vouch.
func quickDecode(chunk []byte) (map[string]any, bool) {
	// "---" opens a document only before a space or the line's end;
	// "---#" is a plain scalar.
	if bytes.HasPrefix(chunk, []byte("---")) && (len(chunk) < 4 || chunk[3] != ' ' && chunk[3] != '\n') {
		return nil, false
	}
	body, ok := fastBody(chunk)
	if !ok || !quickBytes(body) || (len(body) > 0 && body[len(body)-1] != '\n') {
		return nil, false
	}
	p := quickParser{data: body}
	p.next()
	if p.eof {
		return nil, true
	}
	if p.seqItem() {
		return nil, false
	}
	obj, ok := p.mapping(p.ind)
	if !ok || !p.eof {
		return nil, false
	}
	// Unstructured's own errors (no kind, a kind or apiVersion that is not
	// a string) are the exact path's to produce.
	if k, _ := obj["kind"].(string); k == "" {
		return nil, false
	}
	if av, has := obj["apiVersion"]; has {
		if _, isStr := av.(string); !isStr {
			return nil, false
		}
	}
	return obj, true
}

// quickBytes: printable ASCII and newlines only (no tab, carriage return
// or other control character, and no text whose meaning depends on
// Unicode line breaks or byte order marks).
func quickBytes(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// quickParser walks the content lines of a chunk body. Every line ends
// with "\n" (yamlChunks guarantees it).
type quickParser struct {
	data []byte
	pos  int  // start of the line after the current one
	eof  bool // no content line left
	ind  int  // column of the current content
	c    int  // offset of the current content (mid-line for a sequence item's)
	e    int  // offset of the current line's "\n"
}

// next moves to the next line that is not blank or a comment.
func (p *quickParser) next() {
	for p.pos < len(p.data) {
		start := p.pos
		e := start + bytes.IndexByte(p.data[start:], '\n')
		if e < start {
			e = len(p.data)
		}
		p.pos = e + 1
		c := start
		for c < e && p.data[c] == ' ' {
			c++
		}
		if c == e || p.data[c] == '#' {
			continue
		}
		p.ind, p.c, p.e = c-start, c, e
		return
	}
	p.eof = true
}

// seqItem: the current content is a block sequence entry ("- " or "-").
func (p *quickParser) seqItem() bool {
	return p.data[p.c] == '-' && (p.data[p.c+1] == ' ' || p.data[p.c+1] == '\n')
}

// block parses the node whose first line is the current one, at column ind.
func (p *quickParser) block(ind int) (any, bool) {
	if p.seqItem() {
		return p.seq(ind)
	}
	if _, ok := p.keyAt(p.c); !ok {
		return nil, false // a scalar on a line of its own: multi-line or odd
	}
	return p.mapping(ind)
}

// mapping parses a block mapping whose keys are at column ind.
func (p *quickParser) mapping(ind int) (map[string]any, bool) {
	out := make(map[string]any, 4)
	for !p.eof && p.ind == ind {
		if p.seqItem() {
			return nil, false
		}
		end, ok := p.keyAt(p.c)
		if !ok {
			return nil, false
		}
		key, ok := p.key(p.c, end)
		if !ok {
			return nil, false
		}
		if _, dup := out[key]; dup {
			return nil, false // go-yaml v2 keeps the last one; leave it to it
		}
		v, ok := p.value(ind, end+1, true)
		if !ok {
			return nil, false
		}
		out[key] = v
	}
	if !p.eof && p.ind > ind {
		return nil, false
	}
	return out, true
}

// seq parses a block sequence whose entries are at column ind.
func (p *quickParser) seq(ind int) ([]any, bool) {
	out := make([]any, 0, 2)
	for !p.eof && p.ind == ind && p.seqItem() {
		at := p.c + 1
		for p.data[at] == ' ' {
			at++
		}
		var v any
		var ok bool
		switch {
		case p.data[at] == '-' && (p.data[at+1] == ' ' || p.data[at+1] == '\n'):
			return nil, false // "- - x"
		case p.data[at] == '#' && at > p.c+1 || p.data[at] == '\n':
			v, ok = p.value(ind, at, false)
		default:
			if _, isKey := p.keyAt(at); isKey {
				// A mapping that starts on the entry's line: its keys are
				// at the column of the first.
				p.ind, p.c = p.ind+at-p.c, at
				v, ok = p.mapping(p.ind)
			} else {
				v, ok = p.value(ind, at, false)
			}
		}
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	if !p.eof && p.ind > ind {
		return nil, false
	}
	return out, true
}

// value parses what follows a key's ':' (at: the offset after it) or a
// sequence entry's "- ", for the node at column ind, and moves past it.
// seqSameIndent: a block sequence may start at ind (a mapping's value).
func (p *quickParser) value(ind, at int, seqSameIndent bool) (any, bool) {
	for p.data[at] == ' ' {
		at++
	}
	if p.data[at] == '\n' || p.data[at] == '#' {
		p.next()
		switch {
		case p.eof || p.ind < ind:
			return nil, true
		case p.ind > ind:
			return p.block(p.ind)
		case seqSameIndent && p.seqItem():
			return p.seq(ind)
		}
		return nil, true
	}
	v, end, ok := p.inline(at)
	if !ok || !p.lineRest(end) {
		return nil, false
	}
	p.next()
	if !p.eof && p.ind > ind {
		return nil, false // a continuation line, or an error
	}
	return v, true
}

// lineRest: only spaces, then maybe a comment (after a space), from i to
// the end of the line.
func (p *quickParser) lineRest(i int) bool {
	for p.data[i] == ' ' {
		i++
	}
	return p.data[i] == '\n' || (p.data[i] == '#' && p.data[i-1] == ' ')
}

// keyAt reports whether a block mapping key starts at i: a key of
// keyChars (or a double-quoted one without escapes) followed by ':' and a
// space or the line's end. end is the offset of that ':'.
func (p *quickParser) keyAt(i int) (end int, ok bool) {
	d := p.data
	if d[i] == '"' {
		j := i + 1
		for d[j] != '"' {
			if d[j] == '\\' || d[j] == '\n' {
				return 0, false
			}
			j++
		}
		j++
		if d[j] == ':' && (d[j+1] == ' ' || d[j+1] == '\n') {
			return j, true
		}
		return 0, false
	}
	if !keyStart(d[i]) {
		return 0, false
	}
	j := i
	for keyChar(d[j]) {
		j++
	}
	if d[j] == ':' && (d[j+1] == ' ' || d[j+1] == '\n') && j-i <= 128 {
		return j, true
	}
	return 0, false
}

// key is the key text between i and the ':' at end, if both YAML versions
// read it as that string.
func (p *quickParser) key(i, end int) (string, bool) {
	if p.data[i] == '"' {
		return p.keyStr(i+1, end-1), true
	}
	s := p.keyStr(i, end)
	if v, ok := plainValue(s); !ok || v != any(s) {
		return "", false // null, a boolean or a number as a key
	}
	return s, true
}

// keyStr is data[i:j] as a string, shared for common manifest keys.
func (p *quickParser) keyStr(i, j int) string {
	if s, ok := commonKeys[string(p.data[i:j])]; ok {
		return s
	}
	return string(p.data[i:j])
}

// strValue is data[i:j] as a string value, one shared interface value
// for common manifest words.
func (p *quickParser) strValue(i, j int) any {
	if v, ok := commonValues[string(p.data[i:j])]; ok {
		return v
	}
	return string(p.data[i:j])
}

// plainAt resolves the plain scalar data[i:j].
func (p *quickParser) plainAt(i, j int) (any, bool) {
	if v, ok := commonValues[string(p.data[i:j])]; ok {
		return v, true // a plain string (TestCommonValuesArePlainStrings)
	}
	return plainValue(string(p.data[i:j]))
}

func keyStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '/'
}

func keyChar(c byte) bool { return keyStart(c) || c == '-' }

// inline parses a value that ends on this line: a one-line flow
// collection, a quoted scalar or a plain scalar. end is the offset after it.
func (p *quickParser) inline(i int) (v any, end int, ok bool) {
	d := p.data
	switch d[i] {
	case '{', '[':
		return p.flow(i)
	case '"', '\'':
		return p.quoted(i)
	}
	if !plainStart(d, i) {
		return nil, 0, false
	}
	// A plain scalar runs to the line's end or a comment; ": " or a final
	// ':' would make it a key.
	j := i
	for d[j] != '\n' && !(d[j] == '#' && d[j-1] == ' ') {
		if d[j] == ':' && (d[j+1] == ' ' || d[j+1] == '\n') {
			return nil, 0, false
		}
		j++
	}
	k := j
	for d[k-1] == ' ' {
		k--
	}
	v, ok = p.plainAt(i, k)
	return v, j, ok
}

// plainStart: a plain scalar may start at d[i] in both YAML versions
// (no indicator, "-" only before a non-space).
func plainStart(d []byte, i int) bool {
	c := d[i]
	switch c {
	case '-':
		return d[i+1] != ' ' && d[i+1] != '\n'
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return c > ' '
}

// quoted parses a one-line quoted scalar without escapes: always a string.
func (p *quickParser) quoted(i int) (any, int, bool) {
	d := p.data
	q := d[i]
	j := i + 1
	for d[j] != q {
		if d[j] == '\n' || (q == '"' && d[j] == '\\') {
			return nil, 0, false
		}
		j++
	}
	if q == '\'' && d[j+1] == '\'' {
		return nil, 0, false // '' is an escaped quote
	}
	return p.strValue(i+1, j), j + 1, true
}

// flow parses a flow mapping or sequence that closes on this line.
func (p *quickParser) flow(i int) (any, int, bool) {
	d := p.data
	closer := byte(']')
	var m map[string]any
	var s []any
	if d[i] == '{' {
		closer, m = '}', make(map[string]any, 4)
	} else {
		s = make([]any, 0, 2)
	}
	i = skipSpaces(d, i+1)
	if d[i] == closer {
		if m != nil {
			return m, i + 1, true
		}
		return s, i + 1, true
	}
	for {
		if m != nil {
			end, ok := p.flowKey(i)
			if !ok {
				return nil, 0, false
			}
			key, ok := p.key(i, end)
			if !ok {
				return nil, 0, false
			}
			if _, dup := m[key]; dup {
				return nil, 0, false
			}
			v, j, ok := p.flowValue(skipSpaces(d, end+1))
			if !ok {
				return nil, 0, false
			}
			m[key], i = v, j
		} else {
			v, j, ok := p.flowValue(i)
			if !ok {
				return nil, 0, false
			}
			s, i = append(s, v), j
		}
		i = skipSpaces(d, i)
		switch d[i] {
		case ',':
			i = skipSpaces(d, i+1)
			if d[i] == closer || d[i] == ',' {
				return nil, 0, false // a trailing or empty entry
			}
		case closer:
			if m != nil {
				return m, i + 1, true
			}
			return s, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// flowKey is keyAt inside a flow mapping: the ':' must be followed by a
// space.
func (p *quickParser) flowKey(i int) (int, bool) {
	end, ok := p.keyAt(i)
	if !ok || p.data[end+1] != ' ' {
		return 0, false
	}
	return end, true
}

// flowValue parses one value inside a flow collection.
func (p *quickParser) flowValue(i int) (any, int, bool) {
	d := p.data
	switch d[i] {
	case '{', '[':
		return p.flow(i)
	case '"', '\'':
		return p.quoted(i)
	}
	if !plainStart(d, i) {
		return nil, 0, false
	}
	j := i
	for {
		switch d[j] {
		case ',', ']', '}':
		case '\n', '?', '#', '[', '{':
			return nil, 0, false
		case ':':
			if c := d[j+1]; c == ' ' || c == ',' || c == ']' || c == '}' || c == '\n' {
				return nil, 0, false // a key, or a scalar ending in ':'
			}
			j++
			continue
		default:
			j++
			continue
		}
		break
	}
	k := j
	for d[k-1] == ' ' {
		k--
	}
	v, ok := p.plainAt(i, k)
	return v, j, ok
}

func skipSpaces(d []byte, i int) int {
	for d[i] == ' ' {
		i++
	}
	return i
}

// plainValue resolves a plain scalar as go-yaml v2 and then JSON do (what
// fastScalar does from yaml.v3's tags).
func plainValue(s string) (any, bool) {
	if isNullWord(s) {
		return nil, true
	}
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	if i, ok := plainDecimal(s); ok {
		return i, true
	}
	if plainStringIn11(s) {
		return s, true
	}
	return exactScalar(s)
}

// commonKeys and commonValues are words most manifests repeat: decoded
// once, shared by every object (less to allocate and for the collector
// to mark). Sharing is safe: strings are immutable, and an interface
// value is copied into each map.
var commonKeys = map[string]string{}

var commonValues = map[string]any{}

func init() {
	for _, k := range []string{
		"apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec", "status",
		"selector", "matchLabels", "matchExpressions", "template", "containers", "initContainers", "image",
		"imagePullPolicy", "ports", "port", "targetPort", "protocol", "containerPort", "replicas", "app",
		"version", "env", "value", "valueFrom", "resources", "requests", "limits", "cpu", "memory", "type",
		"data", "stringData", "items", "volumes", "volumeMounts", "mountPath", "args", "command",
		"serviceAccountName", "livenessProbe", "readinessProbe", "httpGet", "path", "strategy", "rules",
		"securityContext", "nodeSelector", "tolerations", "affinity", "key", "operator", "effect",
		"hosts", "http", "tcp", "tls", "route", "destination", "host", "subset", "subsets", "weight",
		"gateways", "match", "uri", "prefix", "exact", "regex", "headers", "timeout", "retries", "attempts",
		"mirror", "mirrorPercentage", "trafficPolicy", "loadBalancer", "simple", "servers", "number",
		"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
		"app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
		"helm.sh/chart", "istio-injection", "sidecar.istio.io/inject",
	} {
		commonKeys[k] = k
	}
	for _, v := range []string{
		"v1", "v2", "v3", "apps/v1", "batch/v1", "networking.k8s.io/v1", "networking.istio.io/v1",
		"networking.istio.io/v1beta1", "networking.istio.io/v1alpha3", "Service", "Deployment",
		"StatefulSet", "DaemonSet", "ConfigMap", "Secret", "Namespace", "ServiceAccount", "Job", "CronJob",
		"Pod", "Ingress", "VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "http", "https",
		"http2", "grpc", "tcp", "TCP", "UDP", "ClusterIP", "NodePort", "LoadBalancer", "IfNotPresent",
		"Always", "Never", "enabled", "disabled", "stable", "canary", "primary", "default", "app", "apps",
		"ROUND_ROBIN", "LEAST_REQUEST", "ISTIO_MUTUAL", "DISABLE", "SIMPLE", "MUTUAL", "Opaque",
		"RollingUpdate",
	} {
		commonValues[v] = v
	}
}
