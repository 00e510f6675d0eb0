package verify

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/stats"
)

func (s *State) selector(host string) metrics.Selector {
	return metrics.Selector{DestinationService: host, Reporter: s.Reporter, ErrorCodes: s.ErrorCodes}
}

// window returns the traffic window for a host: the last Window, but never
// starting before the live weights last changed (plus Settle), since traffic
// before that was routed by other weights. With --wait it first waits for a
// full window after the change.
func (s *State) window(ctx context.Context, host string) (start, end time.Time, clipped bool) {
	end = s.Now()
	start = end.Add(-s.Window)
	since := s.weightsSince[host]
	if !since.IsZero() && s.Settle > 0 {
		since = since.Add(s.Settle)
	}
	if !since.After(start) {
		return start, end, false
	}
	full := since.Add(s.Window)
	if s.Wait > 0 && full.Sub(end) <= s.Wait {
		s.Progress(fmt.Sprintf("traffic: weights of %s changed %s ago (counted %s later, to settle); waiting %s for a full %s window",
			host, end.Sub(since.Add(-s.Settle)).Round(time.Second), s.Settle, full.Sub(end).Round(time.Second), s.Window))
		select {
		case <-ctx.Done():
		case <-time.After(full.Sub(end)):
		}
		end = s.Now()
		return end.Add(-s.Window), end, false
	}
	return since, end, true
}

func checkSplit(ctx context.Context, s *State) Result {
	if s.Metrics == nil {
		return skipped("no Prometheus: pass --prometheus or set GITSHIFT_PROMETHEUS_URL")
	}
	if r, ok := s.needs("virtualservice"); !ok {
		return r
	}
	if len(s.targets) == 0 {
		return skipped("no weighted route to measure")
	}
	s.traffic = map[string]metrics.WindowCounts{}
	r := Result{Status: Pass}
	var lines []string
	ev := map[string]any{}
	var single []string
	followsLive := false
	affinityOnly := 0    // targets whose split was not tested per request
	routingFail := false // a header route's or mirror's own check failed
	for _, t := range s.targets {
		if len(t.Subsets) < 2 && s.VirtualService == "" {
			// Not a split: nothing to compare a share with, and a route
			// that sees no traffic (e.g. gateway-only) must not fail verify.
			single = append(single, shortHost(t.Host))
			continue
		}
		start, end, clipped := s.window(ctx, t.Host)
		plan := s.planSplit(t)
		r.Details = append(r.Details, plan.notes(t.Host)...)
		wc, err := metrics.Window(ctx, s.Metrics, plan.sel, start, end)
		if err != nil {
			return errorResult("reading Istio metrics for "+t.Host, err)
		}
		s.traffic[t.Host] = wc
		n := wc.Total()
		span := end.Sub(start).Round(time.Second)
		ev[t.Host] = map[string]any{"window": wc, "requests": n}
		if n < s.MinRequests {
			r.Status = worse(r.Status, Insufficient)
			line := fmt.Sprintf("%s: only %d requests in %s (need %d to judge the split)", shortHost(t.Host), n, span, s.MinRequests)
			if clipped {
				line += fmt.Sprintf("; the weights changed %s ago", span)
			}
			r.Details = append(r.Details, line)
			continue
		}
		line, ok := s.judgeSplit(t, wc, len(plan.affinity) > 0)
		if len(plan.affinity) > 0 {
			affinityOnly++
		}
		more, moreOK, err := s.checkCanaryRouting(ctx, t, plan, wc)
		if err != nil {
			return errorResult("reading Istio metrics for "+t.Host, err)
		}
		lines = append(lines, fmt.Sprintf("n=%d in %s: %s", n, span, strings.Join(append([]string{line}, more...), "; ")))
		if !ok || !moreOK {
			r.Status = worse(r.Status, Fail)
			if !ok && len(plan.affinity) == 0 && s.followsLive(t, wc) {
				followsLive = true
			}
		}
		if !moreOK {
			routingFail = true
		}
		if t.OtherRoutes && plan.header == nil {
			r.Details = append(r.Details, shortHost(t.Host)+": other routes (e.g. header matches) also reach this host; their traffic is in the counts")
		}
	}
	r.Evidence = ev
	if len(single) > 0 {
		r.Details = append(r.Details, "single-destination routes, not measured: "+strings.Join(single, ", "))
	}
	if len(lines) == 0 && r.Status == Pass {
		return Result{Status: Skip, Summary: "no route splits traffic between subsets", Details: r.Details}
	}
	r.Summary = strings.Join(lines, "; ")
	switch r.Status {
	case Pass:
		if affinityOnly == len(lines) {
			// Nothing was tested per request: say so rather than pass.
			r.Status = Skip
			r.Summary += " (split not tested: consistent hashing, see details)"
			break
		}
		r.Summary += fmt.Sprintf(" (%.0f%% Wilson intervals contain Git's weights)", confidence(s.Z)*100)
	case Insufficient:
		if r.Summary == "" {
			r.Summary = "too little traffic to judge the split"
		}
		r.Cause = "the canary needs traffic before its split can be measured"
		if s.status("pods") == Fail {
			r.Cause += "; pods without a sidecar report no Istio metrics (see the pods check)"
		}
		r.Fix = "send traffic, widen --window, or run with --wait so verify waits for a full window after a weight change"
	case Fail:
		if routingFail {
			r.Cause = "the header route or the mirror does not do what Git says: requests with the header reach another subset, or the mirrored share differs from the mirror percentage (a stale proxy config, or another route taking the requests first)"
			r.Fix = "compare the live VirtualService with Git (virtualservice check); istioctl proxy-config routes on a client pod"
			break
		}
		if followsLive {
			r.Cause = "traffic follows the live VirtualService, whose weights differ from Git's (see the virtualservice check)"
			r.Fix = "restore Git's weights: argocd app sync " + s.App
			if syncFailure(s.Application, s.Checkout.SHA) != "" {
				r.Fix = "Argo CD's sync of Git's weights failed (see the argocd check): fix the manifest and push a new commit"
			}
			break
		}
		r.Cause = "the measured split contradicts the weights: the data plane does not route as Git says (stale proxy config, subset labels selecting other pods, session affinity / consistent hashing, or traffic bypassing the sidecar)"
		r.Fix = "check the pods and destinationrule lines; istioctl proxy-config routes on a client pod; for consistent-hash load balancing the binomial test does not apply"
	}
	return r
}

// judgeSplit compares each subset's observed share with its weight by its
// Wilson interval. Under consistent hashing (affinity) the shares are shown,
// not tested: only what holds whatever the hash keys are is checked, that a
// destination at 0% (or a version the route does not name) gets nothing.
func (s *State) judgeSplit(t target, wc metrics.WindowCounts, affinity bool) (string, bool) {
	n := wc.Total()
	ok := true
	seen := map[string]bool{}
	var parts []string
	for _, sub := range t.Subsets {
		k := wc.ByVersion[sub.Version].Requests
		seen[sub.Version] = true
		name := orName(sub.Name, sub.Version)
		if affinity {
			mark := "not tested"
			if sub.Percent == 0 && k > 0 {
				ok, mark = false, "MISMATCH (Git sends it nothing)"
			}
			parts = append(parts, fmt.Sprintf("%s %.1f%% vs Git %.0f%% %s", name, pct(k, n), sub.Percent, mark))
			continue
		}
		lo, hi := stats.Wilson(k, n, s.Z)
		w := sub.Percent / 100
		mark := "ok"
		if w < lo || w > hi {
			ok, mark = false, "MISMATCH"
		}
		parts = append(parts, fmt.Sprintf("%s %.1f%% [%.1f, %.1f] vs Git %.0f%% %s", name, pct(k, n), lo*100, hi*100, sub.Percent, mark))
	}
	if extra := unrouted(wc, seen); extra != "" {
		ok = false
		parts = append(parts, "requests to versions Git does not route to: "+extra)
	}
	return strings.Join(parts, ", "), ok
}

// followsLive reports whether the observed split is consistent with the
// live VirtualService's weights (which then differ from Git's).
func (s *State) followsLive(t target, wc metrics.WindowCounts) bool {
	if t.Live == nil {
		return false
	}
	live := weights(t.Live)
	n := wc.Total()
	for _, sub := range t.Subsets {
		w, ok := live[t.Route+" "+subsetKey(t.Host, sub.Name)]
		if !ok {
			return false
		}
		lo, hi := stats.Wilson(wc.ByVersion[sub.Version].Requests, n, s.Z)
		if p := w.Percent / 100; p < lo || p > hi {
			return false
		}
	}
	return true
}

func checkTrafficHealth(_ context.Context, s *State) Result {
	if r, ok := s.needs("traffic-split"); !ok {
		return r
	}
	if len(s.traffic) == 0 {
		return skipped("no traffic measured")
	}
	ev := map[string]any{}
	r := Result{Status: Pass, Evidence: ev}
	var parts []string
	hosts := make([]string, 0, len(s.traffic))
	for h := range s.traffic {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		wc := s.traffic[h]
		vers := make([]string, 0, len(wc.ByVersion))
		for v := range wc.ByVersion {
			vers = append(vers, v)
		}
		sort.Strings(vers)
		for _, v := range vers {
			c := wc.ByVersion[v]
			if c.Requests == 0 {
				continue
			}
			line := fmt.Sprintf("%s %s: %.2f%% errors (%d/%d)", shortHost(h), v, c.ErrorRate()*100, c.Errors, c.Requests)
			e := map[string]any{"requests": c.Requests, "errors": c.Errors, "errorRate": c.ErrorRate()}
			if p50 := 1000 * stats.HistogramQuantile(0.5, c.Buckets); !math.IsNaN(p50) {
				p99 := 1000 * stats.HistogramQuantile(0.99, c.Buckets)
				line += fmt.Sprintf(", p50 %s p99 %s", ms(p50), ms(p99))
				e["p50Ms"], e["p99Ms"] = p50, p99
			}
			ev[shortHost(h)+"/"+v] = e
			parts = append(parts, line)
			if lo, _ := stats.Wilson(c.Errors, c.Requests, s.Z); lo > s.MaxErrorRate {
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s %s: error rate at least %.1f%% (%.0f%% confidence), limit %.1f%%",
					shortHost(h), v, lo*100, confidence(s.Z)*100, s.MaxErrorRate*100))
			}
		}
	}
	if len(parts) == 0 {
		return skipped("no requests in the window")
	}
	r.Summary = strings.Join(parts, "; ")
	r.Details = append(r.Details, "latency quantiles are interpolated inside histogram buckets: precise only to the bucket width")
	if r.Status == Fail {
		r.Cause = "a subset fails more requests than the error-rate limit allows"
		r.Fix = "look at that version's logs and traces; shift its weight back (gitshift shift) if it is the canary"
	}
	return r
}

// worse keeps the more serious status.
func worse(a, b Status) Status {
	rank := map[Status]int{Pass: 0, Skip: 0, Insufficient: 1, Fail: 2, Error: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func confidence(z float64) float64 { return math.Erf(z / math.Sqrt2) }

func pct(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) * 100 / float64(n)
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

func shortHost(h string) string {
	if name, ns, ok := meshServiceName(h); ok {
		return name + "." + ns
	}
	return h
}

func orName(name, version string) string {
	if name == "" {
		return version
	}
	return name
}
