package adapt

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// labelProm answers raw-sample queries from series it filters by the
// query's label matchers (=, !=, =~, !~), so the PromQL the counters write
// is exercised, not only their arithmetic.
type labelProm struct {
	series []model.Metric
	n      []float64
	start  time.Time
}

var matcherRE = regexp.MustCompile(`(\w+)(=~|!~|!=|=)("(?:[^"\\]|\\.)*")`)

func (p labelProm) Query(_ context.Context, q string, at time.Time) (model.Value, error) {
	var out model.Matrix
	for i, m := range p.series {
		if q[:len(metrics.RequestsMetric)] != metrics.RequestsMetric {
			continue // no histograms here
		}
		ok := true
		for _, mm := range matcherRE.FindAllStringSubmatch(q, -1) {
			want, _ := strconv.Unquote(mm[3])
			got := string(m[model.LabelName(mm[1])])
			re := regexp.MustCompile("^(?:" + want + ")$")
			switch mm[2] {
			case "=":
				ok = ok && got == want
			case "!=":
				ok = ok && got != want
			case "=~":
				ok = ok && re.MatchString(got)
			case "!~":
				ok = ok && !re.MatchString(got)
			}
		}
		if ok {
			out = append(out, &model.SampleStream{Metric: m, Values: []model.SamplePair{
				{Timestamp: model.TimeFromUnixNano(p.start.Add(-time.Second).UnixNano()), Value: 0},
				{Timestamp: model.TimeFromUnixNano(p.start.Add(time.Second).UnixNano()), Value: 0},
				{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(p.n[i])}}})
		}
	}
	return out, nil
}

func series(reporter, version, tag string) model.Metric {
	return model.Metric{"reporter": model.LabelValue(reporter), "destination_service": "reviews.bookinfo.svc.cluster.local",
		"destination_version": model.LabelValue(version), "response_code": "200", "x_canary": model.LabelValue(tag)}
}

func TestStepCounts(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	header := policy.Step{HeaderRoute: &policy.HeaderMatch{Name: "x-canary", Exact: "1"}}
	tests := []struct {
		name                    string
		step                    policy.Step
		series                  []model.Metric
		n                       []float64
		canary, base, misrouted int64
	}{
		{"header: tagged at v3, the rest at v1", header,
			[]model.Metric{series("destination", "v3", "1"), series("destination", "v1", "unknown"), series("destination", "v1", "2")},
			[]float64{30, 900, 70}, 30, 970, 0},
		{"header: tagged requests at v1 and untagged at v3 are misrouted", header,
			[]model.Metric{series("destination", "v3", "1"), series("destination", "v1", "1"), series("destination", "v3", "unknown"), series("destination", "v1", "unknown")},
			[]float64{30, 2, 3, 900}, 30, 900, 5},
		{"mirror: copies are destination-side only", policy.Step{Mirror: 20},
			[]model.Metric{series("destination", "v3", ""), series("destination", "v1", ""), series("source", "v1", "")},
			[]float64{200, 1000, 1000}, 200, 1000, 0},
		{"mirror: a user request at v3", policy.Step{Mirror: 20},
			[]model.Metric{series("destination", "v3", ""), series("destination", "v1", ""), series("source", "v3", "")},
			[]float64{200, 1000, 4}, 200, 1000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Counters{Q: labelProm{series: tt.series, n: tt.n, start: start}, CanaryVersion: "v3", StableVersion: "v1",
				Sel: metrics.Selector{DestinationService: "reviews", Namespace: "bookinfo"}}
			got, err := c.StepCounts(context.Background(), tt.step, start, start.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got.Canary.Requests != tt.canary || got.Baseline.Requests != tt.base || got.Misrouted != tt.misrouted {
				t.Errorf("canary %d baseline %d misrouted %d (%s), want %d %d %d", got.Canary.Requests, got.Baseline.Requests, got.Misrouted, got.Misroute, tt.canary, tt.base, tt.misrouted)
			}
		})
	}
	var _ rollout.StepCounterSource = Counters{}
}

func TestHeaderTraffic(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	h := policy.HeaderMatch{Name: "x-canary", Exact: "1"}
	for _, tt := range []struct {
		name     string
		series   []model.Metric
		n        []float64
		labelled int64
		matching int64
	}{
		{"no label: no Telemetry tagOverride", []model.Metric{series("destination", "v1", "")}, []float64{900}, 0, 0},
		{"labelled, nobody sends the value", []model.Metric{series("destination", "v1", "unknown"), series("destination", "v1", "2")}, []float64{900, 5}, 905, 0},
		{"testers send it", []model.Metric{series("destination", "v1", "unknown"), series("destination", "v1", "1")}, []float64{900, 40}, 940, 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Counters{Q: labelProm{series: tt.series, n: tt.n, start: start}, CanaryVersion: "v3", StableVersion: "v1",
				Sel: metrics.Selector{DestinationService: "reviews", Namespace: "bookinfo"}}
			got, err := c.HeaderTraffic(context.Background(), h, start, start.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got.Labelled != tt.labelled || got.Matching != tt.matching {
				t.Errorf("got %+v, want labelled %d matching %d", got, tt.labelled, tt.matching)
			}
		})
	}
}
