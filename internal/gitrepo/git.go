// Package gitrepo wraps the git CLI for gitshift: clone, fetch, commit with
// trailers (optionally signed), and push as a compare-and-swap loop that
// re-applies an edit to the new head on rejection and never force-pushes.
//
// It runs the git binary directly (never through a shell), with
// GIT_TERMINAL_PROMPT=0 so it cannot hang on a prompt, and with a time
// limit on every step that talks to a remote. Credentials come from git's
// own mechanisms (SSH agent/keys, credential helpers, GIT_ASKPASS) or from
// the URL; those in a URL are kept in memory and never written into the
// clone (see auth), and every error and log line is redacted. It must not
// import client-go.
package gitrepo

import (
	"bytes"
	"context"
	"errors"
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
	// Timeout bounds each step that talks to the remote (clone, fetch,
	// push): 0 means DefaultTimeout, a negative value no limit.
	Timeout time.Duration
	// auth carries the credentials of the URL the clone came from.
	auth *auth
}

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
	return r.exec(ctx, stdin, nil, args...)
}

// exec runs git with config added for this command only (GIT_CONFIG_*).
func (r *Repo) exec(ctx context.Context, stdin io.Reader, config [][2]string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=C", "GIT_EDITOR=true")
	env = append(env, r.Env...)
	if r.auth != nil {
		config = append(append([][2]string(nil), config...), r.auth.config()...)
	}
	cmd.Env = withConfig(env, config)
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
		return stdout.String(), &Error{Args: red, Stderr: r.redact(stderr.String()), Err: err}
	}
	return stdout.String(), nil
}

// redact hides URL credentials in git's output, and the clone's own
// credentials in whatever form git echoes them.
func (r *Repo) redact(s string) string {
	s = redact.Text(s)
	if r.auth != nil {
		s = redact.Scrub(s, r.auth.secrets)
	}
	return s
}

func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact.Text(a)
	}
	return out
}
