package mesh

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// HeaderRouteName is the name of the http route gitshift inserts for a
// header step. Route selection ignores it (it routes testers, not a share of
// the traffic), and gitshift removes only the route with this name: a match
// route a person wrote stays as it is.
const HeaderRouteName = "gitshift-header"

// Header match kinds, as Istio's StringMatch spells them.
const (
	MatchExact  = "exact"
	MatchPrefix = "prefix"
	MatchRegex  = "regex"
)

// HeaderRoute is a canary route for requests that carry a header: requests
// whose header matches go to Subset, everyone else to the weighted route.
type HeaderRoute struct {
	Header string `json:"header"`
	Match  string `json:"match"` // MatchExact, MatchPrefix or MatchRegex
	Value  string `json:"value"`
	Subset string `json:"subset"`
}

var headerToken = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// hopByHop are headers Envoy removes or rewrites before routing (RFC 9110
// §7.6.1 connection-specific fields, and what Envoy sets itself): a route
// matching them never sees the value a client sent.
var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "proxy-connection": true, "te": true,
	"transfer-encoding": true, "upgrade": true, "host": true, "content-length": true}

// Validate checks what Istio accepts and what can route at all.
func (h HeaderRoute) Validate() error {
	switch {
	case !headerToken.MatchString(h.Header):
		return fmt.Errorf("header name %q: want a lowercase HTTP token (letters, digits, - and _); Envoy matches lowercased names", h.Header)
	case hopByHop[h.Header]:
		return fmt.Errorf("header %q is connection-specific: Envoy removes or rewrites it before routing, so no route can match what a client sent", h.Header)
	case strings.HasPrefix(h.Header, "x-envoy-"):
		return fmt.Errorf("header %q: Envoy strips x-envoy-* headers from requests it does not trust, so the route would never match them", h.Header)
	case h.Value == "" && h.Match != MatchRegex:
		return fmt.Errorf("header %s: an empty %s value matches any request carrying it; give a value", h.Header, h.Match)
	case strings.ContainsAny(h.Value, "\r\n\x00"):
		return fmt.Errorf("header %s: the value contains a line break or NUL", h.Header)
	case !subsetName.MatchString(h.Subset):
		return fmt.Errorf("header route subset %q is not a valid name", h.Subset)
	}
	switch h.Match {
	case MatchExact, MatchPrefix:
	case MatchRegex:
		if _, err := regexp.Compile("^(?:" + h.Value + ")$"); err != nil {
			return fmt.Errorf("header %s: regex %q: %v", h.Header, h.Value, err)
		}
	default:
		return fmt.Errorf("header %s: match %q: want exact, prefix or regex", h.Header, h.Match)
	}
	return nil
}

// Matches reports whether a request whose header has value (present says
// whether it carries the header at all) takes the route. Regexes match the
// whole value (Envoy's RE2 full match).
func (h HeaderRoute) Matches(value string, present bool) bool {
	if !present {
		return false
	}
	switch h.Match {
	case MatchExact:
		return value == h.Value
	case MatchPrefix:
		return strings.HasPrefix(value, h.Value)
	case MatchRegex:
		re, err := regexp.Compile("^(?:" + h.Value + ")$")
		return err == nil && re.MatchString(value)
	}
	return false
}

// String is the commit trailer form: `x-canary exact "1" -> v3`. The value
// is quoted (Go syntax), so any value reads back exactly.
func (h HeaderRoute) String() string {
	return fmt.Sprintf("%s %s %s -> %s", h.Header, h.Match, strconv.Quote(h.Value), h.Subset)
}

// ParseHeaderRoute reads HeaderRoute.String's output.
func ParseHeaderRoute(s string) (HeaderRoute, error) {
	bad := fmt.Errorf("header route %q: want `NAME exact|prefix|regex \"VALUE\" -> SUBSET`", s)
	name, rest, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return HeaderRoute{}, bad
	}
	match, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return HeaderRoute{}, bad
	}
	i := strings.LastIndex(rest, " -> ")
	if i < 0 {
		return HeaderRoute{}, bad
	}
	v, err := strconv.Unquote(rest[:i])
	if err != nil {
		return HeaderRoute{}, bad
	}
	h := HeaderRoute{Header: name, Match: match, Value: v, Subset: strings.TrimSpace(rest[i+4:])}
	if err := h.Validate(); err != nil {
		return HeaderRoute{}, fmt.Errorf("header route %q: %w", s, err)
	}
	return h, nil
}

// MetricLabel is the Prometheus label gitshift expects a header's value
// under when Istio's metrics carry it (a Telemetry tagOverride named after
// the header, dashes as underscores): x-canary → x_canary.
func MetricLabel(header string) string { return strings.ReplaceAll(header, "-", "_") }

// Mirror copies a share of a route's requests to a subset (Istio's mirror
// and mirrorPercentage); the copies' responses are discarded.
type Mirror struct {
	// Host is the mirror destination's host as written ("" in a request:
	// the route's own host).
	Host    string  `json:"host,omitempty"`
	Subset  string  `json:"subset"`
	Percent float64 `json:"percent"`
}

// String is the commit trailer form "v3=20".
func (m Mirror) String() string {
	return m.Subset + "=" + strconv.FormatFloat(m.Percent, 'f', -1, 64)
}

// Validate checks the subset name and the percentage.
func (m Mirror) Validate() error {
	if !subsetName.MatchString(m.Subset) {
		return fmt.Errorf("mirror subset %q is not a valid name", m.Subset)
	}
	if !(m.Percent > 0 && m.Percent <= 100) {
		return fmt.Errorf("mirror percentage %v: must be more than 0 and at most 100", m.Percent)
	}
	return nil
}

// ParseMirror reads "SUBSET=PERCENT" (Mirror.String, the shift flag).
func ParseMirror(s string) (Mirror, error) {
	k, v, ok := strings.Cut(strings.TrimSpace(s), "=")
	p, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if !ok || err != nil {
		return Mirror{}, fmt.Errorf("mirror %q: want SUBSET=PERCENT, e.g. v3=20", s)
	}
	m := Mirror{Subset: strings.TrimSpace(k), Percent: p}
	if err := m.Validate(); err != nil {
		return Mirror{}, fmt.Errorf("mirror %q: %w", s, err)
	}
	return m, nil
}

var subsetName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// SameHeaderRoute compares two optional header routes.
func SameHeaderRoute(a, b *HeaderRoute) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SameMirror compares two optional mirrors by subset and percentage (the
// host is the route's in both when gitshift wrote them).
func SameMirror(a, b *Mirror) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Subset == b.Subset && a.Percent == b.Percent
}
