package metrics

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
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
	return fmt.Sprintf("reporter=%q,destination_service=%q", rep, s.host())
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

// Counters are integer counts for one subset (destination_version).
type Counters struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// Buckets maps a histogram upper bound in milliseconds (le, +Inf
	// included) to the cumulative count of requests at or below it.
	Buckets map[float64]int64 `json:"-"`
}

// ErrorRate is Errors/Requests, 0 without requests.
func (c Counters) ErrorRate() float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(c.Errors) / float64(c.Requests)
}

// SubsetCounts returns the raw cumulative counters per version at time at
// (what the counters say since each proxy started). Differences of two such
// snapshots lose resets that happen in between; Window does not.
func SubsetCounts(ctx context.Context, q Querier, sel Selector, at time.Time) (map[string]Counters, error) {
	re, err := sel.errorRE()
	if err != nil {
		return nil, err
	}
	out := map[string]Counters{}
	reqQ := fmt.Sprintf("sum by (%s, %s) (%s{%s})", VersionLabel, CodeLabel, RequestsMetric, sel.Matchers())
	v, err := q.Query(ctx, reqQ, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %q: want a vector, got %s", reqQ, v.Type())
	}
	for _, s := range vec {
		addRequests(out, s.Metric, int64(math.Round(float64(s.Value))), re)
	}
	bucketQ := fmt.Sprintf("sum by (%s, le) (%s{%s})", VersionLabel, DurationBuckets, sel.Matchers())
	if v, err = q.Query(ctx, bucketQ, at); err != nil {
		return nil, err
	}
	if vec, ok = v.(model.Vector); !ok {
		return nil, fmt.Errorf("query %q: want a vector, got %s", bucketQ, v.Type())
	}
	for _, s := range vec {
		if err := addBucket(out, s.Metric, int64(math.Round(float64(s.Value)))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func version(m model.Metric) string {
	if v := string(m[VersionLabel]); v != "" {
		return v
	}
	return "unknown"
}

func addRequests(out map[string]Counters, m model.Metric, n int64, errRE *regexp.Regexp) {
	ver := version(m)
	c := out[ver]
	c.Requests += n
	if errRE.MatchString(string(m[CodeLabel])) {
		c.Errors += n
	}
	out[ver] = c
}

func addBucket(out map[string]Counters, m model.Metric, n int64) error {
	le, err := strconv.ParseFloat(string(m["le"]), 64)
	if err != nil {
		return fmt.Errorf("bucket with le=%q: %w", m["le"], err)
	}
	ver := version(m)
	c := out[ver]
	if c.Buckets == nil {
		c.Buckets = map[float64]int64{}
	}
	c.Buckets[le] += n
	out[ver] = c
	return nil
}

// sortedBounds returns the bucket bounds in increasing order.
func sortedBounds(b map[float64]int64) []float64 {
	les := make([]float64, 0, len(b))
	for le := range b {
		les = append(les, le)
	}
	sort.Float64s(les)
	return les
}
