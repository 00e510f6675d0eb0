package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/stats"
	"github.com/gitshift/gitshift/internal/verify"
)

// fakeSource serves fixed data; its URLs and errors may carry secrets,
// which the pages must hide.
type fakeSource struct {
	overview Overview
	details  map[Key]Detail
	report   verify.Report
	err      error
}

func (f *fakeSource) Overview(context.Context) (Overview, error) { return f.overview, f.err }

func (f *fakeSource) Rollout(_ context.Context, k Key) (Detail, error) {
	d, ok := f.details[k]
	if !ok {
		return Detail{}, fmt.Errorf("rollout %s: %w", k.ID, ErrNotFound)
	}
	return d, nil
}

func (f *fakeSource) Verify(context.Context, string, string) (verify.Report, error) {
	return f.report, f.err
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// commitsFor makes the trailers of a rollout's commits (newest first):
// steps 5, 25, 50 then promote, one minute apart, from start.
func commitsFor(vs, id string, start time.Time, steps int) []rollout.Commit {
	weights := []int32{5, 25, 50, 100}
	var out []rollout.Commit
	for i := 0; i < steps && i < len(weights); i++ {
		action := rollout.ActionStep
		if weights[i] == 100 {
			action = rollout.ActionPromote
		}
		w := map[string]int32{"v1": 100 - weights[i], "v3": weights[i]}
		c := rollout.Commit{SHA: fmt.Sprintf("%040x", start.Unix()*10+int64(i)), Author: "gitshift <bot@example.com>", Time: start.Add(time.Duration(i) * time.Minute),
			Subject: "step", Trailers: map[string]string{rollout.TrailerAction: action, rollout.TrailerRollout: id, rollout.TrailerVirtualService: vs,
				rollout.TrailerStep: fmt.Sprintf("%d/4", i+1), rollout.TrailerWeights: rollout.FormatWeights(w),
				rollout.TrailerDecision: "advance", rollout.TrailerReason: "error rate not worse than baseline"}}
		out = append([]rollout.Commit{c}, out...)
	}
	return out
}

// buckets are 20 s buckets over [from, to] at the given canary share.
func buckets(from, to time.Time, share float64) []metrics.WindowCounts {
	var out []metrics.WindowCounts
	for t := from; t.Before(to); t = t.Add(20 * time.Second) {
		n := int64(900)
		c := int64(float64(n) * share)
		lat := []stats.Bucket{{LE: 0.01, Count: 0}, {LE: 0.025, Count: n / 2}, {LE: 0.05, Count: n * 9 / 10}, {LE: 0.1, Count: n}}
		out = append(out, metrics.WindowCounts{Start: t, End: t.Add(20 * time.Second), ByVersion: map[string]stats.Counts{
			"v3": {Requests: c, Errors: c / 100, Buckets: lat}, "v1": {Requests: n - c, Errors: (n - c) / 200, Buckets: lat}}})
	}
	return out
}

// detail is a running rollout at step 2/4 with traffic and Argo CD syncs.
func detail(repo string) Detail {
	commits := commitsFor("bookinfo/reviews", "r-1", t0, 2)
	st, err := rollout.Derive(commits, "bookinfo/reviews", "r-1")
	if err != nil {
		panic(err)
	}
	margin := 0.01
	d := Detail{Summary: summary(st), Repo: repo, Branch: "main", State: st, Now: t0.Add(3 * time.Minute),
		Live:     map[string]int32{"v1": 75, "v3": 25},
		Versions: map[string]string{"v1": "v1", "v3": "v3"}, TrafficQuery: `istio_requests_total{reporter="destination"}`,
		Analysis: policy.Analysis{Alpha: 0.05, ErrorRate: policy.ErrorRateTest{Margin: &margin}, Guards: policy.Guards{MaxErrorRate: 0.05, Alpha: 0.01, MinRequests: 100}}}
	d.Summary.App, d.Summary.Stable, d.Summary.Canary, d.Summary.Policy = AppRef{Namespace: "argocd", Name: "bookinfo"}, "v1", "v3", "bookinfo/reviews"
	d.Traffic = append(buckets(t0.Add(-time.Minute), t0, 0), buckets(t0, t0.Add(time.Minute), 0.05)...)
	d.Traffic = append(d.Traffic, buckets(t0.Add(time.Minute), t0.Add(3*time.Minute-Settle), 0.25)...)
	for i, c := range st.Timeline {
		d.Deployments = append(d.Deployments, argocd.HistoryEntry{ID: int64(i), Revision: c.SHA, DeployedAt: c.Time.Add(3 * time.Second)})
	}
	return d
}

// manyRollouts is an overview of n finished rollouts of one VirtualService.
func manyRollouts(n int) ([]rollout.Commit, Overview) {
	var commits []rollout.Commit
	for i := 0; i < n; i++ {
		commits = append(commitsFor("bookinfo/reviews", fmt.Sprintf("r-%03d", i), t0.Add(time.Duration(i)*10*time.Minute), 4), commits...)
	}
	rows, err := Summaries(commits, "bookinfo/reviews", nil)
	if err != nil {
		panic(err)
	}
	return commits, Overview{Rollouts: rows, Apps: []AppRef{{Namespace: "argocd", Name: "bookinfo"}}}
}
