package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/redact"
)

// CloneOptions configure Clone.
type CloneOptions struct {
	Branch string // "" = the remote's default branch
	// Depth > 0 makes a shallow clone. Safe for shift (it only needs the
	// tip); readers of history (rollout resume) want the full history.
	Depth int
	Env   []string
	// Timeout bounds the clone and every later fetch and push of the
	// returned Repo: 0 means DefaultTimeout, a negative value no limit.
	Timeout time.Duration
	// BranchOnly: Branch must name a branch of the remote (gitshift commits
	// there). A name the remote has no branch for, or a tag, is a
	// *BranchError listing the remote's branches.
	BranchOnly bool
}

// Clone clones url (a URL or a local path) into dir, which must not exist or
// be empty. The remote is named origin. Credentials in url are used by every
// command of the returned Repo and written nowhere: origin's URL in the
// clone's config is url without them.
func Clone(ctx context.Context, url, dir string, o CloneOptions) (*Repo, error) {
	a := newAuth(url)
	parent := &Repo{Dir: filepath.Dir(dir), Env: o.Env, Timeout: o.Timeout, auth: a}
	args := []string{"clone", "--quiet", "--no-tags", "--single-branch"}
	if o.Branch != "" {
		args = append(args, "--branch", o.Branch)
	}
	if o.Depth > 0 && isURL(url) {
		args = append(args, "--depth", strconv.Itoa(o.Depth))
	}
	src := url
	if a != nil {
		src = a.stored
	}
	// git runs in dir's parent: a relative local path must not be read
	// from there.
	if !isURL(url) && !filepath.IsAbs(url) {
		if _, err := os.Stat(url); err == nil {
			if abs, err := filepath.Abs(url); err == nil {
				src = abs
			}
		}
	}
	args = append(args, "--", src, dir)
	if _, err := parent.network(ctx, "clone", args...); err != nil {
		return nil, o.branchProblem(ctx, url, &RemoteError{URL: redact.URL(url), Err: err})
	}
	r := &Repo{Dir: dir, Env: o.Env, Timeout: o.Timeout, auth: a}
	if o.BranchOnly && o.Branch != "" {
		// git clone --branch checks a tag out detached.
		if b, err := r.CurrentBranch(ctx); err == nil && b == "" {
			return nil, o.branchProblem(ctx, url, fmt.Errorf("%s: %s is not a branch", redact.URL(url), o.Branch))
		}
	}
	return r, nil
}

// branchProblem replaces err, from cloning o.Branch, by a *BranchError
// when the remote has no such branch; when it cannot even list its refs,
// err stands.
func (o CloneOptions) branchProblem(ctx context.Context, url string, err error) error {
	if !o.BranchOnly || o.Branch == "" {
		return err
	}
	refs, rerr := RemoteRefs(ctx, url, o.Env, o.Timeout)
	if rerr != nil {
		return err
	}
	if be := refs.CheckBranch(url, o.Branch); be != nil {
		return be
	}
	return err
}

// isURL tells remote URLs from local paths (git ignores --depth for local
// paths and warns about it).
func isURL(s string) bool {
	return strings.Contains(s, "://") || (strings.Contains(s, "@") && strings.Contains(s, ":") && !filepath.IsAbs(s))
}

// Open returns the working tree that contains dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	r := &Repo{Dir: dir}
	top, err := r.run(ctx, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not a git working tree: %w", dir, err)
	}
	r.Dir = top
	return r, nil
}

// RevParse resolves rev to a commit SHA.
func (r *Repo) RevParse(ctx context.Context, rev string) (string, error) {
	return r.run(ctx, nil, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
}

// Head returns the SHA of HEAD.
func (r *Repo) Head(ctx context.Context) (string, error) { return r.RevParse(ctx, "HEAD") }

// CurrentBranch returns the checked-out branch name ("" when detached).
func (r *Repo) CurrentBranch(ctx context.Context) (string, error) {
	b, err := r.run(ctx, nil, "symbolic-ref", "--quiet", "--short", "HEAD")
	var ge *Error
	if errors.As(err, &ge) && ge.Stderr == "" {
		return "", nil
	}
	return b, err
}

// Upstream returns the remote and remote branch the current branch tracks,
// or ok=false when it has none.
func (r *Repo) Upstream(ctx context.Context) (remote, branch string, ok bool, err error) {
	b, err := r.CurrentBranch(ctx)
	if err != nil || b == "" {
		return "", "", false, err
	}
	remote, _ = r.run(ctx, nil, "config", "--get", "branch."+b+".remote")
	merge, _ := r.run(ctx, nil, "config", "--get", "branch."+b+".merge")
	if remote == "" || remote == "." || merge == "" {
		return "", "", false, nil
	}
	return remote, strings.TrimPrefix(merge, "refs/heads/"), true, nil
}

// Dirty lists uncommitted changes (tracked and untracked, not ignored).
func (r *Repo) Dirty(ctx context.Context) ([]string, error) {
	out, err := r.run(ctx, nil, "status", "--porcelain", "--untracked-files=normal")
	if err != nil || out == "" {
		return nil, err
	}
	return strings.Split(out, "\n"), nil
}

// RemoteURL returns the URL of remote.
func (r *Repo) RemoteURL(ctx context.Context, remote string) (string, error) {
	return r.run(ctx, nil, "remote", "get-url", remote)
}

// Fetch fetches branch from remote into refs/remotes/<remote>/<branch> and
// returns the fetched SHA. A shallow clone fetches with depth 1.
func (r *Repo) Fetch(ctx context.Context, remote, branch string) (string, error) {
	args := []string{"fetch", "--quiet", "--no-tags"}
	if r.IsShallow(ctx) {
		args = append(args, "--depth", "1")
	}
	track := "refs/remotes/" + remote + "/" + branch
	args = append(args, remote, "+refs/heads/"+branch+":"+track)
	if _, err := r.network(ctx, "fetch", args...); err != nil {
		return "", &RemoteError{URL: r.remoteDescription(ctx, remote), Err: err}
	}
	return r.RevParse(ctx, track)
}

// IsShallow reports whether the repository is a shallow clone.
func (r *Repo) IsShallow(ctx context.Context) bool {
	out, err := r.run(ctx, nil, "rev-parse", "--is-shallow-repository")
	return err == nil && out == "true"
}

// ResetHard moves the current branch and the working tree to rev. Only used
// on trees gitshift owns or verified clean, to re-apply an edit on a new head.
func (r *Repo) ResetHard(ctx context.Context, rev string) error {
	_, err := r.run(ctx, nil, "reset", "--quiet", "--hard", rev)
	return err
}

// IsAncestor reports whether a is an ancestor of (or equal to) b.
func (r *Repo) IsAncestor(ctx context.Context, a, b string) (bool, error) {
	_, err := r.run(ctx, nil, "merge-base", "--is-ancestor", a, b)
	var ge *Error
	if errors.As(err, &ge) && ge.Stderr == "" {
		return false, nil
	}
	return err == nil, err
}

// Diff returns the unified diff of the working tree against HEAD for paths.
func (r *Repo) Diff(ctx context.Context, paths ...string) (string, error) {
	return r.runRaw(ctx, nil, append([]string{"diff", "--no-color", "--no-ext-diff", "HEAD", "--"}, paths...)...)
}

// Show returns the diff a commit introduced (what a shift changed).
func (r *Repo) Show(ctx context.Context, rev string, extra ...string) (string, error) {
	args := append([]string{"show", "--no-color", "--no-ext-diff", "--format="}, extra...)
	return r.runRaw(ctx, nil, append(args, rev)...)
}

// ReadFile reads a repo-relative file from the working tree.
func (r *Repo) ReadFile(path string) ([]byte, error) {
	return os.ReadFile(filepath.Join(r.Dir, filepath.FromSlash(path)))
}

// RevCount counts the commits in a revision range such as "origin/main..HEAD".
func (r *Repo) RevCount(ctx context.Context, rangeSpec string) (int, error) {
	out, err := r.run(ctx, nil, "rev-list", "--count", rangeSpec, "--")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out)
}

// Config reads a git config value ("" when unset).
func (r *Repo) Config(ctx context.Context, key string) string {
	v, _ := r.run(ctx, nil, "config", "--get", key)
	return v
}

// IsBare reports whether the repository has no working tree.
func (r *Repo) IsBare(ctx context.Context) bool {
	out, err := r.run(ctx, nil, "rev-parse", "--is-bare-repository")
	return err == nil && out == "true"
}
