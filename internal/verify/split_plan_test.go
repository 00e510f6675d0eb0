package verify

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// labelProm answers Window's raw-sample queries from labelled series,
// applying the query's label matchers (=, !=, =~, !~) as Prometheus does:
// a missing label is the empty string.
type labelProm struct {
	window time.Duration
	series []promSeries
}

type promSeries struct {
	labels map[string]string
	n      int64 // requests in the window
}

var matcherRE = regexp.MustCompile(`([a-z_]+)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"`)

func (p labelProm) Query(_ context.Context, q string, at time.Time) (model.Value, error) {
	if strings.Contains(q, "_bucket") {
		return model.Matrix{}, nil
	}
	before := model.TimeFromUnixNano(at.Add(-p.window - 5*time.Second).UnixNano())
	first := model.TimeFromUnixNano(at.Add(-p.window + time.Second).UnixNano())
	end := model.TimeFromUnixNano(at.UnixNano())
	var m model.Matrix
	for _, s := range p.series {
		lbl := model.Metric{"destination_service": "reviews.bookinfo.svc.cluster.local", "response_code": "200"}
		for k, v := range s.labels {
			lbl[model.LabelName(k)] = model.LabelValue(v)
		}
		if !matches(q, lbl) {
			continue
		}
		m = append(m, &model.SampleStream{Metric: lbl, Values: []model.SamplePair{
			{Timestamp: before, Value: 1000}, {Timestamp: first, Value: 1000}, {Timestamp: end, Value: model.SampleValue(1000 + s.n)}}})
	}
	return m, nil
}

func matches(q string, lbl model.Metric) bool {
	for _, mt := range matcherRE.FindAllStringSubmatch(q, -1) {
		got := string(lbl[model.LabelName(mt[1])])
		re := regexp.MustCompile("^(?:" + mt[3] + ")$")
		ok := map[string]bool{"=": got == mt[3], "!=": got != mt[3], "=~": re.MatchString(got), "!~": !re.MatchString(got)}[mt[2]]
		if !ok {
			return false
		}
	}
	return true
}

func series(n int64, kv ...string) promSeries {
	s := promSeries{labels: map[string]string{}, n: n}
	for i := 0; i+1 < len(kv); i += 2 {
		s.labels[kv[i]] = kv[i+1]
	}
	return s
}

// TestSplitWithCanaryRouting: during a rollout's header or mirror step, and
// under consistent hashing, verify measures what the routing decides and
// says so instead of reporting a false split mismatch.
func TestSplitWithCanaryRouting(t *testing.T) {
	const dst, src = "destination", "source"
	tests := []struct {
		name   string
		repo   string
		series []promSeries
		want   Status
		text   []string // in the traffic-split result
	}{{
		name: "header step: testers' requests at v3 are the header route's",
		repo: "repo-header",
		series: []promSeries{series(1800, "reporter", dst, "destination_version", "v1"),
			series(200, "reporter", dst, "destination_version", "v3", "x_canary", "1")},
		want: Pass,
		text: []string{"v1 100.0% [99.8, 100.0] vs Git 100% ok", "header route: 200 of 200 requests with x-canary exact \"1\" reached v3", "Telemetry tagOverride"},
	}, {
		name: "header step: a tagged request at v1 is misrouted",
		repo: "repo-header",
		series: []promSeries{series(1800, "reporter", dst, "destination_version", "v1"),
			series(200, "reporter", dst, "destination_version", "v3", "x_canary", "1"),
			series(7, "reporter", dst, "destination_version", "v1", "x_canary", "1")},
		want: Fail,
		text: []string{"200 of 207 requests with x-canary exact \"1\" reached v3 MISMATCH (others at v1 7)", "the header route or the mirror does not do what Git says"},
	}, {
		name: "header step: untagged requests at v3 fail the split",
		repo: "repo-header",
		series: []promSeries{series(1800, "reporter", dst, "destination_version", "v1"),
			series(200, "reporter", dst, "destination_version", "v3")},
		want: Fail,
		text: []string{"vs Git 0% MISMATCH", "no request with x-canary exact \"1\""},
	}, {
		name: "mirror step: copies are not the route's requests",
		repo: "repo-mirror",
		series: []promSeries{series(2000, "reporter", src, "destination_version", "v1"),
			series(2000, "reporter", dst, "destination_version", "v1"),
			series(410, "reporter", dst, "destination_version", "v3")},
		want: Pass,
		text: []string{"v3 0.0% [0.0, 0.2] vs Git 0% ok", "mirror to v3: 410 copies of 2000 requests, 20.5%", "reporter=source"},
	}, {
		name: "mirror step: a user request at v3",
		repo: "repo-mirror",
		series: []promSeries{series(2000, "reporter", src, "destination_version", "v1"),
			series(60, "reporter", src, "destination_version", "v3"),
			series(2000, "reporter", dst, "destination_version", "v1"),
			series(470, "reporter", dst, "destination_version", "v3")},
		want: Fail,
		text: []string{"vs Git 0% MISMATCH"},
	}, {
		name: "mirror step: no copies",
		repo: "repo-mirror",
		series: []promSeries{series(2000, "reporter", src, "destination_version", "v1"),
			series(2000, "reporter", dst, "destination_version", "v1")},
		want: Fail,
		text: []string{"0 copies of 2000 requests", "vs Git 20% MISMATCH", "the mirrored share differs"},
	}, {
		name: "consistent hashing: the split is not tested, and verify says why",
		repo: "repo-affinity",
		series: []promSeries{series(1000, "reporter", dst, "destination_version", "v1"),
			series(1000, "reporter", dst, "destination_version", "v3")},
		want: Skip,
		text: []string{"split not tested", "DestinationRule bookinfo/reviews hashes requests by header x-user (consistentHash)", "not independent draws", "v3 50.0% vs Git 10% not tested"},
	}, {
		name: "consistent hashing: a version Git does not route to still fails",
		repo: "repo-affinity",
		series: []promSeries{series(1000, "reporter", dst, "destination_version", "v1"),
			series(100, "reporter", dst, "destination_version", "v3"),
			series(40, "reporter", dst, "destination_version", "v2")},
		want: Fail,
		text: []string{"requests to versions Git does not route to: v2 40"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := healthy(t)
			dir := filepath.Join("testdata", tt.repo)
			sc.repo, sc.live = dir, repoObjectsIn(t, dir)
			sc.querier = labelProm{window: 60 * time.Second, series: tt.series}
			var got Result
			for _, r := range sc.run(t).Results {
				if r.ID == "traffic-split" {
					got = r
				}
			}
			all := strings.Join(append([]string{got.Summary, got.Cause, got.Fix, got.Error}, got.Details...), "\n")
			if got.Status != tt.want {
				t.Errorf("traffic-split = %s, want %s:\n%s", got.Status, tt.want, all)
			}
			for _, text := range tt.text {
				if !strings.Contains(all, text) {
					t.Errorf("%q not in\n%s", text, all)
				}
			}
		})
	}
}
