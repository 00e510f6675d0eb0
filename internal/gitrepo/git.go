// Package gitrepo wraps the git CLI for gitshift: clone, fetch, commit with
// trailers (optionally signed), and push as a compare-and-swap loop that
// re-applies an edit to the new head on rejection and never force-pushes.
//
// It runs the git binary directly (never through a shell), with
// GIT_TERMINAL_PROMPT=0 so it cannot hang on a prompt. Credentials come only
// from git's own mechanisms (SSH agent/keys, credential helpers,
// GIT_ASKPASS); any user:password in a URL is redacted from every error and
// log line. It must not import client-go.
package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/redact"
)

// Repo is a git working tree driven through the git CLI.
type Repo struct {
	Dir string
	// Env is added to the environment of every git command (e.g.
	// GIT_CONFIG_COUNT/KEY/VALUE settings, GIT_SSH_COMMAND).
	Env    []string
	Logger *slog.Logger
}

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

// RemoteError means the remote could not be reached or refused access: the
// caller could not do its job, which is different from invalid input.
type RemoteError struct {
	URL string // redacted
	Err error
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("remote %s unavailable: %v", e.URL, e.Err)
}

func (e *RemoteError) Unwrap() error { return e.Err }

func (r *Repo) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// run executes git with args in r.Dir and returns trimmed stdout.
func (r *Repo) run(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	out, err := r.runRaw(ctx, stdin, args...)
	return strings.TrimRight(out, "\n"), err
}

func (r *Repo) runRaw(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=C", "GIT_EDITOR=true")
	cmd.Env = append(cmd.Env, r.Env...)
	cmd.Stdin = stdin
	cmd.WaitDelay = 5 * time.Second // do not hang on a child that keeps pipes open
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	red := redactArgs(args)
	r.logger().Debug("git", "args", strings.Join(red, " "), "dir", r.Dir, "took", time.Since(start).Round(time.Millisecond), "err", err)
	if err != nil {
		if ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return stdout.String(), &Error{Args: red, Stderr: redact.Text(stderr.String()), Err: err}
	}
	return stdout.String(), nil
}

func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact.Text(a)
	}
	return out
}
