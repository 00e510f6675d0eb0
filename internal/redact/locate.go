package redact

import "strings"

// span is the byte range [start, end) of a string.
type span struct{ start, end int }

// location is where the credentials of one URL are.
type location struct {
	hasUser bool
	user    span // the userinfo, without its '@'
	hide    span // the part of user to hide: all of it, or the password of ssh
	host    int  // where the host starts
	values  []span
	// params are the credential parameters with a separator, or a whole
	// query/fragment with its '?'/'#' when only credentials were in it.
	params []span
}

// locate finds the credentials of the URL (or scp-like address) that is all
// of u. ok is false when u is neither.
func locate(u string) (location, bool) {
	if k := strings.Index(u, "://"); k > 0 && isScheme(u[:k]) {
		return locateURL(u, strings.ToLower(u[:k]), k+3), true
	}
	if loc, ok := locateSCP(u); ok {
		return loc, true
	}
	// No scheme ("prometheus:9090/?token=..."): parameters still count.
	var loc location
	loc.values, loc.params = credentialParams(u, 0)
	return loc, len(loc.params) > 0
}

func locateURL(u, scheme string, rs int) location {
	rest := u[rs:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	// The userinfo ends at the last '@' before the path: a password may
	// hold '@', ':', '?', '#' or quotes unencoded.
	at := strings.LastIndexByte(rest[:slash], '@')
	if at < 0 && strings.Contains(rest[:slash], ":") {
		// "user:pa/ss@host": a password with an unencoded '/' (or "://")
		// ends the authority early for a strict parser. Hide up to the last
		// '@' anyway: at worst a port, path and query are hidden too.
		at = strings.LastIndexByte(rest, '@')
	}
	loc := location{host: rs}
	if at >= 0 {
		loc.hasUser, loc.user, loc.host = true, span{rs, rs + at}, rs+at+1
		loc.hide = loc.user
		if sshLike(scheme) {
			// ssh authenticates with keys: the user name is an account
			// (git@), worth showing; only a password is hidden.
			loc.hide = span{rs + at, rs + at}
			if c := strings.IndexByte(rest[:at], ':'); c >= 0 {
				loc.hide = span{rs + c + 1, rs + at}
			}
		}
	}
	loc.values, loc.params = credentialParams(u, loc.host)
	return loc
}

func sshLike(scheme string) bool {
	switch scheme {
	case "ssh", "git+ssh", "ssh+git":
		return true
	}
	return false
}

// locateSCP handles git's scp-like "[user[:password]@]host:path": the user
// stays, a password is hidden.
func locateSCP(u string) (location, bool) {
	if strings.Contains(u, "://") {
		return location{}, false
	}
	for at := strings.LastIndexByte(u, '@'); at > 0; at = strings.LastIndexByte(u[:at], '@') {
		if !hostColon(u[at+1:]) {
			continue
		}
		info := u[:at]
		if strings.Contains(info, "/") {
			return location{}, false // a local path with an '@' in it
		}
		loc := location{hasUser: true, user: span{0, at}, hide: span{at, at}, host: at + 1}
		if c := strings.IndexByte(info, ':'); c >= 0 {
			loc.hide = span{c + 1, at}
		}
		loc.values, loc.params = credentialParams(u, loc.host)
		return loc, true
	}
	return location{}, false
}

// hostColon reports whether s starts with "host:" (host may be [IPv6]).
func hostColon(s string) bool {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		return end > 1 && end+1 < len(s) && s[end+1] == ':'
	}
	c := strings.IndexByte(s, ':')
	return c > 0 && !strings.ContainsAny(s[:c], "/@")
}

// credentialParams finds credential parameters in the query and in a
// fragment shaped like a query (#access_token=...), after offset from.
func credentialParams(u string, from int) (values, params []span) {
	frag := strings.IndexByte(u[from:], '#')
	if frag < 0 {
		frag = len(u)
	} else {
		frag += from
	}
	if q := strings.IndexByte(u[from:frag], '?'); q >= 0 {
		v, p := scanParams(u, from+q, frag)
		values, params = append(values, v...), append(params, p...)
	}
	if frag < len(u) && strings.Contains(u[frag:], "=") {
		v, p := scanParams(u, frag, len(u))
		values, params = append(values, v...), append(params, p...)
	}
	return values, params
}

// scanParams reads "k=v&k=v" in u[mark+1:end], where u[mark] is '?' or '#'.
func scanParams(u string, mark, end int) (values, params []span) {
	total, creds := 0, 0
	var own []span
	for s := mark + 1; s <= end; {
		e := s + strings.IndexAny(u[s:end], "&;")
		if e < s {
			e = end
		}
		total++
		if eq := strings.IndexByte(u[s:e], '='); eq >= 0 && isCredentialKey(percentDecode(u[s:s+eq])) {
			creds++
			if s+eq+1 < e {
				values = append(values, span{s + eq + 1, e})
			}
			if e < end {
				own = append(own, span{s, e + 1}) // the parameter and its '&'
			} else {
				own = append(own, span{s - 1, e}) // its separator before it
			}
		}
		s = e + 1
	}
	if creds > 0 && creds == total {
		return values, []span{{mark, end}}
	}
	return values, own
}

// credentialKeys are parameter names (lower case) whose values are secret;
// keyParts and keyPrefixes catch the many spellings (X-Amz-Signature,
// private_token, client_secret, api-key, ...).
var (
	credentialKeys = map[string]bool{"key": true, "sig": true, "code": true, "pass": true, "pwd": true, "jwt": true,
		"session": true, "sessionid": true, "sid": true, "auth": true, "creds": true}
	keyParts    = []string{"token", "secret", "passw", "signature", "apikey", "api_key", "api-key", "credential", "auth", "private"}
	keyPrefixes = []string{"x-amz-", "x-goog-"}
)

func isCredentialKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	if credentialKeys[k] {
		return true
	}
	for _, p := range keyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	for _, p := range keyPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func isScheme(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isSchemeChar(s[i]) {
			return false
		}
	}
	return true
}

// schemeStart is the index of the first "scheme://" in t, or -1.
func schemeStart(t string) int {
	for off := 0; off < len(t); {
		j := strings.Index(t[off:], "://")
		if j < 0 {
			return -1
		}
		j += off
		s := j
		for s > 0 && isSchemeChar(t[s-1]) {
			s--
		}
		for s < j && !isLetter(t[s]) {
			s++
		}
		if s < j {
			return s
		}
		off = j + 3
	}
	return -1
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isSchemeChar(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// percentDecode decodes %XX escapes and leaves anything else as it is.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return (c | 0x20) - 'a' + 10
}
