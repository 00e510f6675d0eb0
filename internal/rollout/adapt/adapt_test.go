package adapt

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func analysis(t *testing.T) policy.Analysis {
	t.Helper()
	p, err := policy.Complete(policy.CanaryPolicy{}, policy.Overrides{Application: "a", VirtualService: &policy.ObjectRef{Namespace: "n", Name: "vs"}, StableSubset: "v1", CanarySubset: "v3"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec.Analysis
}

// TestJudge drives the real judge: an equal canary is promoted, a canary
// at 5% errors against 0.5% fails, at 5% weight.
func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		canaryErr float64
		want      rollout.Verdict
	}{
		{"equal canary", 0.005, rollout.VerdictPromote},
		{"5% vs 0.5% errors", 0.05, rollout.VerdictFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := NewJudge(analysis(t))
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Unix(0, 0)
			if err := j.BeginStep(t0, 5); err != nil {
				t.Fatal(err)
			}
			var a rollout.Assessment
			// Windows of 50 canary and 950 baseline requests whose errors
			// add up to exactly the rates over time.
			errsUpTo := func(n int64, rate float64) int64 { return int64(float64(n) * rate) }
			for i := int64(1); i <= 60 && a.Verdict != rollout.VerdictFail; i++ {
				c := rollout.Counts{Requests: 50, Errors: errsUpTo(50*i, tc.canaryErr) - errsUpTo(50*(i-1), tc.canaryErr)}
				b := rollout.Counts{Requests: 950, Errors: errsUpTo(950*i, 0.005) - errsUpTo(950*(i-1), 0.005)}
				if a, err = j.Observe(t0.Add(time.Duration(i)*10*time.Second), c, b); err != nil {
					t.Fatal(err)
				}
			}
			if a.Verdict != tc.want {
				t.Fatalf("verdict %s (%s), want %s; report %+v", a.Verdict, a.Reason, tc.want, a.Report)
			}
			if a.Report.Weight != 5 || a.Report.CanaryRequests == 0 || len(a.Report.Tests) == 0 {
				t.Errorf("report %+v", a.Report)
			}
		})
	}
}

func TestConvertBuckets(t *testing.T) {
	c := convert(metrics.Counters{Requests: 10, Errors: 1, Buckets: map[float64]int64{math.Inf(1): 10, 250: 9, 50: 4}})
	want := []rollout.Bucket{{LE: 0.05, Count: 4}, {LE: 0.25, Count: 9}, {LE: math.Inf(1), Count: 10}}
	if len(c.Buckets) != 3 {
		t.Fatalf("%+v", c.Buckets)
	}
	for i := range want {
		if c.Buckets[i] != want[i] {
			t.Errorf("bucket %d: %+v want %+v", i, c.Buckets[i], want[i])
		}
	}
}

type fakeQ struct {
	v   model.Value
	err error
}

func (f fakeQ) Query(context.Context, string, time.Time) (model.Value, error) { return f.v, f.err }

func TestQuerier(t *testing.T) {
	one := model.Vector{&model.Sample{Value: 0.42}}
	two := model.Vector{&model.Sample{Value: 1}, &model.Sample{Value: 2}}
	for _, tc := range []struct {
		name    string
		q       fakeQ
		want    float64
		wantErr error
	}{
		{"scalar", fakeQ{v: &model.Scalar{Value: 3}}, 3, nil},
		{"one sample", fakeQ{v: one}, 0.42, nil},
		{"empty", fakeQ{v: model.Vector{}}, 0, rollout.ErrNoData},
		{"two series", fakeQ{v: two}, 0, errors.New("")},
		{"down", fakeQ{err: &metrics.UnavailableError{URL: "http://p", Err: errors.New("refused")}}, 0, rollout.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Querier{Q: tc.q}.Query(context.Background(), "x", time.Now())
			switch {
			case tc.wantErr == nil && (err != nil || got != tc.want):
				t.Errorf("got %v %v", got, err)
			case tc.wantErr != nil && err == nil:
				t.Errorf("want error")
			case tc.wantErr != nil && tc.wantErr.Error() != "" && !errors.Is(err, tc.wantErr):
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
		})
	}
}

func TestRouteWeights(t *testing.T) {
	doc := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - name: canary
    route:
    - destination: {host: reviews, subset: v1}
      weight: 75
    - destination: {host: reviews, subset: v3}
      weight: 25
  - name: only
    route:
    - destination: {host: reviews, subset: v1}
`
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{Object: m}
	for route, want := range map[string]map[string]int32{"": {"v1": 75, "v3": 25}, "canary": {"v1": 75, "v3": 25}, "only": {"v1": 100}, "1": {"v1": 100}} {
		got, err := RouteWeights(obj, route)
		if err != nil || len(got) != len(want) || got["v1"] != want["v1"] || got["v3"] != want["v3"] {
			t.Errorf("route %q: %v %v, want %v", route, got, err, want)
		}
	}
	if _, err := RouteWeights(obj, "nope"); err == nil {
		t.Error("unknown route accepted")
	}
}
