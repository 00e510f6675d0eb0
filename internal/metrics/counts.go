package metrics

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/stats"
)

// Istio's standard metric and label names.
const (
	RequestsMetric  = "istio_requests_total"
	DurationBuckets = "istio_request_duration_milliseconds_bucket"
	VersionLabel    = "destination_version"
	CodeLabel       = "response_code"
)

// DefaultErrorCodes counts HTTP 5xx as errors.
const DefaultErrorCodes = "5.."

// Lookback is how far before a window's start raw samples are read to tell
// a series that existed at the start from one born inside the window. It is
// Prometheus's default staleness lookback.
const Lookback = 5 * time.Minute

// Selector chooses the requests to count.
type Selector struct {
	// DestinationService is the host as Istio reports it
	// (reviews.bookinfo.svc.cluster.local). A short name is completed with
	// Namespace.
	DestinationService string
	Namespace          string
	// Reporter is "destination" (default; what Flagger uses) or "source"
	// (also sees client-side failures such as UH/UF/NR). Use one reporter
	// consistently: mixing them double-counts.
	Reporter string
	// ErrorCodes is a regular expression over the whole response_code;
	// empty means DefaultErrorCodes.
	ErrorCodes string
	// Extra are more label matchers in PromQL syntax, e.g. x_canary="1"
	// (a header's value, when Istio's metrics carry it: HeaderMatcher).
	Extra []string
}

func (s Selector) host() string {
	h := s.DestinationService
	if !strings.Contains(h, ".") && s.Namespace != "" {
		h += "." + s.Namespace + ".svc.cluster.local"
	}
	return h
}

// Matchers renders the label matchers, e.g. for messages and for links.
func (s Selector) Matchers() string {
	rep := s.Reporter
	if rep == "" {
		rep = "destination"
	}
	out := fmt.Sprintf("reporter=%q,destination_service=%q", rep, s.host())
	for _, m := range s.Extra {
		out += "," + m
	}
	return out
}

// HeaderMatcher is the PromQL matcher for requests whose header matches as
// an Istio header route would (kind exact, prefix or regex; PromQL's =~ is
// a fully anchored RE2 match like Envoy's), or, with negate, for the
// others. label is the metric label carrying the header's value.
func HeaderMatcher(label, kind, value string, negate bool) string {
	op, v := "=", value
	switch kind {
	case "prefix":
		op, v = "=~", regexp.QuoteMeta(value)+".*"
	case "regex":
		op = "=~"
	}
	if negate {
		op = map[string]string{"=": "!=", "=~": "!~"}[op]
	}
	return label + op + strconv.Quote(v)
}

func (s Selector) errorRE() (*regexp.Regexp, error) {
	e := s.ErrorCodes
	if e == "" {
		e = DefaultErrorCodes
	}
	re, err := regexp.Compile("^(?:" + e + ")$")
	if err != nil {
		return nil, fmt.Errorf("error code pattern %q: %w", e, err)
	}
	return re, nil
}

// version is the subset a series belongs to (destination_version).
func version(m model.Metric) string {
	if v := string(m[VersionLabel]); v != "" {
		return v
	}
	return "unknown"
}

func addRequests(out map[string]stats.Counts, m model.Metric, n int64, errRE *regexp.Regexp) {
	ver := version(m)
	c := out[ver]
	c.Requests += n
	if errRE.MatchString(string(m[CodeLabel])) {
		c.Errors += n
	}
	out[ver] = c
}

// addBucket adds n to the version's bucket le, kept sorted by LE and
// converted from Istio's milliseconds to seconds, the unit of stats and of
// Prometheus histograms in general.
func addBucket(out map[string]stats.Counts, m model.Metric, n int64) error {
	ms, err := strconv.ParseFloat(string(m["le"]), 64)
	if err != nil {
		return fmt.Errorf("bucket with le=%q: %w", m["le"], err)
	}
	le := ms / 1000
	ver := version(m)
	c := out[ver]
	i, found := slices.BinarySearchFunc(c.Buckets, le, func(b stats.Bucket, le float64) int { return cmp.Compare(b.LE, le) })
	if found {
		c.Buckets[i].Count += n
	} else {
		c.Buckets = slices.Insert(c.Buckets, i, stats.Bucket{LE: le, Count: n})
	}
	out[ver] = c
	return nil
}
