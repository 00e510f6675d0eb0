package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// RejectedError is a push the remote refused. Whether to retry depends on
// whether the branch moved (see CommitAndPush), not on git's wording.
type RejectedError struct {
	Ref    string
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("push to %s rejected: %s", e.Ref, e.Reason)
}

// ConflictError means the remote changed what the edit depends on (e.g. the
// same weights) after gitshift read it. Nothing was pushed.
type ConflictError struct {
	Branch string
	Base   string // the commit the edit started from
	Head   string // the remote head that changed it
	Was    string // the guarded state at Base
	Now    string // the guarded state at Head
}

func (e *ConflictError) Error() string {
	if e.Base == e.Head {
		return fmt.Sprintf("conflict: %s has %s where %s was expected; nothing pushed", e.Branch, e.Now, e.Was)
	}
	return fmt.Sprintf("conflict: %s moved from %.12s to %.12s and changed the same thing (was %s, now %s); nothing pushed — re-run to shift from the new state",
		e.Branch, e.Base, e.Head, e.Was, e.Now)
}

// ErrorKind: someone else changed the same thing; nothing was overwritten.
func (e *ConflictError) ErrorKind() errkind.Kind { return errkind.Conflict }

// BusyError means the branch kept moving and every attempt lost the race.
type BusyError struct {
	Branch   string
	Attempts int
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("gave up after %d attempts: %s kept moving; nothing pushed", e.Attempts, e.Branch)
}

// ErrorKind: others kept pushing to the branch.
func (e *BusyError) ErrorKind() errkind.Kind { return errkind.Conflict }

// Push pushes HEAD to refs/heads/branch on remote. It never forces: a remote
// that moved rejects the push, and the caller decides what to do.
func (r *Repo) Push(ctx context.Context, remote, branch string) error {
	ref := "refs/heads/" + branch
	out, err := r.network(ctx, "push", "push", "--porcelain", "--quiet", remote, "HEAD:"+ref)
	if err == nil {
		return nil
	}
	var timeout *TimeoutError
	if ctx.Err() != nil || errors.As(err, &timeout) {
		// git may have sent the pack and the update before it was
		// stopped: only the remote knows whether the branch moved.
		head, _ := r.Head(context.WithoutCancel(ctx))
		cause := error(timeout)
		if timeout == nil {
			cause = ctx.Err()
		}
		return &PushUnknownError{URL: r.remoteDescription(ctx, remote), Branch: branch, Commit: head, Err: cause}
	}
	// --porcelain prints "!<TAB>HEAD:refs/heads/x<TAB>[rejected] (fetch first)".
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "!\t") {
			f := strings.SplitN(line, "\t", 3)
			reason := ""
			if len(f) == 3 {
				reason = f[2]
			}
			return &RejectedError{Ref: ref, Reason: reason}
		}
	}
	return &RemoteError{URL: r.remoteDescription(ctx, remote), Err: err}
}

// Change is what a Mutation did to the working tree.
type Change struct {
	// Guard is the state the change depends on, as read at the base (e.g.
	// "v1=90,v3=10"). If a later base reads differently, the remote changed
	// the same thing: ConflictError.
	Guard    string
	Paths    []string // repo-relative paths written; empty means nothing to do
	Empty    bool     // commit even with no paths (a control commit of trailers only)
	Message  string
	Trailers []Trailer
}

// Mutation applies a change to the working tree at the current HEAD. It is
// called again after every lost race, on the new head: the edit is
// re-applied to fresh content, never rebased textually.
type Mutation func(ctx context.Context, attempt int) (*Change, error)

// PushOptions configure CommitAndPush.
type PushOptions struct {
	Remote      string // default "origin"
	Branch      string // remote branch to update
	Commit      CommitOptions
	NoPush      bool          // commit locally only
	MaxAttempts int           // default 8
	Backoff     time.Duration // first retry delay, doubled each time; default 200ms
	MaxBackoff  time.Duration // default 5s
}

// PushResult reports a CommitAndPush.
type PushResult struct {
	Commit   string `json:"commit,omitempty"`
	Base     string `json:"base"`
	Attempts int    `json:"attempts"`
	Pushed   bool   `json:"pushed"`
	// AlreadyAt is the remote head that already held the change when a
	// concurrent writer made it first (nothing committed, no error).
	AlreadyAt string  `json:"alreadyAt,omitempty"`
	Change    *Change `json:"-"`
}

// CommitAndPush runs mutate, commits, and pushes, as a compare-and-swap loop:
// when the push is rejected because the branch moved, it fetches, resets to
// the new head, runs mutate again, and retries with exponential backoff. If
// the guarded state differs from the first attempt's, it stops with
// ConflictError. It never force-pushes and never rewrites published history:
// every foreign commit stays an ancestor of what it pushes.
func (r *Repo) CommitAndPush(ctx context.Context, o PushOptions, mutate Mutation) (*PushResult, error) {
	if o.Remote == "" {
		o.Remote = "origin"
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	base, err := r.Head(ctx)
	if err != nil {
		return nil, err
	}
	res := &PushResult{Base: base}
	var guard string
	for attempt := 1; attempt <= o.MaxAttempts; attempt++ {
		res.Attempts = attempt
		ch, err := mutate(ctx, attempt)
		if err != nil {
			_ = r.ResetHard(context.WithoutCancel(ctx), base) // drop partial writes
			return res, err
		}
		if attempt == 1 {
			guard = ch.Guard
		} else if ch.Guard != guard {
			if len(ch.Paths) == 0 && !ch.Empty {
				// A concurrent writer made the very change asked for: the
				// remote already holds it, which is success, not a conflict.
				res.AlreadyAt = base
				return res, nil
			}
			_ = r.ResetHard(context.WithoutCancel(ctx), base)
			return res, &ConflictError{Branch: o.Branch, Base: res.Base, Head: base, Was: guard, Now: ch.Guard}
		}
		res.Change = ch
		if len(ch.Paths) == 0 && !ch.Empty {
			return res, nil // already as asked
		}
		co := o.Commit
		co.Message, co.Trailers, co.AllowEmpty = ch.Message, ch.Trailers, ch.Empty
		if res.Commit, err = r.Commit(ctx, ch.Paths, co); err != nil {
			return res, fmt.Errorf("committing: %w", err)
		}
		if o.NoPush {
			return res, nil
		}
		err = r.Push(ctx, o.Remote, o.Branch)
		if err == nil {
			res.Pushed = true
			return res, nil
		}
		var rej *RejectedError
		if !errors.As(err, &rej) {
			return res, err
		}
		head, ferr := r.Fetch(ctx, o.Remote, o.Branch)
		if ferr != nil {
			return res, ferr
		}
		if head == base {
			// The branch did not move: a hook or protection refused us, and
			// retrying would only be refused again.
			return res, err
		}
		r.logger().Info("push lost the race; re-applying on the new head", "attempt", attempt, "base", short(base), "head", short(head), "reason", rej.Reason)
		if err := sleep(ctx, backoff(o.Backoff, o.MaxBackoff, attempt)); err != nil {
			return res, err
		}
		if err := r.ResetHard(ctx, head); err != nil {
			return res, err
		}
		base, res.Commit = head, ""
	}
	return res, &BusyError{Branch: o.Branch, Attempts: o.MaxAttempts}
}

// backoff doubles per attempt with ±50% jitter, so concurrent writers spread out.
func backoff(first, limit time.Duration, attempt int) time.Duration {
	d := first << (attempt - 1)
	if d > limit || d <= 0 {
		d = limit
	}
	return d/2 + rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
