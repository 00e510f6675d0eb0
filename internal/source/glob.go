package source

import (
	"github.com/gobwas/glob"
)

// matcher is a directory include/exclude pattern compiled the way Argo CD's
// util/glob.Match does: gobwas/glob with NO separators, so `*` also matches
// `/`, `{a,b}` alternatives work, and `**/*.yaml` needs at least one `/`.
// A pattern that fails to compile matches nothing (Argo CD logs a warning).
type matcher struct {
	g glob.Glob
}

func compileMatcher(pattern string) (m matcher, err error) {
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
	m, err := compileMatcher(pattern)
	if err != nil {
		return false
	}
	return m.match(text)
}
