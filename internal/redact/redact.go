// Package redact removes credentials from URLs before gitshift prints them:
// the userinfo of a URL (all of it for http-like schemes, where a token is
// often the user name; the password only for ssh), the password of an
// scp-like "user:password@host:path", and the values of query or fragment
// parameters that carry credentials (token=, sig=, X-Amz-Signature=, ...).
//
// It locates these parts structurally, the way URL parsers split a URL
// (scheme, "//", userinfo up to the last '@' before the path, host, path,
// query, fragment), but without rejecting characters a strict parser
// refuses: a quote or an unencoded '@' in a password must still be hidden.
// When the structure is ambiguous it hides more, never less.
//
// Every command prints URLs through URL or Text; nothing else in gitshift
// redacts.
package redact

import (
	"io"
	"slices"
	"strings"
)

// Mask replaces every hidden credential.
const Mask = "***"

// URL returns raw with its credentials replaced by Mask. raw is one URL (or
// scp-like address, or local path); anything that is not a URL comes back
// unchanged.
func URL(raw string) string { return redactToken(raw) }

// Text returns s with the credentials of every URL in it replaced by Mask
// (git's stderr, error messages, log lines). A URL ends at white space.
func Text(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(s, "?") && !strings.Contains(s, "#") {
		return s // fast path: no userinfo, no parameters
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexFunc(s, isSpace)
		if i < 0 {
			b.WriteString(redactToken(s))
			break
		}
		b.WriteString(redactToken(s[:i]))
		j := i
		for j < len(s) && isSpace(rune(s[j])) {
			j++
		}
		b.WriteString(s[i:j])
		s = s[j:]
	}
	return b.String()
}

// Strip returns raw without its credentials (the userinfo or password,
// credential parameters), for keeping a URL where it would persist, and
// reports whether it removed anything.
func Strip(raw string) (string, bool) {
	loc, ok := locate(raw)
	if !ok {
		return raw, false
	}
	var cut []span
	switch {
	case !loc.hasUser || loc.hide.end == loc.hide.start:
	case loc.hide == loc.user:
		cut = append(cut, span{loc.user.start, loc.user.end + 1}) // the userinfo and its '@'
	default:
		cut = append(cut, span{loc.hide.start - 1, loc.hide.end}) // ":password"
	}
	cut = append(cut, loc.params...)
	if len(cut) == 0 {
		return raw, false
	}
	var b strings.Builder
	last := 0
	for _, c := range cut {
		b.WriteString(raw[last:c.start])
		last = c.end
	}
	b.WriteString(raw[last:])
	return b.String(), true
}

// Secrets returns the credential strings in raw as they appear there and
// percent-decoded, for scrubbing text that may echo them in another form.
// A user name that comes with a password is no secret and is left out.
func Secrets(raw string) []string {
	loc, ok := locate(raw)
	if !ok {
		return nil
	}
	var out []string
	add := func(s string) {
		for _, v := range []string{s, percentDecode(s)} {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if loc.hasUser && loc.hide.end > loc.hide.start {
		info := raw[loc.hide.start:loc.hide.end]
		add(info)
		if _, pw, ok := strings.Cut(info, ":"); ok {
			add(pw)
		}
	}
	for _, v := range loc.values {
		add(raw[v.start:v.end])
	}
	return out
}

// Scrub replaces every occurrence of the secrets in s with Mask, longest
// first so that a secret containing another is hidden whole.
func Scrub(s string, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	for i := 1; i < len(sorted); i++ { // insertion sort by length, descending
		for j := i; j > 0 && len(sorted[j]) > len(sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for _, sec := range sorted {
		if len(sec) >= minSecret {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// minSecret keeps Scrub from replacing one-letter "secrets" (a password
// "x") all over a message; such a value is hidden where it sits in a URL.
const minSecret = 3

func redactToken(tok string) string {
	if !strings.ContainsAny(tok, "@?#") {
		return tok
	}
	var b strings.Builder
	for {
		k := schemeStart(tok)
		if k < 0 {
			if b.Len() == 0 {
				return redactOne(tok) // scp-like, or nothing to do
			}
			b.WriteString(tok)
			return b.String()
		}
		b.WriteString(tok[:k])
		u := tok[k:]
		end := len(u)
		if loc, ok := locate(u); ok {
			if next := schemeStart(u[loc.host:]); next >= 0 {
				end = loc.host + next
			}
		}
		// 'URL', "URL", (URL), <URL>: the closing mark is not the URL's.
		if k > 0 && end == len(u) && end > 0 && u[end-1] == closer(tok[k-1]) {
			end--
		}
		b.WriteString(redactOne(u[:end]))
		tok = u[end:]
	}
}

// redactOne masks the credentials of the URL that is all of u.
func redactOne(u string) string {
	loc, ok := locate(u)
	if !ok {
		return u
	}
	var hide []span
	if loc.hasUser && loc.hide.end > loc.hide.start {
		hide = append(hide, loc.hide)
	}
	hide = append(hide, loc.values...)
	if len(hide) == 0 {
		return u
	}
	var b strings.Builder
	last := 0
	for _, h := range hide {
		b.WriteString(u[last:h.start])
		b.WriteString(Mask)
		last = h.end
	}
	b.WriteString(u[last:])
	return b.String()
}

func closer(open byte) byte {
	switch open {
	case '\'', '"', '`':
		return open
	case '(':
		return ')'
	case '<':
		return '>'
	case '[':
		return ']'
	}
	return 0
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// Error wraps err so that its message has the credentials of every URL in
// it redacted (an HTTP client's *url.Error, git's stderr); errors.Is and
// errors.As still see err.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err}
}

type redactedError struct{ err error }

func (e *redactedError) Error() string { return Text(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// Writer redacts each Write to w as a whole: meant for writers that get
// one complete record per call, like a log/slog handler. It reports len(p)
// written when w took all of the redacted text.
func Writer(w io.Writer) io.Writer { return writer{w} }

type writer struct{ w io.Writer }

func (r writer) Write(p []byte) (int, error) {
	red := Text(string(p))
	if _, err := io.WriteString(r.w, red); err != nil {
		return 0, err
	}
	return len(p), nil
}
