package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/redact"
)

// GitCLI implements Git with the git CLI: a shallow clone of a remote into
// a temporary directory, or a local directory rendered as it is.
type GitCLI struct {
	Env  []string
	dirs []string
}

var _ Git = (*GitCLI)(nil)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Checkout resolves revision in repo. For a URL it clones the revision (a
// branch or tag shallowly, a full SHA with history) so that the files are
// exactly the commit's, as Argo CD's repo-server sees them. For a local
// directory it renders the working tree and reports the SHA of revision
// there; uncommitted changes are then part of what is compared.
func (g *GitCLI) Checkout(ctx context.Context, repo, revision string) (Checkout, error) {
	if isDir(repo) {
		return g.local(ctx, repo, revision)
	}
	tmp, err := os.MkdirTemp("", "gitshift-verify-")
	if err != nil {
		return Checkout{}, err
	}
	g.dirs = append(g.dirs, tmp)
	dir := filepath.Join(tmp, "repo")
	opts := gitrepo.CloneOptions{Env: g.Env, Depth: 1}
	switch {
	case fullSHA.MatchString(revision):
		opts.Depth = 0
	case revision != "HEAD":
		opts.Branch = revision
	}
	r, err := gitrepo.Clone(ctx, repo, dir, opts)
	if err != nil {
		return Checkout{}, err
	}
	if fullSHA.MatchString(revision) {
		if err := r.ResetHard(ctx, revision); err != nil {
			return Checkout{}, fmt.Errorf("checking out %s: %w", revision, err)
		}
	}
	return g.describe(ctx, r, repo, revision, false)
}

func (g *GitCLI) local(ctx context.Context, dir, revision string) (Checkout, error) {
	r, err := gitrepo.Open(ctx, dir)
	if err != nil {
		// Not a git work tree: render the directory, without a SHA.
		return Checkout{Dir: dir, Repo: dir, Revision: revision, Local: true}, nil
	}
	co, err := g.describe(ctx, r, dir, revision, true)
	if err != nil {
		return co, err
	}
	// Render the directory the user pointed at, inside its work tree.
	co.Dir = dir
	return co, nil
}

func (g *GitCLI) describe(ctx context.Context, r *gitrepo.Repo, repo, revision string, local bool) (Checkout, error) {
	commits, err := r.Log(ctx, "HEAD", 1)
	if err != nil || len(commits) == 0 {
		return Checkout{}, fmt.Errorf("reading the head commit of %s: %w", redact.URL(repo), err)
	}
	return Checkout{Dir: r.Dir, Repo: redact.URL(repo), Revision: revision, SHA: commits[0].SHA, Time: commits[0].Time, Local: local}, nil
}

// Close removes the temporary clones.
func (g *GitCLI) Close() error {
	var errs []error
	for _, d := range g.dirs {
		errs = append(errs, os.RemoveAll(d))
	}
	g.dirs = nil
	return errors.Join(errs...)
}

func isRemoteError(err error) bool {
	var re *gitrepo.RemoteError
	return errors.As(err, &re)
}
