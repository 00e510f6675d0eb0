package mesh

import (
	"os"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestTelemetryExampleMatchesMetricLabel: the shipped Telemetry adds the
// header under the label gitshift reads (MetricLabel), to both metrics the
// judge reads, from the header itself.
func TestTelemetryExampleMatchesMetricLabel(t *testing.T) {
	b, err := os.ReadFile("../../examples/istio-telemetry/canary-header-tag.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tel struct {
		Kind string
		Spec struct {
			Metrics []struct {
				Overrides []struct {
					Match        struct{ Metric, Mode string }
					TagOverrides map[string]struct{ Value string } `json:"tagOverrides"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(b, &tel); err != nil {
		t.Fatal(err)
	}
	const header = "x-canary"
	var metrics []string
	for _, m := range tel.Spec.Metrics {
		for _, o := range m.Overrides {
			tag, ok := o.TagOverrides[MetricLabel(header)]
			if !ok || tag.Value != "request.headers['"+header+"']" || o.Match.Mode != "CLIENT_AND_SERVER" {
				t.Errorf("override %+v: want %s from request.headers['%s'] on both reporters", o, MetricLabel(header), header)
			}
			metrics = append(metrics, o.Match.Metric)
		}
	}
	slices.Sort(metrics)
	if tel.Kind != "Telemetry" || !slices.Equal(metrics, []string{"REQUEST_COUNT", "REQUEST_DURATION"}) {
		t.Errorf("kind %q, metrics %v", tel.Kind, metrics)
	}
}
