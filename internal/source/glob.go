package source

import (
	"errors"
	"strings"
	"sync"

	"github.com/gobwas/glob"
)

// matcher is a directory include/exclude pattern compiled the way Argo CD's
// util/glob.Match does: gobwas/glob with NO separators, so `*` also matches
// `/`, `{a,b}` alternatives work, and `**/*.yaml` needs at least one `/`.
// A pattern that fails to compile matches nothing (Argo CD logs a warning).
type matcher struct {
	g glob.Glob
}

// gobwas/glob matches by backtracking, in time exponential in the number
// of '*' (20 take 0.7 s per file name, 30 minutes; 8 at most 30 ms on a
// 4000-character name), and compiles in time growing steeply with the
// length (256 '?' take 0.1 s, 4000 a minute). Argo CD lives with that;
// gitshift refuses to evaluate such a pattern (the source is not checked)
// rather than hang. Real patterns are far below both limits.
const (
	maxPatternLen   = 256
	maxPatternStars = 8
)

// errPatternTooComplex is returned for a pattern over those limits.
var errPatternTooComplex = errors.New("pattern too complex to evaluate safely")

func compileMatcher(pattern string) (m matcher, err error) {
	if len(pattern) > maxPatternLen || strings.Count(pattern, "*") > maxPatternStars {
		return matcher{}, errPatternTooComplex
	}
	// gobwas/glob can panic on odd patterns; treat that as a compile error.
	defer func() {
		if r := recover(); r != nil {
			m, err = matcher{}, errGlobPanic
		}
	}()
	g, err := glob.Compile(pattern)
	if err != nil {
		return matcher{}, err
	}
	return matcher{g: g}, nil
}

type globPanic struct{}

func (globPanic) Error() string { return "glob compiler panicked" }

var errGlobPanic error = globPanic{}

func (m matcher) match(text string) (ok bool) {
	if m.g == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return m.g.Match(text)
}

// MatchGlob reports whether text (a path relative to the app path,
// slash-separated) matches an Application's directory include/exclude
// pattern with Argo CD's semantics.
func MatchGlob(pattern, text string) bool {
	c, ok := globCache.Load(pattern)
	if !ok {
		m, _ := compileMatcher(pattern) // a bad pattern matches nothing
		c, _ = globCache.LoadOrStore(pattern, m)
	}
	return c.(matcher).match(text)
}

// globCache keeps compiled patterns: check matches one against every file
// of the repository. Patterns come from Applications, so they are few.
var globCache sync.Map // pattern -> matcher
