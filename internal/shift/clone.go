package shift

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// Clone is a private clone of one repository's branch kept between shifts,
// so that a rollout's steps neither clone nor fetch each time. A commit
// (a shift or a signal) starts from the last head the clone pushed or
// fetched, with the tree reset to it and every untracked file removed:
// anything an earlier shift left (an edit, a commit that was never pushed)
// is dropped, as it is today with the temporary clone. Pushing is still
// the compare-and-swap of gitrepo.CommitAndPush, never forced: when the
// remote moved meanwhile the push is refused, and the loop fetches the new
// head and re-applies the edit there. When the commit cannot be made on
// that base (an error, or nothing to change) the shift fetches and tries
// again, so it reports what the remote's head says. Readers (a dry run,
// Current) always fetch first. Shifts through one Clone run one at a time.
// The zero value is ready; Close removes the clone.
type Clone struct {
	mu           sync.Mutex
	ws           *workspace
	repo, branch string // what ws is a clone of (the request's values)
}

// Close removes the kept clone; the next shift clones again.
func (c *Clone) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.discard()
}

func (c *Clone) discard() {
	if c.ws != nil {
		os.RemoveAll(c.ws.tmp)
		c.ws = nil
	}
}

// borrow returns the kept clone, reset to its last known remote head
// (fetched first when fetch is set; the workspace is then not stale), or
// a new clone it keeps; the workspace's close hands it back.
func (c *Clone) borrow(ctx context.Context, req *Request, log *slog.Logger, fetch bool) (*workspace, error) {
	c.mu.Lock()
	if c.ws != nil && (c.repo != req.Repo || c.branch != req.Branch) {
		c.discard()
	}
	stale := false
	if c.ws != nil {
		stale = !fetch
		if err := c.refresh(ctx, log, fetch); err != nil {
			// A clone left broken (an interrupted git, a remote that
			// rewrote history) is not repaired: clone afresh.
			log.Info("kept clone not reusable; cloning again", "err", err)
			c.discard()
		}
	}
	if c.ws == nil {
		ws, err := cloneWorkspace(ctx, req, log)
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		c.ws, c.repo, c.branch = ws, req.Repo, req.Branch
		stale = false
	}
	lent := *c.ws
	lent.tmp, lent.release, lent.stale = "", c.mu.Unlock, stale
	lent.fetch = func(ctx context.Context) error { return c.refresh(ctx, log, true) }
	return &lent, nil
}

// refresh moves the clone's branch and tree to the remote head (fetched
// when fetch is set, else the last one pushed or fetched: its
// remote-tracking branch, which a successful push moves too).
func (c *Clone) refresh(ctx context.Context, log *slog.Logger, fetch bool) error {
	r := c.ws.repo
	r.Logger = log
	// Without its own .git, git would look upwards and could reset and
	// clean another repository that contains the temporary directory.
	if fi, err := os.Stat(filepath.Join(r.Dir, ".git")); err != nil || !fi.IsDir() {
		return fmt.Errorf("kept clone %s: no .git directory", r.Dir)
	}
	head := "refs/remotes/" + c.ws.remote + "/" + c.ws.branch
	if fetch {
		var err error
		if head, err = r.Fetch(ctx, c.ws.remote, c.ws.branch); err != nil {
			return err
		}
	}
	if err := r.ResetHard(ctx, head); err != nil {
		return err
	}
	return r.Clean(ctx)
}
