package meshsim

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// series gathers reg into one map per sample of istio_requests_total.
func series(t *testing.T, reg *prometheus.Registry) (requests []map[string]string, buckets int) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case RequestsTotal:
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				requests = append(requests, labels)
			case RequestDuration:
				buckets = len(m.GetHistogram().GetBucket())
			}
		}
	}
	return requests, buckets
}

func TestRecorder(t *testing.T) {
	gw := ingressGatewayWorkload()
	pp := workloadOf(pod("productpage", "v1", "a"))
	v3 := workloadOf(pod("reviews", "v3", "a"))
	bare := workloadOf(pod("reviews", "v3", "a", noSidecar))
	reviews := ServiceRef{Name: "reviews", Namespace: ns}
	tests := []struct {
		name string
		req  Request
		want []map[string]string // label subsets of each expected series
	}{
		{
			name: "mesh call reported by both sides",
			req:  Request{Source: pp, SourceReports: true, Dest: &v3, Service: reviews, Code: 200, Flags: FlagNone, LatencyMs: 12},
			want: []map[string]string{
				{"reporter": "destination", "source_workload": "productpage-v1", "destination_workload": "reviews-v3",
					"destination_version": "v3", "destination_service": "reviews.bookinfo.svc.cluster.local",
					"destination_service_name": "reviews", "destination_service_namespace": ns,
					"response_code": "200", "response_flags": "-", "connection_security_policy": "mutual_tls",
					"request_protocol": "http", "destination_principal": "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews"},
				{"reporter": "source", "source_workload": "productpage-v1", "source_app": "productpage", "source_version": "v1",
					"source_workload_namespace": ns, "destination_app": "reviews", "destination_version": "v3",
					"connection_security_policy": "unknown"},
			},
		},
		{
			name: "no healthy upstream: only the source reports",
			req:  Request{Source: gw, SourceReports: true, Service: reviews, Code: 503, Flags: FlagNoHealthy},
			want: []map[string]string{
				{"reporter": "source", "source_workload": IngressGateway, "source_workload_namespace": "istio-system",
					"destination_workload": "unknown", "destination_version": "unknown", "response_code": "503", "response_flags": "UH"},
			},
		},
		{
			name: "caller without sidecar: destination reports an unknown peer",
			req:  Request{Source: pp, Dest: &v3, Service: reviews, Code: 200},
			want: []map[string]string{
				{"reporter": "destination", "source_workload": "unknown", "source_principal": "unknown",
					"connection_security_policy": "none", "response_flags": "-"},
			},
		},
		{
			name: "destination without sidecar: only the source reports",
			req:  Request{Source: pp, SourceReports: true, Dest: &bare, Service: reviews, Code: 200},
			want: []map[string]string{{"reporter": "source", "destination_workload": "reviews-v3"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			rec, err := NewRecorder(reg)
			if err != nil {
				t.Fatal(err)
			}
			rec.Record(tt.req)
			got, buckets := series(t, reg)
			if len(got) != len(tt.want) {
				t.Fatalf("series = %v, want %d", got, len(tt.want))
			}
			if buckets != len(DurationBuckets) {
				t.Errorf("histogram buckets = %d, want %d", buckets, len(DurationBuckets))
			}
			for i, w := range tt.want {
				if len(got[i]) != len(LabelNames) {
					t.Errorf("series %d has %d labels, want %d", i, len(got[i]), len(LabelNames))
				}
				for k, v := range w {
					if got[i][k] != v {
						t.Errorf("series %d: %s = %q, want %q", i, k, got[i][k], v)
					}
				}
			}
		})
	}
}
