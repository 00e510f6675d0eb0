package meshsim

import (
	"math/rand/v2"
	"regexp"
	"strings"

	apinet "istio.io/api/networking/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// Rule is one http route of a VirtualService as a proxy applies it: its
// match conditions, weighted destinations, mirror and injected fault. The
// routing decision for a request is made here and nowhere else (Decide), so
// the table can be fed from Istio's programmed config (xDS) later.
type Rule struct {
	Name string
	// Match is Istio's list of alternatives (any may hold); each holds when
	// all its conditions do. Empty: every request.
	Match    []Match
	Backends []Backend
	total    int64
	// Mirror copies Percent of the rule's requests to Backend (responses
	// discarded); nil: none.
	Mirror *MirrorTarget
	// Abort answers Percent of the requests with Status before any
	// destination is called (Istio's fault.abort); nil: none.
	Abort *Abort
	// Delay holds Percent of the requests for Ms before they are sent on
	// (Istio's fault.delay, fixed); nil: none.
	Delay *Delay
}

// Delay is a rule's fault.delay.
type Delay struct {
	Percent float64
	Ms      float64
}

// Match is one HTTPMatchRequest: every header and the URI must match.
type Match struct {
	Headers        map[string]StringMatch
	WithoutHeaders map[string]StringMatch
	URI            *StringMatch
}

// StringMatch is Istio's exact, prefix or regex (RE2, whole value) match.
type StringMatch struct {
	Kind, Value string
	re          *regexp.Regexp
}

// MirrorTarget is a rule's mirror.
type MirrorTarget struct {
	Backend Backend
	Percent float64
}

// Abort is a rule's fault.abort.
type Abort struct {
	Percent float64
	Status  int
}

// Attrs are what a simulated request carries that routing can match on.
// An empty Path means the flow named none: URI conditions are taken to be
// what the request wants, but a rule without one is preferred (see Decide).
type Attrs struct {
	Path    string
	Headers map[string]string // lowercase names
}

// Decision is the outcome of routing one request.
type Decision struct {
	Rule    *Rule
	Backend *Backend
	// Mirror is set when this request is also copied.
	Mirror *Backend
	// Abort is the status of an injected fault (0: none).
	Abort int
	// DelayMs is an injected delay added to the request's latency.
	DelayMs float64
	// NoRoute: no rule matched (Envoy answers 404 NR).
	NoRoute bool
}

// Decide routes one request: the first rule whose match holds (Istio's
// order), then Envoy's per-request weighted choice, the mirror's and the
// fault's percentages. A request without a path takes the first matching
// rule that has no URI condition, else the first matching one.
func (r *Route) Decide(a Attrs, rng *rand.Rand) Decision {
	if r.NoRoute {
		return Decision{NoRoute: true}
	}
	rule := r.match(a)
	if rule == nil {
		return Decision{NoRoute: true}
	}
	d := Decision{Rule: rule, Backend: rule.pick(rng)}
	if m := rule.Mirror; m != nil && rng.Float64()*100 < m.Percent {
		d.Mirror = &m.Backend
	}
	if f := rule.Delay; f != nil && rng.Float64()*100 < f.Percent {
		d.DelayMs = f.Ms
	}
	if f := rule.Abort; f != nil && rng.Float64()*100 < f.Percent {
		d.Abort = f.Status
	}
	return d
}

func (r *Route) match(a Attrs) *Rule {
	var first *Rule
	for i := range r.Rules {
		rule := &r.Rules[i]
		if !rule.matches(a) {
			continue
		}
		if a.Path != "" || !rule.hasURI() {
			return rule
		}
		if first == nil {
			first = rule
		}
	}
	return first
}

func (r *Rule) hasURI() bool {
	for _, m := range r.Match {
		if m.URI != nil {
			return true
		}
	}
	return false
}

func (r *Rule) matches(a Attrs) bool {
	if len(r.Match) == 0 {
		return true
	}
	for _, m := range r.Match {
		if m.holds(a) {
			return true
		}
	}
	return false
}

func (m Match) holds(a Attrs) bool {
	for name, sm := range m.Headers {
		v, ok := a.Headers[name]
		if !ok || !sm.matches(v) {
			return false
		}
	}
	for name, sm := range m.WithoutHeaders {
		if v, ok := a.Headers[name]; ok && (sm.Kind == "" || sm.matches(v)) {
			return false
		}
	}
	return m.URI == nil || a.Path == "" || m.URI.matches(a.Path)
}

func (s StringMatch) matches(v string) bool {
	switch s.Kind {
	case mesh.MatchExact:
		return v == s.Value
	case mesh.MatchPrefix:
		return strings.HasPrefix(v, s.Value)
	case mesh.MatchRegex:
		return s.re != nil && s.re.MatchString(v)
	case "never":
		return false
	}
	return true // an empty match: presence only
}

// pick chooses a backend by weight, as Envoy's weighted clusters do per
// request.
func (r *Rule) pick(rng *rand.Rand) *Backend {
	if len(r.Backends) == 1 || r.total <= 0 {
		return &r.Backends[0]
	}
	n := rng.Int64N(r.total)
	for i := range r.Backends {
		n -= int64(r.Backends[i].Weight)
		if n < 0 {
			return &r.Backends[i]
		}
	}
	return &r.Backends[len(r.Backends)-1]
}

// matchesOf converts Istio's match list; an invalid regex never matches
// (Istio would reject the object).
func matchesOf(ms []*apinet.HTTPMatchRequest) []Match {
	var out []Match
	for _, m := range ms {
		var mm Match
		for name, sm := range m.GetHeaders() {
			if mm.Headers == nil {
				mm.Headers = map[string]StringMatch{}
			}
			mm.Headers[strings.ToLower(name)] = stringMatchOf(sm)
		}
		for name, sm := range m.GetWithoutHeaders() {
			if mm.WithoutHeaders == nil {
				mm.WithoutHeaders = map[string]StringMatch{}
			}
			mm.WithoutHeaders[strings.ToLower(name)] = stringMatchOf(sm)
		}
		if u := m.GetUri(); u != nil {
			s := stringMatchOf(u)
			mm.URI = &s
		}
		out = append(out, mm)
	}
	return out
}

func stringMatchOf(sm *apinet.StringMatch) StringMatch {
	kind, v := mesh.StringMatchOf(sm)
	s := StringMatch{Kind: kind, Value: v}
	if kind == mesh.MatchRegex {
		if re, err := regexp.Compile("^(?:" + v + ")$"); err == nil {
			s.re = re
		} else {
			s.Kind = "never"
		}
	}
	return s
}
