package gitrepo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/redact"
)

// Refs are the branch and tag names of a remote.
type Refs struct {
	Branches, Tags []string
}

// RemoteRefs lists url's branches and tags (git ls-remote), with url's
// credentials in memory only and within timeout (0: DefaultTimeout,
// negative: none), like a fetch.
func RemoteRefs(ctx context.Context, url string, env []string, timeout time.Duration) (Refs, error) {
	a := newAuth(url)
	r := &Repo{Env: env, Timeout: timeout, auth: a}
	src := url
	if a != nil {
		src = a.stored
	}
	out, err := r.network(ctx, "ls-remote", "ls-remote", "--heads", "--tags", "--", src)
	if err != nil {
		return Refs{}, &RemoteError{URL: redact.URL(url), Err: err}
	}
	var refs Refs
	for _, line := range strings.Split(out, "\n") {
		_, ref, ok := strings.Cut(line, "\t")
		switch {
		case !ok || strings.HasSuffix(ref, "^{}"):
		case strings.HasPrefix(ref, "refs/heads/"):
			refs.Branches = append(refs.Branches, strings.TrimPrefix(ref, "refs/heads/"))
		case strings.HasPrefix(ref, "refs/tags/"):
			refs.Tags = append(refs.Tags, strings.TrimPrefix(ref, "refs/tags/"))
		}
	}
	sort.Strings(refs.Branches)
	sort.Strings(refs.Tags)
	return refs, nil
}

// CheckBranch returns a *BranchError when the remote at url (shown
// redacted) has no branch named branch, nil when it has.
func (refs Refs) CheckBranch(url, branch string) error {
	for _, b := range refs.Branches {
		if b == branch {
			return nil
		}
	}
	e := &BranchError{URL: redact.URL(url), Branch: branch, Branches: refs.Branches}
	for _, t := range refs.Tags {
		e.Tag = e.Tag || t == branch
	}
	return e
}

// BranchError is a branch name the remote has no branch for: a typo, or a
// tag (gitshift commits to branches only).
type BranchError struct {
	URL      string // redacted
	Branch   string
	Tag      bool     // the remote has a tag of that name
	Branches []string // the remote's branches
}

func (e *BranchError) Error() string {
	if e.Tag {
		return fmt.Sprintf("%s is a tag on %s, not a branch: a shift commits to a branch (its branches: %s)", e.Branch, e.URL, listNames(e.Branches))
	}
	return fmt.Sprintf("branch %s does not exist on %s; its branches: %s", e.Branch, e.URL, listNames(e.Branches))
}

// ErrorKind: the remote answered; the name is wrong.
func (e *BranchError) ErrorKind() errkind.Kind { return errkind.Invalid }

// listNames shows up to 20 names.
func listNames(names []string) string {
	const most = 20
	switch {
	case len(names) == 0:
		return "none"
	case len(names) > most:
		return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
	}
	return strings.Join(names, ", ")
}
