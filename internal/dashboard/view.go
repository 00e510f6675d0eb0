package dashboard

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/dashboard/chart"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/stats"
)

// page is what every page's layout needs.
type page struct {
	Base    string // the mount prefix, "" at the root
	Title   string
	Stream  string // the SSE URL that updates <main>
	Updated string
}

type rowView struct {
	Href, App, VS, ID, Stable, Canary string
	Phase, PhaseClass, Step           string
	Weights                           string
	Started, Age                      string
}

type appView struct{ Namespace, Name, Href, Argo string }

type overviewView struct {
	page
	Rows           []rowView
	Apps           []appView
	Problems       []string
	Running, Total int
}

func (h *handler) overviewView(ov Overview, now time.Time) overviewView {
	v := overviewView{Total: len(ov.Rollouts)}
	for _, s := range ov.Rollouts {
		if s.Running() {
			v.Running++
		}
		v.Rows = append(v.Rows, rowView{Href: h.rolloutPath(s.Key), App: s.App.Namespace + "/" + s.App.Name, VS: s.VirtualService, ID: s.ID,
			Stable: s.Stable, Canary: s.Canary, Phase: s.Phase, PhaseClass: phaseClass(s.Phase), Step: stepText(s.Step, s.Steps),
			Weights: rollout.FormatWeights(s.Weights), Started: s.Started.In(h.loc).Format("2006-01-02 15:04"), Age: age(now.Sub(s.Started))})
	}
	for _, a := range ov.Apps {
		v.Apps = append(v.Apps, appView{Namespace: a.Namespace, Name: a.Name, Href: h.appPath(a), Argo: h.links.ArgoApp(a)})
	}
	for _, p := range ov.Problems {
		v.Problems = append(v.Problems, redact.Text(p))
	}
	return v
}

func phaseClass(p string) string {
	switch p {
	case PhasePromoted:
		return "ok"
	case PhaseRolledBack, "Aborted", "Failed":
		return "bad"
	case PhasePaused, "Waiting", "AwaitingGate":
		return "hold"
	}
	return "run"
}

func stepText(i, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", i, n)
}

// age is a short human duration: 45s, 12m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

type commitView struct {
	Time, SHA, Short, Href, Author, What, Step, Weights string
	PushToLive, Decision, Reason, Argo, Diff            string
	Weight                                              bool
}

type stepView struct {
	Step, Weight, From, To                     string
	Canary, Stable, CanaryErrors, StableErrors int64
	Share, CanaryRate, StableRate              string
	Consistent                                 string // ✓ when the weight is inside the interval
}

type kv struct{ K, V string }

type linkView struct{ Name, Href string }

type rolloutView struct {
	page
	Summary
	PhaseClass, StepText, Repo, Branch string
	GitWeights, LiveWeights, LiveError string
	LiveMatch                          string // "match", "differ" or ""
	Started, Duration                  string
	Charts                             []template.HTML
	TrafficError, TrafficQuery         string
	Commits                            []commitView
	Steps                              []stepView
	Thresholds                         []kv
	Decision                           []kv
	Tests                              []kv
	Links                              []linkView
}

func (h *handler) rolloutView(d Detail) rolloutView {
	v := rolloutView{Summary: d.Summary, PhaseClass: phaseClass(d.Phase), StepText: stepText(d.Step, d.Steps),
		Repo: redact.URL(d.Repo), Branch: d.Branch, GitWeights: rollout.FormatWeights(d.Weights),
		Started: d.Started.In(h.loc).Format("2006-01-02 15:04:05"), TrafficError: redact.Text(d.TrafficError), TrafficQuery: d.TrafficQuery}
	end := d.Updated
	if d.Running() {
		end = d.Now
	}
	v.Duration = end.Sub(d.Started).Round(time.Second).String()
	switch {
	case d.Live != nil && rollout.EqualWeights(d.Live, d.Weights):
		v.LiveWeights, v.LiveMatch = rollout.FormatWeights(d.Live), "match"
	case d.Live != nil:
		v.LiveWeights, v.LiveMatch = rollout.FormatWeights(d.Live), "differ"
	default:
		v.LiveError = redact.Text(d.LiveError)
	}
	from, to := Span(d.State, d.Now)
	x0, x1 := chart.Unix(from), chart.Unix(to)
	v.Charts = []template.HTML{splitChart(d, x0, x1, h.loc).HTML(), errorChart(d, x0, x1, h.loc).HTML(), latencyChart(d, x0, x1, h.loc).HTML()}
	v.Commits = h.commits(d)
	v.Steps = h.steps(d)
	v.Thresholds = thresholds(d)
	v.Decision, v.Tests = decision(d)
	v.Links = h.rolloutLinks(d, to.Sub(from))
	return v
}

// commits is the timeline, newest first, with links and push→live.
func (h *handler) commits(d Detail) []commitView {
	live := pushToLive(d)
	tl := d.State.Timeline
	out := make([]commitView, 0, len(tl))
	prev := ""
	for _, e := range tl {
		what := e.Action
		if e.Signal != "" {
			what = string(e.Signal)
		}
		c := commitView{Time: e.Time.In(h.loc).Format("15:04:05"), SHA: e.SHA, Short: short(e.SHA), Href: CommitURL(d.Repo, e.SHA),
			Author: e.Author, What: what, Step: e.Step, Weights: rollout.FormatWeights(e.Weights), Decision: string(e.Decision),
			Reason: redact.Text(e.Reason), Weight: e.Weights != nil && e.Action != rollout.ActionControl, PushToLive: live[e.SHA]}
		if prev != "" {
			c.Diff = CompareURL(d.Repo, prev, e.SHA)
		}
		if idx, ok := deploymentIndex(d, e.SHA); ok {
			c.Argo = h.links.ArgoHistory(d.App, idx)
		}
		prev = e.SHA
		out = append(out, c)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// deploymentIndex is the position of sha's sync in Argo CD's history
// panel (newest first).
func deploymentIndex(d Detail, sha string) (int, bool) {
	for i := len(d.Deployments) - 1; i >= 0; i-- {
		if d.Deployments[i].Revision == sha {
			return len(d.Deployments) - 1 - i, true
		}
	}
	return 0, false
}

// pushToLive per weight commit: from the engine's events when recorded
// here (the push to the weights verified live), else from Argo CD's
// history (the commit time to the sync of that commit, to the second).
func pushToLive(d Detail) map[string]string {
	out := map[string]string{}
	if len(d.Events) > 0 {
		for _, s := range rollout.StepSummaries(d.Events, d.Canary, d.Now, rollout.Phase(0)) {
			if s.PushToLive() > 0 {
				out[s.SHA] = s.PushToLive().Round(100 * time.Millisecond).String()
			}
		}
	}
	for _, e := range weightCommits(d.State) {
		if _, ok := out[e.SHA]; ok {
			continue
		}
		for _, h := range d.Deployments {
			if h.Revision == e.SHA && !h.DeployedAt.Before(e.Time) {
				out[e.SHA] = "≈" + h.DeployedAt.Sub(e.Time).Round(time.Second).String()
				break
			}
		}
	}
	return out
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

// steps sums the traffic per weight step: the measured split with its 95%
// interval against the weight, and each arm's error rate. A step counts
// the buckets wholly between its weights going live (Argo CD's sync of its
// commit, else the commit) and the next commit: traffic still routed by
// the previous weights would make a correct split look inconsistent.
func (h *handler) steps(d Detail) []stepView {
	ws := weightCommits(d.State)
	live := map[string]time.Time{}
	for _, dep := range d.Deployments {
		if _, seen := live[dep.Revision]; !seen {
			live[dep.Revision] = dep.DeployedAt
		}
	}
	var out []stepView
	for i, e := range ws {
		end := d.Now
		if i+1 < len(ws) {
			end = ws[i+1].Time
		}
		from := e.Time
		if t, ok := live[e.SHA]; ok && t.After(from) && t.Before(end) {
			from = t
		}
		var c, s stats.Counts
		for _, w := range d.Traffic {
			if !w.Start.Before(from) && !w.End.After(end) {
				a := armsOf(w, d.Versions, d.Stable, d.Canary)
				c.Requests, c.Errors = c.Requests+a.canary.Requests, c.Errors+a.canary.Errors
				s.Requests, s.Errors = s.Requests+a.stable.Requests, s.Errors+a.stable.Errors
			}
		}
		weight := e.Weights[d.Canary]
		sv := stepView{Step: e.Step, Weight: fmt.Sprintf("%d%%", weight), From: from.In(h.loc).Format("15:04:05"), To: end.In(h.loc).Format("15:04:05"),
			Canary: c.Requests, Stable: s.Requests, CanaryErrors: c.Errors, StableErrors: s.Errors, Share: "–", CanaryRate: "–", StableRate: "–"}
		if e.Action == rollout.ActionRollback {
			sv.Step = "rollback"
		}
		if n := c.Requests + s.Requests; n > 0 {
			lo, hi := stats.Wilson(c.Requests, n, z95)
			sv.Share = fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*float64(c.Requests)/float64(n), 100*lo, 100*hi)
			sv.Consistent = "✗"
			if w := float64(weight) / 100; w >= lo && w <= hi {
				sv.Consistent = "✓"
			}
		}
		if c.Requests > 0 {
			sv.CanaryRate = fmt.Sprintf("%.2f%%", 100*c.ErrorRate())
		}
		if s.Requests > 0 {
			sv.StableRate = fmt.Sprintf("%.2f%%", 100*s.ErrorRate())
		}
		out = append(out, sv)
	}
	return out
}

// thresholds are the policy's analysis settings the judge decides by.
func thresholds(d Detail) []kv {
	a := d.Analysis
	on := func(b *bool) string {
		if b != nil && !*b {
			return "off"
		}
		return "on"
	}
	out := []kv{
		{"error-rate test", on(a.ErrorRate.Enabled) + fmt.Sprintf(" (codes %s)", orText(a.ErrorRate.Codes, "5.."))},
		{"latency test", on(a.Latency.Enabled)},
		{"α (false rollback bound)", fmt.Sprint(a.Alpha)},
		{"guard: max error rate", fmt.Sprintf("%g%% at α %g", 100*a.Guards.MaxErrorRate, a.Guards.Alpha)},
		{"guard: min requests per arm", fmt.Sprint(a.Guards.MinRequests)},
		{"look interval", a.Interval.String()},
	}
	if m := a.ErrorRate.Margin; m != nil {
		out = append(out, kv{"non-inferiority margin", fmt.Sprintf("%g%%", 100**m)})
	}
	if h := a.HoldBayesFactor; h != nil {
		hold := "off"
		if *h > 0 {
			hold = fmt.Sprintf("while a test's Bayes factor for a worse canary is above %g", *h)
		}
		out = append(out, kv{"hold a step", hold})
	}
	return out
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// decision is the judge's latest evidence: the controller's last decision,
// or the last analysis recorded in this process.
func decision(d Detail) (facts, tests []kv) {
	if dec := d.Decision; dec != nil {
		facts = append(facts, kv{"decision", dec.Decision + " at step " + dec.Step}, kv{"reason", redact.Text(dec.Reason)})
		if ev := dec.Evidence; ev != nil {
			facts = append(facts, kv{"canary", fmt.Sprintf("%d requests, %d errors (%.2f%%)", ev.CanaryRequests, ev.CanaryErrors, 100*ev.CanaryErrorRate)},
				kv{"baseline", fmt.Sprintf("%d requests, %d errors (%.2f%%)", ev.BaselineRequests, ev.BaselineErrors, 100*ev.BaselineErrorRate)},
				kv{"observed split", fmt.Sprintf("%.1f%%", 100*ev.ObservedSplit)})
			for _, t := range ev.Tests {
				tests = append(tests, kv{t.Name, testText(t.LogBayesFactor, t.Bound, t.Rejected)})
			}
		}
		return facts, tests
	}
	for i := len(d.Events) - 1; i >= 0; i-- {
		ev := d.Events[i]
		if ev.Type != rollout.EventAnalysis || ev.Analysis == nil {
			continue
		}
		r := ev.Analysis.Report
		facts = append(facts, kv{"last look", fmt.Sprintf("step %d/%d, %s into the step", ev.Step, ev.Steps, ev.InStep.Round(time.Second))},
			kv{"canary", fmt.Sprintf("%d requests, %d errors (%.2f%%)", r.CanaryRequests, r.CanaryErrors, 100*r.CanaryErrorRate)},
			kv{"baseline", fmt.Sprintf("%d requests, %d errors (%.2f%%)", r.BaselineRequests, r.BaselineErrors, 100*r.BaselineErrorRate)},
			kv{"observed split", fmt.Sprintf("%.1f%% [%.1f, %.1f] at weight %d%%", 100*r.ObservedSplit, 100*r.SplitLow, 100*r.SplitHigh, r.Weight)})
		if l := r.Leaning; l != nil {
			facts = append(facts, kv{"leaning", l.String()})
		}
		for _, t := range r.Tests {
			tests = append(tests, kv{t.Name, testText(t.Statistic, t.Bound, t.Rejected)})
		}
		return facts, tests
	}
	return nil, nil
}

func testText(logBF, bound float64, rejected bool) string {
	s := fmt.Sprintf("log BF %.2f of bound %.2f", logBF, bound)
	if rejected {
		s += ": rejected"
	}
	return s
}

func (h *handler) rolloutLinks(d Detail, span time.Duration) []linkView {
	var out []linkView
	add := func(name, href string) {
		if href != "" {
			out = append(out, linkView{name, href})
		}
	}
	add("Argo CD application", h.links.ArgoApp(d.App))
	add("Argo CD history", h.links.ArgoHistory(d.App, 0))
	ns, name, _ := strings.Cut(d.VirtualService, "/")
	add("Kiali graph", h.links.KialiGraph(ns))
	add("Jaeger traces", h.links.JaegerSearch(name+"."+ns))
	if d.TrafficQuery != "" {
		add("Prometheus", h.links.PrometheusGraph("sum by (destination_version) (rate("+d.TrafficQuery+"[1m]))", int(span.Seconds())))
	}
	add("verify checklist", h.appPath(d.App))
	return out
}

func (h *handler) rolloutPath(k Key) string {
	ns, name, _ := strings.Cut(k.VirtualService, "/")
	return h.base + "/rollouts/" + url.PathEscape(ns) + "/" + url.PathEscape(name) + "/" + url.PathEscape(k.ID)
}

func (h *handler) appPath(a AppRef) string {
	return h.base + "/apps/" + url.PathEscape(a.Namespace) + "/" + url.PathEscape(a.Name)
}
