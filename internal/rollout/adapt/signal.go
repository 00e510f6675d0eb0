package adapt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Signal pushes an empty commit carrying trailers (pause, resume, promote,
// abort, or a step whose weights Git already had). An empty commit changes
// no file, so after a lost race it is simply made again on the new head;
// the push never forces.
func (g *Git) Signal(ctx context.Context, message string, trailers []rollout.Trailer) (rollout.ShiftResult, error) {
	tmp, err := os.MkdirTemp("", "gitshift-signal-")
	if err != nil {
		return rollout.ShiftResult{}, err
	}
	defer os.RemoveAll(tmp)
	repo, err := gitrepo.Clone(ctx, g.Repo, filepath.Join(tmp, "repo"), gitrepo.CloneOptions{Branch: g.Branch, Depth: 1, Env: g.GitEnv})
	if err != nil {
		return rollout.ShiftResult{}, classifyPush(err)
	}
	branch := g.branch(ctx, repo)
	attempts := g.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	msg := gitrepo.FormatMessage(message, toGit(trailers))
	for attempt := 1; attempt <= attempts; attempt++ {
		if err := g.emptyCommit(ctx, repo.Dir, msg); err != nil {
			return rollout.ShiftResult{}, err
		}
		err := repo.Push(ctx, "origin", branch)
		if err == nil {
			sha, err := repo.Head(ctx)
			return rollout.ShiftResult{SHA: sha, PushedAt: time.Now()}, err
		}
		var rej *gitrepo.RejectedError
		if !errors.As(err, &rej) {
			return rollout.ShiftResult{}, classifyPush(err)
		}
		head, ferr := repo.Fetch(ctx, "origin", branch)
		if ferr != nil {
			return rollout.ShiftResult{}, classifyPush(ferr)
		}
		if err := repo.ResetHard(ctx, head); err != nil {
			return rollout.ShiftResult{}, err
		}
		select {
		case <-ctx.Done():
			return rollout.ShiftResult{}, ctx.Err()
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return rollout.ShiftResult{}, fmt.Errorf("%w: %w", rollout.ErrPushExhausted, &gitrepo.BusyError{Branch: branch, Attempts: attempts})
}

// emptyCommit runs git commit --allow-empty (gitrepo.Commit commits paths
// only, by design). Identity and signing follow gitrepo's rules.
func (g *Git) emptyCommit(ctx context.Context, dir, msg string) error {
	args := []string{"commit", "--quiet", "--allow-empty", "--cleanup=whitespace", "-F", "-"}
	if g.Sign {
		args = append(args, "-S")
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(msg)
	cmd.Env = append(os.Environ(), g.GitEnv...)
	id := g.Author
	if id == nil {
		if out, err := exec.CommandContext(ctx, "git", "-C", dir, "var", "GIT_AUTHOR_IDENT").CombinedOutput(); err != nil || len(out) == 0 {
			id = &gitrepo.Signature{Name: "gitshift", Email: "gitshift@localhost"}
		}
	}
	if id != nil {
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME="+id.Name, "GIT_AUTHOR_EMAIL="+id.Email,
			"GIT_COMMITTER_NAME="+id.Name, "GIT_COMMITTER_EMAIL="+id.Email)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git commit --allow-empty: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
