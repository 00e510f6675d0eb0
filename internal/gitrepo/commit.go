package gitrepo

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Trailer keys gitshift writes. The rollout engine adds its own (e.g. an id
// and a step); readers should ignore keys they do not know.
const (
	TrailerAction         = "Gitshift-Action"
	TrailerVirtualService = "Gitshift-VirtualService"
	TrailerWeights        = "Gitshift-Weights"
)

// Trailer is one "Key: value" line at the end of a commit message.
type Trailer struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Signature is a commit identity.
type Signature struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// ParseSignature parses "Name <email>".
func ParseSignature(s string) (Signature, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name == "" {
		return Signature{}, fmt.Errorf("author %q: want \"Name <email>\"", s)
	}
	return Signature{Name: a.Name, Email: a.Address}, nil
}

func (s Signature) String() string { return fmt.Sprintf("%s <%s>", s.Name, s.Email) }

// defaultIdentity is used when neither the caller nor git's config names
// one, so that gitshift works in a bare CI container.
var defaultIdentity = Signature{Name: "gitshift", Email: "gitshift@localhost"}

// CommitOptions configure Commit.
type CommitOptions struct {
	Message   string
	Trailers  []Trailer
	Author    *Signature // nil: git's configured identity (or gitshift's default)
	Committer *Signature // nil: like Author
	// Sign passes -S: git signs with the user's own gpg or ssh setup
	// (gpg.format, user.signingkey). Signing may also be on by config.
	Sign bool
	// AllowEmpty commits with no paths (control commits that carry only
	// trailers, e.g. a rollout's pause or resume).
	AllowEmpty bool
}

// FormatMessage joins message and trailers the way git parses trailers: a
// blank line, then one "Key: value" per line.
func FormatMessage(msg string, trailers []Trailer) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(msg))
	if len(trailers) > 0 {
		b.WriteString("\n\n")
		for _, t := range trailers {
			fmt.Fprintf(&b, "%s: %s\n", t.Key, strings.ReplaceAll(t.Value, "\n", " "))
		}
	}
	return b.String()
}

// Commit stages paths and commits them (only them), returning the new SHA.
func (r *Repo) Commit(ctx context.Context, paths []string, o CommitOptions) (string, error) {
	switch {
	case len(paths) == 0 && !o.AllowEmpty:
		return "", fmt.Errorf("commit: no paths")
	case len(paths) > 0:
		if _, err := r.run(ctx, nil, append([]string{"add", "--"}, paths...)...); err != nil {
			return "", err
		}
	}
	author, committer := o.Author, o.Committer
	if author == nil {
		if _, err := r.run(ctx, nil, "var", "GIT_AUTHOR_IDENT"); err != nil {
			author = &defaultIdentity
		}
	}
	if committer == nil {
		committer = author
	}
	env := []string{}
	if author != nil {
		env = append(env, "GIT_AUTHOR_NAME="+author.Name, "GIT_AUTHOR_EMAIL="+author.Email)
	}
	if committer != nil {
		env = append(env, "GIT_COMMITTER_NAME="+committer.Name, "GIT_COMMITTER_EMAIL="+committer.Email)
	}
	args := []string{"commit", "--quiet", "--cleanup=whitespace", "-F", "-"}
	if o.Sign {
		args = append(args, "-S")
	}
	if len(paths) == 0 {
		args = append(args, "--allow-empty")
	} else {
		args = append(args, "--")
		args = append(args, paths...)
	}
	rr := *r
	rr.Env = append(append([]string(nil), r.Env...), env...)
	if _, err := rr.run(ctx, strings.NewReader(FormatMessage(o.Message, o.Trailers)), args...); err != nil {
		return "", err
	}
	return r.Head(ctx)
}

// Commit is one commit as Log reads it.
type Commit struct {
	SHA      string    `json:"sha"`
	Parents  []string  `json:"parents"`
	Author   string    `json:"author"`
	Time     time.Time `json:"time"` // committer date
	Subject  string    `json:"subject"`
	Trailers []Trailer `json:"trailers,omitempty"`
}

// Trailer returns the last value of key (trailer keys compare case-insensitively, as in git).
func (c Commit) Trailer(key string) (string, bool) {
	v, ok := "", false
	for _, t := range c.Trailers {
		if strings.EqualFold(t.Key, key) {
			v, ok = t.Value, true
		}
	}
	return v, ok
}

// Log returns up to n commits reachable from rev, newest first, with their
// trailers parsed by git itself (%(trailers)).
func (r *Repo) Log(ctx context.Context, rev string, n int) ([]Commit, error) {
	const sep = "\x1f"
	format := strings.Join([]string{"%H", "%P", "%an <%ae>", "%cI", "%s", "%(trailers:only=true,unfold=true)"}, "%x1f")
	out, err := r.runRaw(ctx, nil, "log", "-z", "--no-color", "-n", strconv.Itoa(n), "--format="+format, rev, "--")
	if err != nil {
		return nil, err
	}
	var commits []Commit
	for _, rec := range strings.Split(out, "\x00") {
		if strings.TrimSpace(rec) == "" {
			continue
		}
		f := strings.SplitN(rec, sep, 6)
		if len(f) != 6 {
			return nil, fmt.Errorf("git log: unexpected record %q", rec)
		}
		c := Commit{SHA: strings.TrimSpace(f[0]), Parents: strings.Fields(f[1]), Author: f[2], Subject: f[4]}
		c.Time, _ = time.Parse(time.RFC3339, f[3])
		for _, line := range strings.Split(f[5], "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k != "" {
				c.Trailers = append(c.Trailers, Trailer{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
			}
		}
		commits = append(commits, c)
	}
	return commits, nil
}
