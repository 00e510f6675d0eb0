// Package yamlerr reads the line out of go-yaml's error messages (v2, as
// sigs.k8s.io/yaml and Argo CD use it, and v3) so that errors point at the
// line a person has to fix.
//
// Both versions number a *scanner* problem's line from 1 but a *parser*
// problem's ("did not find expected key", "did not find expected ',' or
// ']'", ...) from 0: the text "line 3" then means the fourth line, where the
// parser gave up. Line corrects the latter.
package yamlerr

import (
	"regexp"
	"strconv"
	"strings"
)

var lineRE = regexp.MustCompile(`(?:^|\s)line (\d+): ([^\n]*)`)

// parserProblems are the messages go-yaml's parser (not its scanner)
// produces; only these are numbered from 0.
var parserProblems = []string{
	"did not find expected ",
	"found duplicate %",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// Line returns the 1-based line of the problem a go-yaml message
// ("yaml: line N: msg", possibly wrapped) describes, and the message after
// the line. ok is false when the text names no line.
func Line(text string) (line int, msg string, ok bool) {
	m := lineRE.FindStringSubmatch(text)
	if m == nil {
		return 0, text, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, text, false
	}
	msg = m[2]
	for _, p := range parserProblems {
		if strings.HasPrefix(msg, p) {
			n++
			break
		}
	}
	return n, msg, true
}
