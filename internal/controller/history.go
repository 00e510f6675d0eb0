package controller

import (
	"context"
	"sync"

	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/rollout/wire"
)

// histories shares one history clone per repository (branch and
// credentials) among the idle policies' Git reads: a thousand policies in
// one repository cost one clone and a fetch per read, not a thousand
// clones. A read that fails drops the shared clone (a rotated Secret, a
// moved branch), and the next read makes a new one.
type histories struct {
	open func(ctx context.Context, p *policy.CanaryPolicy) (*wire.Env, error)

	mu sync.Mutex
	m  map[string]*history
}

type history struct {
	mu  sync.Mutex // Log and Close of the one clone
	env *wire.Env
}

// state derives p's newest rollout from the shared history of its repository.
func (h *histories) state(ctx context.Context, p *policy.CanaryPolicy) (rollout.State, error) {
	env, err := h.open(ctx, p)
	if err != nil {
		return rollout.State{}, err
	}
	key := env.Git.Repo + "\x00" + env.Git.Branch + "\x00" + secretKey(p)
	h.mu.Lock()
	if h.m == nil {
		h.m = map[string]*history{}
	}
	e := h.m[key]
	if e == nil {
		e = &history{env: env}
		h.m[key] = e
		env = nil
	}
	h.mu.Unlock()
	if env != nil {
		env.Close() // the shared one serves
	}
	e.mu.Lock()
	commits, err := e.env.Git.Log(ctx, wire.HistoryDepth)
	e.mu.Unlock()
	if err != nil {
		h.drop(key, e)
		return rollout.State{}, err
	}
	return rollout.Derive(commits, p.Spec.Target.VirtualService.String(), "")
}

func (h *histories) drop(key string, e *history) {
	h.mu.Lock()
	if h.m[key] == e {
		delete(h.m, key)
	}
	h.mu.Unlock()
	e.mu.Lock()
	e.env.Close()
	e.mu.Unlock()
}

// close removes every shared clone.
func (h *histories) close() {
	h.mu.Lock()
	all := h.m
	h.m = nil
	h.mu.Unlock()
	for _, e := range all {
		e.mu.Lock()
		e.env.Close()
		e.mu.Unlock()
	}
}

// clones is the number of shared clones.
func (h *histories) clones() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}

func secretKey(p *policy.CanaryPolicy) string {
	if r := p.Spec.Git.SecretRef; r != nil {
		return p.Metadata.Namespace + "/" + r.Name
	}
	return ""
}
