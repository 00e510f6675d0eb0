package dashboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/verify"
)

// Rollout reads one rollout: its history, the live weights, Argo CD's
// syncs and the traffic over its time span.
func (l *Live) Rollout(ctx context.Context, k Key) (Detail, error) {
	ts, _ := l.targets(ctx)
	var t *target
	for i := range ts {
		if ts[i].vs() == k.VirtualService {
			t = &ts[i]
			break
		}
	}
	if t == nil {
		return Detail{}, fmt.Errorf("no policy for VirtualService %s: %w", k.VirtualService, ErrNotFound)
	}
	e, commits, err := l.history(ctx, *t)
	if err != nil {
		return Detail{}, err
	}
	st, err := rollout.Derive(commits, k.VirtualService, k.ID)
	if err != nil {
		return Detail{}, err
	}
	if !st.Found {
		return Detail{}, fmt.Errorf("rollout %s of %s in the last %d commits: %w", k.ID, k.VirtualService, len(commits), ErrNotFound)
	}
	d := Detail{Summary: summary(st), Repo: e.Git.Repo, Branch: e.Git.Branch, State: st, Now: l.cfg.Now(), Analysis: analysis(t.pol)}
	l.describe(&d.Summary, *t)
	if t.status != nil && t.status.RolloutID == k.ID {
		d.Decision = t.status.LastDecision
	}
	d.Events = l.cfg.Recorder.Events(k.ID)
	if kc := l.cfg.Cluster; kc != nil {
		tg := t.pol.Spec.Target
		w, err := adapt.Live{Client: kc, Namespace: tg.VirtualService.Namespace, Name: tg.VirtualService.Name, Route: tg.Route}.Weights(ctx)
		if err != nil {
			d.LiveError = err.Error()
		} else {
			d.Live = w
		}
		if app, err := (argocd.Reader{Client: kc.Dynamic, Classify: kc.Classify}).Get(ctx, tg.ArgoCDNamespace, tg.Application); err == nil {
			d.Deployments = app.Status.History
		}
	}
	l.readTraffic(ctx, *t, &d)
	return d, nil
}

// analysis is the policy's analysis with the defaults the engine uses.
func analysis(p *policy.CanaryPolicy) policy.Analysis {
	if c, err := policy.Complete(*p, policy.Overrides{}); err == nil {
		return c.Spec.Analysis
	}
	return p.Spec.Analysis
}

// Settle keeps the charts' right edge this far behind now: Prometheus
// stores a scrape under its start time a moment after it, and a bucket
// read before that would lack it.
const Settle = 5 * time.Second

// Span is the time the rollout's charts cover: from a minute before its
// first commit (the baseline before the canary had traffic) to a minute
// after its last one when it has ended, else to now less Settle.
func Span(st rollout.State, now time.Time) (from, to time.Time) {
	if len(st.Timeline) == 0 {
		return now, now
	}
	from = st.Timeline[0].Time.Add(-time.Minute)
	to = now.Add(-Settle)
	if st.Finished {
		if end := st.Timeline[len(st.Timeline)-1].Time.Add(time.Minute); end.Before(to) {
			to = end
		}
	}
	return from, to
}

// Edges cuts [from, to] into about 48 buckets of a whole number of 5 s,
// at least 10 s, aligned to multiples of the width so that a page reloaded
// later draws the same buckets; the last one ends at to.
func Edges(from, to time.Time) []time.Time {
	if !to.After(from) {
		return nil
	}
	w := max(10*time.Second, (to.Sub(from)/48+5*time.Second-1)/(5*time.Second)*(5*time.Second))
	var out []time.Time
	for t := from.Truncate(w); t.Before(to); t = t.Add(w) {
		out = append(out, t)
	}
	out = append(out, to.Truncate(time.Millisecond))
	if len(out) < 2 {
		return nil
	}
	return out
}

// readTraffic counts the requests per version over the rollout's span.
func (l *Live) readTraffic(ctx context.Context, t target, d *Detail) {
	if l.cfg.Prometheus == nil {
		d.TrafficError = "no Prometheus configured"
		return
	}
	tg := t.pol.Spec.Target
	host, versions := l.resolve(ctx, t)
	d.Versions = versions
	sel := metrics.Selector{DestinationService: host, Namespace: tg.VirtualService.Namespace, Reporter: l.cfg.Reporter,
		ErrorCodes: d.Analysis.ErrorRate.Codes}
	d.TrafficQuery = metrics.RequestsMetric + "{" + sel.Matchers() + "}"
	edges := Edges(Span(d.State, d.Now))
	if len(edges) < 2 {
		return
	}
	key := d.ID + "\x00" + edges[len(edges)-1].String()
	ttl := l.cfg.TTL
	if d.State.Finished {
		ttl = time.Hour // the span is over: its counts do not change
	}
	v, err := l.entry(l.traffic, d.VirtualService+"\x00"+d.ID).get(ttl, l.cfg.Now(), key, func() (any, error) {
		return metrics.Buckets(ctx, l.cfg.Prometheus, sel, edges)
	})
	if err != nil {
		d.TrafficError = err.Error()
		return
	}
	d.Traffic = v.([]metrics.WindowCounts)
}

// resolve returns the route's destination host and each subset's version
// label: from the live routing when a cluster is there (the rule the
// engine counts by), else the VirtualService's host and the subset names.
func (l *Live) resolve(ctx context.Context, t target) (string, map[string]string) {
	tg, s := t.pol.Spec.Target, t.pol.Spec
	fallback := func() (string, map[string]string) {
		return mesh.ResolveHost(tg.VirtualService.Name, tg.VirtualService.Namespace), map[string]string{s.StableSubset: s.StableSubset, s.CanarySubset: s.CanarySubset}
	}
	if l.cfg.Cluster == nil {
		return fallback()
	}
	v, err := l.entry(l.resolved, t.vs()).get(time.Minute, l.cfg.Now(), "", func() (any, error) {
		return adapt.ResolveTarget(ctx, l.cfg.Cluster, tg.VirtualService.Namespace, tg.VirtualService.Name, tg.Route, s.StableSubset, s.CanarySubset)
	})
	if err != nil {
		return fallback()
	}
	r := v.(adapt.Target)
	return r.Host, r.Versions
}

// Verify runs the verify checklist of the Application, read-only (no
// refresh annotation), reused for 30 s: it clones and renders.
func (l *Live) Verify(ctx context.Context, namespace, app string) (verify.Report, error) {
	kc := l.cfg.Cluster
	if kc == nil {
		return verify.Report{}, errors.New("verify needs the cluster: no kubeconfig")
	}
	v, err := l.entry(l.verifies, namespace+"/"+app).get(30*time.Second, l.cfg.Now(), "", func() (any, error) {
		git := &verify.GitCLI{Env: l.cfg.GitEnv}
		defer git.Close()
		deps := verify.Deps{Apps: argocd.Reader{Client: kc.Dynamic, Classify: kc.Classify}, Cluster: kc, Git: git, Metrics: l.cfg.Prometheus}
		return verify.Run(ctx, verify.Config{App: app, AppNamespace: namespace, Repo: l.cfg.Repo, Reporter: l.cfg.Reporter}, deps), nil
	})
	if err != nil {
		return verify.Report{}, err
	}
	return v.(verify.Report), nil
}
