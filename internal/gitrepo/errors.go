package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Error is a failed git command. Args and Stderr are already redacted.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// RemoteError means the remote could not be reached, refused access or did
// not answer in time: the caller could not do its job, which is different
// from invalid input.
type RemoteError struct {
	URL string // redacted
	Err error
}

func (e *RemoteError) Error() string {
	if errors.Is(e.Err, context.Canceled) {
		return fmt.Sprintf("talking to remote %s: interrupted: %v", orUnknown(e.URL), e.Err)
	}
	return fmt.Sprintf("remote %s unavailable: %v", orUnknown(e.URL), e.Err)
}

func (e *RemoteError) Unwrap() error { return e.Err }

// ErrorKind: the remote could not be asked.
func (e *RemoteError) ErrorKind() errkind.Kind { return errkind.Unavailable }

func orUnknown(url string) string {
	if url == "" {
		return "(URL unknown)"
	}
	return url
}

// TimeoutError is a step that talks to the remote and did not finish in
// time: typically a remote that accepts the connection and never answers.
type TimeoutError struct {
	Step  string // clone, fetch, push
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("git %s timed out after %s", e.Step, e.After)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// ErrorKind: the remote did not answer.
func (e *TimeoutError) ErrorKind() errkind.Kind { return errkind.Unavailable }

// PushUnknownError is a push that was interrupted (cancelled, or timed out)
// while git talked to the remote: the remote may or may not have the
// commit, and only asking it tells.
type PushUnknownError struct {
	URL    string // redacted
	Branch string
	Commit string
	Err    error
}

func (e *PushUnknownError) Error() string {
	return fmt.Sprintf("push of commit %s to %s on %s interrupted (%v): it may or may not have landed; check with `git ls-remote %s refs/heads/%s` (it landed if that prints %s)",
		short(e.Commit), e.Branch, orUnknown(e.URL), e.Err, orUnknown(e.URL), e.Branch, e.Commit)
}

func (e *PushUnknownError) Unwrap() error { return e.Err }

// ErrorKind: whether the push landed could not be checked.
func (e *PushUnknownError) ErrorKind() errkind.Kind { return errkind.Unavailable }
