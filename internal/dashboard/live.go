package dashboard

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/rollout/wire"
)

// Config says where Live finds the rollouts.
type Config struct {
	// Policies are CanaryPolicies read from files (their target at least).
	Policies []*policy.CanaryPolicy
	// Discover lists the CanaryPolicies in Cluster too (with their status),
	// those of Namespace only when it is set.
	Discover  bool
	Namespace string
	// Repo and Branch override the Applications' repository and revision.
	Repo, Branch string
	// GitEnv and GitTimeout are passed to git (credential helpers, limits).
	GitEnv     []string
	GitTimeout time.Duration
	// Cluster is where Argo CD, the Applications and the VirtualServices
	// are; nil: Git only (then Repo is needed).
	Cluster *kube.Client
	// Prometheus answers the charts' queries; nil: no traffic charts.
	Prometheus metrics.Querier
	Reporter   string // Istio reporter counted (default destination)
	// History is how many commits per repository are read (default 1000).
	History int
	// TTL is how long a read of Git, the cluster or Prometheus is reused
	// (default 2s): many viewers cost one fetch per TTL.
	TTL time.Duration
	// Recorder, when set, holds the engine's events of rollouts that run
	// in this process.
	Recorder *Recorder
	Logger   *slog.Logger
	Now      func() time.Time
}

// Live is the Source over Git, the cluster and Prometheus. It only reads:
// no commit, no refresh annotation, no write to the cluster.
type Live struct {
	cfg Config

	mu       sync.Mutex
	envs     map[string]*wire.Env // policy name → its opened repository
	logs     map[string]*cached   // repository+branch → commits
	traffic  map[string]*cached   // rollout → buckets
	verifies map[string]*cached   // application → report
	resolved map[string]*cached   // virtual service → resolved subsets
	policies *cached              // the policy list
	closed   bool
}

// NewLive returns a Live source; Close it when done.
func NewLive(cfg Config) *Live {
	if cfg.History <= 0 {
		cfg.History = 1000
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Reporter == "" {
		cfg.Reporter = "destination"
	}
	return &Live{cfg: cfg, envs: map[string]*wire.Env{}, logs: map[string]*cached{}, traffic: map[string]*cached{},
		verifies: map[string]*cached{}, resolved: map[string]*cached{}, policies: &cached{}}
}

// Close removes the history clones.
func (l *Live) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.envs {
		e.Close()
	}
	l.envs, l.closed = map[string]*wire.Env{}, true
}

// cached is one value read at most once per TTL; concurrent readers wait
// for the one read in flight.
type cached struct {
	mu  sync.Mutex
	at  time.Time
	key string
	val any
	err error
}

// get returns the value for key, reading it when older than ttl or read
// for another key.
func (c *cached) get(ttl time.Duration, now time.Time, key string, read func() (any, error)) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == key && !c.at.IsZero() && now.Sub(c.at) < ttl {
		return c.val, c.err
	}
	c.val, c.err = read()
	c.at, c.key = now, key
	return c.val, c.err
}

func (l *Live) entry(m map[string]*cached, key string) *cached {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := m[key]
	if c == nil {
		c = &cached{}
		m[key] = c
	}
	return c
}

// target is one policy the dashboard watches.
type target struct {
	name   string
	pol    *policy.CanaryPolicy
	status *api.Status // from the cluster, when discovered there
}

func (t target) vs() string { return t.pol.Spec.Target.VirtualService.String() }

// policyGVR is the CanaryPolicy resource.
var policyGVR = schema.GroupVersionResource{Group: api.GroupVersion.Group, Version: api.GroupVersion.Version, Resource: "canarypolicies"}

// targets returns the file policies and, with Discover, the cluster's.
func (l *Live) targets(ctx context.Context) ([]target, []string) {
	var out []target
	for _, p := range l.cfg.Policies {
		name := p.File
		if name == "" {
			name = p.Metadata.Namespace + "/" + p.Metadata.Name
		}
		out = append(out, target{name: name, pol: p})
	}
	if !l.cfg.Discover || l.cfg.Cluster == nil {
		return out, nil
	}
	v, err := l.policies.get(l.cfg.TTL, l.cfg.Now(), "", func() (any, error) { return l.listPolicies(ctx) })
	if err != nil {
		return out, []string{err.Error()}
	}
	return append(out, v.([]target)...), nil
}

func (l *Live) listPolicies(ctx context.Context) ([]target, error) {
	list, err := l.cfg.Cluster.Dynamic.Resource(policyGVR).Namespace(l.cfg.Namespace).List(ctx, metav1.ListOptions{})
	switch {
	case apierrors.IsNotFound(err), meta.IsNoMatchError(err):
		return nil, nil // no CRD: no policies in the cluster
	case err != nil:
		return nil, fmt.Errorf("listing CanaryPolicies: %w", l.cfg.Cluster.Classify(err))
	}
	var out []target
	for _, u := range list.Items {
		var cp api.CanaryPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cp); err != nil {
			return nil, fmt.Errorf("CanaryPolicy %s/%s: %w", u.GetNamespace(), u.GetName(), err)
		}
		p, err := cp.Policy()
		if err != nil {
			continue // invalid: the controller reports it on the policy
		}
		st := cp.Status
		out = append(out, target{name: cp.Namespace + "/" + cp.Name, pol: p, status: &st})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// env opens (once) the policy's repository.
func (l *Live) env(ctx context.Context, t target) (*wire.Env, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.envs[t.name]; e != nil {
		return e, nil
	}
	if l.closed {
		return nil, fmt.Errorf("dashboard source closed")
	}
	e, err := wire.Open(ctx, wire.Config{Policy: t.pol, Logger: l.cfg.Logger,
		Git:     wire.Git{Repo: l.cfg.Repo, Branch: l.cfg.Branch, Env: l.cfg.GitEnv, Timeout: l.cfg.GitTimeout},
		Clients: wire.Clients{Cluster: l.cfg.Cluster}})
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", t.name, err)
	}
	l.envs[t.name] = e
	return e, nil
}

// history returns the newest commits of the policy's branch (shared by the
// policies of one repository and branch, reused for TTL).
func (l *Live) history(ctx context.Context, t target) (*wire.Env, []rollout.Commit, error) {
	e, err := l.env(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	key := e.Git.Repo + "\x00" + e.Git.Branch
	v, err := l.entry(l.logs, key).get(l.cfg.TTL, l.cfg.Now(), "", func() (any, error) { return e.Git.Log(ctx, l.cfg.History) })
	if err != nil {
		return e, nil, fmt.Errorf("policy %s: reading Git history: %w", t.name, err)
	}
	return e, v.([]rollout.Commit), nil
}

// Overview lists every rollout of every policy's VirtualService.
func (l *Live) Overview(ctx context.Context) (Overview, error) {
	ts, problems := l.targets(ctx)
	ov := Overview{Problems: problems}
	seenVS, seenApp := map[string]bool{}, map[AppRef]bool{}
	for _, t := range ts {
		app := AppRef{Namespace: t.pol.Spec.Target.ArgoCDNamespace, Name: t.pol.Spec.Target.Application}
		if !seenApp[app] {
			seenApp[app] = true
			ov.Apps = append(ov.Apps, app)
		}
		if seenVS[t.vs()] {
			continue // two policies of one VirtualService: one history
		}
		seenVS[t.vs()] = true
		_, commits, err := l.history(ctx, t)
		if err != nil {
			ov.Problems = append(ov.Problems, err.Error())
			continue
		}
		rows, err := Summaries(commits, t.vs(), func(s *Summary) { l.describe(s, t) })
		if err != nil {
			ov.Problems = append(ov.Problems, fmt.Sprintf("policy %s: %v", t.name, err))
		}
		ov.Rollouts = append(ov.Rollouts, rows...)
	}
	sort.SliceStable(ov.Rollouts, func(i, j int) bool { return ov.Rollouts[i].Updated.After(ov.Rollouts[j].Updated) })
	return ov, nil
}

// describe adds the policy's names and, for the rollout the controller
// runs, its phase.
func (l *Live) describe(s *Summary, t target) {
	s.Policy = t.name
	s.App = AppRef{Namespace: t.pol.Spec.Target.ArgoCDNamespace, Name: t.pol.Spec.Target.Application}
	s.Stable, s.Canary = t.pol.Spec.StableSubset, t.pol.Spec.CanarySubset
	if t.status != nil && t.status.RolloutID == s.ID && t.status.Phase != "" {
		s.Phase = t.status.Phase
	}
}

// Summaries derives every rollout of vs in commits (newest first), newest
// first; fill completes each row.
func Summaries(commits []rollout.Commit, vs string, fill func(*Summary)) ([]Summary, error) {
	var ids []string
	newest := map[string]int{} // id → index of its newest commit
	for i, c := range commits {
		id := c.Trailers[rollout.TrailerRollout]
		if _, seen := newest[id]; id != "" && c.Trailers[rollout.TrailerVirtualService] == vs && !seen {
			newest[id] = i
			ids = append(ids, id)
		}
	}
	out := make([]Summary, 0, len(ids))
	var firstErr error
	for _, id := range ids {
		// From the rollout's newest commit on: the newer ones are other
		// rollouts', and Derive would collect them all as foreign commits
		// (quadratic in the history's length for a hundred rollouts).
		st, err := rollout.Derive(commits[newest[id]:], vs, id)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("rollout %s: %w", id, err)
			}
			continue
		}
		s := summary(st)
		if fill != nil {
			fill(&s)
		}
		out = append(out, s)
	}
	return out, firstErr
}

func summary(st rollout.State) Summary {
	s := Summary{Key: Key{VirtualService: st.VirtualService, ID: st.ID}, Phase: HistoryPhase(st), Step: st.Step, Steps: st.Steps, Weights: st.Weights}
	if n := len(st.Timeline); n > 0 {
		s.Started, s.Updated = st.Timeline[0].Time, st.Timeline[n-1].Time
	}
	return s
}
