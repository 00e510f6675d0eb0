package shift

import (
	"context"
	"log/slog"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/redact"
)

// SignalRequest asks for a commit that changes no file and carries only a
// message and trailers: the rollout engine's control commits (pause,
// resume, promote, abort), pushed with the same compare-and-swap safety as
// a shift.
type SignalRequest struct {
	Repo, Branch    string
	InPlace, NoPush bool
	Message         string
	Trailers        []gitrepo.Trailer
	Author          *gitrepo.Signature
	Sign            bool
	MaxAttempts     int
	Backoff         time.Duration
	GitTimeout      time.Duration // see Request.GitTimeout
	GitEnv          []string
	Logger          *slog.Logger
}

// Signal commits and pushes an empty commit with req's trailers.
func Signal(ctx context.Context, sr SignalRequest) (*Result, error) {
	log := sr.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := validateNoPush(sr.NoPush, sr.InPlace, false); err != nil {
		return nil, err
	}
	req := Request{Repo: sr.Repo, Branch: sr.Branch, InPlace: sr.InPlace, NoPush: sr.NoPush, GitEnv: sr.GitEnv, GitTimeout: sr.GitTimeout}
	ws, err := openWorkspace(ctx, &req, log)
	if err != nil {
		return nil, err
	}
	defer ws.close()
	res := &Result{Repo: redact.URL(sr.Repo), Branch: ws.branch}
	pr, err := ws.repo.CommitAndPush(ctx, gitrepo.PushOptions{
		Remote: ws.remote, Branch: ws.branch, NoPush: ws.noPush,
		Commit:      gitrepo.CommitOptions{Author: sr.Author, Sign: sr.Sign},
		MaxAttempts: sr.MaxAttempts, Backoff: sr.Backoff,
	}, func(context.Context, int) (*gitrepo.Change, error) {
		// A control commit depends on nothing in the tree: an empty guard
		// never conflicts, so a lost race simply retries on the new head.
		return &gitrepo.Change{Empty: true, Message: sr.Message, Trailers: sr.Trailers}, nil
	})
	if pr != nil {
		res.Attempts, res.Commit, res.Pushed = pr.Attempts, pr.Commit, pr.Pushed
	}
	return res, err
}
