package meshsim

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gitshift/gitshift/internal/mesh"
)

// Istio's standard metric names.
const (
	RequestsTotal   = "istio_requests_total"
	RequestDuration = "istio_request_duration_milliseconds"
)

// DurationBuckets are Istio's default buckets for request duration in ms.
var DurationBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// LabelNames are Istio's standard metric labels, in the order values are
// passed; gitshift's Prometheus queries rely on these exact names.
var LabelNames = []string{
	"reporter",
	"source_workload", "source_workload_namespace", "source_principal",
	"source_app", "source_version",
	"source_canonical_service", "source_canonical_revision", "source_cluster",
	"destination_workload", "destination_workload_namespace", "destination_principal",
	"destination_app", "destination_version",
	"destination_service", "destination_service_name", "destination_service_namespace",
	"destination_canonical_service", "destination_canonical_revision", "destination_cluster",
	"request_protocol", "response_code", "grpc_response_status", "response_flags",
	"connection_security_policy",
}

// clusterID is Istio's default cluster name, reported in *_cluster labels.
const clusterID = "Kubernetes"

// Request is one simulated request as both proxies saw it.
type Request struct {
	Source Workload
	// SourceReports is true when the caller has a proxy (sidecar or
	// gateway), which then reports with reporter="source".
	SourceReports bool
	// Dest is the pod that answered; nil when the request failed in the
	// caller's proxy (UH, NC, NR) and no destination proxy saw it.
	Dest      *Workload
	Service   ServiceRef
	Code      int
	Flags     string
	LatencyMs float64
	// Headers are the request's headers (lowercase names); Recorder
	// reports the tagged ones as labels.
	Headers map[string]string
	// Mirrored marks a mirror's copy: only the destination reports it,
	// with the caller's identity (mTLS) though the caller reports nothing.
	Mirrored bool
}

// Recorder turns simulated requests into Istio's metrics.
type Recorder struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	tags     []string // request headers reported as labels
}

// NewRecorder creates the metrics and registers them with reg. Each of
// tagHeaders adds a label (mesh.MetricLabel of its name) with the request's
// value of that header, "" when absent, as an Istio Telemetry tagOverride
// does.
func NewRecorder(reg prometheus.Registerer, tagHeaders ...string) (*Recorder, error) {
	labels := append([]string(nil), LabelNames...)
	for _, h := range tagHeaders {
		labels = append(labels, mesh.MetricLabel(h))
	}
	r := &Recorder{tags: tagHeaders,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsTotal,
			Help: "Simulated Istio request count (gitshift lab mesh simulator).",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDuration,
			Help:    "Simulated Istio request duration in milliseconds (gitshift lab mesh simulator).",
			Buckets: DurationBuckets,
		}, labels),
	}
	for _, c := range []prometheus.Collector{r.requests, r.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// sourceOverhead is the latency the client-side proxy adds on top of what
// the destination proxy measures (two extra hops through Envoy).
const sourceOverhead = 0.4

// Record reports req as a real mesh does: once by the caller's proxy and
// once by the destination's, each only if that side has a proxy.
func (r *Recorder) Record(req Request) {
	if req.SourceReports {
		r.observe(r.values("source", req, req.Source, "unknown"), req.LatencyMs+sourceOverhead)
	}
	if req.Dest != nil && req.Dest.Sidecar {
		// Without a client sidecar there is no mTLS and no peer metadata: the
		// destination cannot tell who called.
		src, policy := unknownWorkload(), "none"
		if req.SourceReports || req.Mirrored {
			src, policy = req.Source, "mutual_tls"
		}
		r.observe(r.values("destination", req, src, policy), req.LatencyMs)
	}
}

func (r *Recorder) observe(values []string, ms float64) {
	r.requests.WithLabelValues(values...).Inc()
	r.duration.WithLabelValues(values...).Observe(ms)
}

func (r *Recorder) values(reporter string, req Request, src Workload, policy string) []string {
	dst := unknownWorkload()
	dstPrincipal := unknown
	if req.Dest != nil {
		dst = *req.Dest
		dstPrincipal = dst.Principal()
	}
	srcPrincipal := unknown
	if src.ServiceAccount != "" {
		srcPrincipal = src.Principal()
	}
	flags := req.Flags
	if flags == "" {
		flags = FlagNone
	}
	out := []string{
		reporter,
		src.Name, src.Namespace, srcPrincipal,
		src.App, src.Version,
		src.CanonicalService, src.CanonicalRevision, clusterID,
		dst.Name, dst.Namespace, dstPrincipal,
		dst.App, dst.Version,
		req.Service.FQDN(), req.Service.Name, req.Service.Namespace,
		dst.CanonicalService, dst.CanonicalRevision, clusterID,
		"http", strconv.Itoa(req.Code), "", flags,
		policy,
	}
	for _, h := range r.tags {
		out = append(out, req.Headers[h])
	}
	return out
}
