package adapt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/shift"
	"github.com/gitshift/gitshift/internal/source"
)

// Git is the rollout's Git: shifts through internal/shift (render, minimal
// edit, check, CAS push), signal commits, and history from a private clone.
type Git struct {
	Repo           string // URL or path of the remote
	Branch         string // "" = the remote's default branch
	App            string
	VirtualService string // namespace/name
	Route          string
	ValuesKey      string
	// Stable and Canary are the policy's subsets; reading and shifting
	// weights need neither (kept for callers that describe the target).
	Stable, Canary string
	Author         *gitrepo.Signature
	Sign           bool
	// AllowShared names the other Applications that render the edited
	// files too (see shift.Request.AllowShared); a step that would change
	// others is refused.
	AllowShared []string
	// GitTimeout bounds each clone, fetch and push (0: gitrepo.DefaultTimeout).
	GitTimeout  time.Duration
	GitEnv      []string
	Source      source.Options
	MaxAttempts int
	Logger      *slog.Logger

	mu      sync.Mutex
	history *gitrepo.Repo
	tmp     string
}

var (
	_ rollout.Shifter  = (*Git)(nil)
	_ rollout.Signaler = (*Git)(nil)
	_ rollout.History  = (*Git)(nil)
)

// Close removes the private clone.
func (g *Git) Close() {
	if g.tmp != "" {
		os.RemoveAll(g.tmp)
	}
}

// request is a shift of the rollout's target. A destination for the canary
// may be added: the policy names the canary subset explicitly (and the
// rollout checked it against the DestinationRule).
func (g *Git) request() shift.Request {
	return shift.Request{Repo: g.Repo, Branch: g.Branch, App: g.App, VirtualService: g.VirtualService, Route: g.Route,
		ValuesKey: g.ValuesKey, Author: g.Author, Sign: g.Sign, Source: g.Source, MaxAttempts: g.MaxAttempts,
		AddDestinations: true, AllowShared: g.AllowShared, GitTimeout: g.GitTimeout, GitEnv: g.GitEnv, Logger: g.Logger}
}

// Shift commits the weights with the rollout's trailers. When Git already
// has them (a person shifted by hand, or a resumed step), it still makes an
// empty commit with the trailers: the commit is the rollout's durable record.
func (g *Git) Shift(ctx context.Context, req rollout.ShiftRequest) (rollout.ShiftResult, error) {
	sr := g.request()
	sr.Weights, sr.Message, sr.Trailers = toEdit(req.Weights), req.Message, toGit(req.Trailers)
	if req.Expect != nil {
		// Checked inside shift's compare-and-swap loop, on every attempt's
		// fresh head: a person's change is never overwritten.
		sr.Expect = toEdit(req.Expect)
	}
	sr.Header, sr.Mirror = g.routeChange(req.Routing)
	sr.ExpectRouting = req.ExpectRouting
	res, err := shift.Run(ctx, sr)
	if err != nil {
		return rollout.ShiftResult{}, classifyPush(err)
	}
	if res.Unchanged || res.Commit == "" {
		return g.Signal(ctx, req.Message, req.Trailers)
	}
	return rollout.ShiftResult{SHA: res.Commit, PushedAt: time.Now()}, nil
}

// Signal pushes an empty commit carrying trailers (pause, resume, promote,
// abort, or a step whose weights Git already had), with shift's push safety.
func (g *Git) Signal(ctx context.Context, message string, trailers []rollout.Trailer) (rollout.ShiftResult, error) {
	res, err := shift.Signal(ctx, shift.SignalRequest{Repo: g.Repo, Branch: g.Branch, Message: message, Trailers: toGit(trailers),
		Author: g.Author, Sign: g.Sign, MaxAttempts: g.MaxAttempts, GitTimeout: g.GitTimeout, GitEnv: g.GitEnv, Logger: g.Logger})
	if err != nil {
		return rollout.ShiftResult{}, classifyPush(err)
	}
	if !res.Pushed {
		return rollout.ShiftResult{}, fmt.Errorf("%w: signal commit not pushed", rollout.ErrPushExhausted)
	}
	return rollout.ShiftResult{SHA: res.Commit, PushedAt: time.Now()}, nil
}

// classifyPush maps shift's errors onto the engine's sentinels.
func classifyPush(err error) error {
	var conflict *gitrepo.ConflictError
	var busy *gitrepo.BusyError
	var rejected *gitrepo.RejectedError
	var remote *gitrepo.RemoteError
	var unknown *gitrepo.PushUnknownError
	switch {
	case errors.As(err, &conflict):
		return fmt.Errorf("%w: %w", rollout.ErrConflict, err)
	case errors.As(err, &busy), errors.As(err, &rejected):
		return fmt.Errorf("%w: %w", rollout.ErrPushExhausted, err)
	case errors.As(err, &remote), errors.As(err, &unknown):
		return fmt.Errorf("%w: %w", rollout.ErrUnavailable, err)
	}
	return err
}

// Weights returns the weights Git renders at the branch head (shift's dry
// run reads them exactly as a shift would). Only the head is supported.
func (g *Git) Weights(ctx context.Context, rev string) (map[string]int32, error) {
	if rev != "" {
		return nil, fmt.Errorf("reading weights at %s: only the branch head is supported", rev)
	}
	cur, err := shift.Current(ctx, g.request())
	if err != nil {
		return nil, classifyPush(err)
	}
	out := map[string]int32{}
	for _, w := range cur {
		out[w.Subset] = int32(w.Weight)
	}
	return out, nil
}

// Log fetches and returns up to n commits of the branch, newest first.
func (g *Git) Log(ctx context.Context, n int) ([]rollout.Commit, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	repo, err := g.clone(ctx)
	if err != nil {
		return nil, err
	}
	head, err := repo.Fetch(ctx, "origin", g.branch(ctx, repo))
	if err != nil {
		return nil, classifyPush(err)
	}
	cs, err := repo.Log(ctx, head, n)
	if err != nil {
		return nil, err
	}
	out := make([]rollout.Commit, len(cs))
	for i, c := range cs {
		tr := map[string]string{}
		for _, t := range c.Trailers { // the last value wins, as git reads trailers
			tr[canonicalKey(t.Key)] = t.Value
		}
		out[i] = rollout.Commit{SHA: c.SHA, Author: c.Author, Time: c.Time, Subject: c.Subject, Trailers: tr}
	}
	return out, nil
}

// Contains reports whether rev (a commit Argo CD compared) includes sha:
// sha is rev or an ancestor of it on the fetched branch. A rev Git does
// not know (another branch, a force-pushed history) is not a descendant.
func (g *Git) Contains(ctx context.Context, rev, sha string) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	repo, err := g.clone(ctx)
	if err != nil {
		return false, err
	}
	if _, err := repo.Fetch(ctx, "origin", g.branch(ctx, repo)); err != nil {
		return false, classifyPush(err)
	}
	return repo.IsAncestor(ctx, sha, rev)
}

// clone makes the private history clone once (full history: Derive needs
// the rollout's commits, not only the head).
func (g *Git) clone(ctx context.Context) (*gitrepo.Repo, error) {
	if g.history != nil {
		return g.history, nil
	}
	tmp, err := os.MkdirTemp("", "gitshift-rollout-")
	if err != nil {
		return nil, err
	}
	repo, err := gitrepo.Clone(ctx, g.Repo, filepath.Join(tmp, "repo"), gitrepo.CloneOptions{Branch: g.Branch, Env: g.GitEnv, Timeout: g.GitTimeout, BranchOnly: true})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, classifyPush(err)
	}
	g.history, g.tmp = repo, tmp
	return repo, nil
}

func (g *Git) branch(ctx context.Context, repo *gitrepo.Repo) string {
	if g.Branch != "" {
		return g.Branch
	}
	if b, err := repo.CurrentBranch(ctx); err == nil && b != "" {
		g.Branch = b
	}
	return g.Branch
}

// knownKeys spells gitshift's trailer keys the engine's way: git compares
// keys case-insensitively, and people type gitshift-signal too.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{rollout.TrailerAction, rollout.TrailerRollout, rollout.TrailerVirtualService, rollout.TrailerStep,
		rollout.TrailerWeights, rollout.TrailerDecision, rollout.TrailerReason, rollout.TrailerSignal, rollout.TrailerTrigger} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

func canonicalKey(k string) string {
	if c, ok := knownKeys[strings.ToLower(k)]; ok {
		return c
	}
	return k
}

func toEdit(w map[string]int32) edit.Weights {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(edit.Weights, 0, len(keys))
	for _, k := range keys {
		out = append(out, edit.Weight{Subset: k, Weight: int(w[k])})
	}
	return out
}

func toGit(tr []rollout.Trailer) []gitrepo.Trailer {
	out := make([]gitrepo.Trailer, len(tr))
	for i, t := range tr {
		out[i] = gitrepo.Trailer{Key: t.Key, Value: t.Value}
	}
	return out
}
