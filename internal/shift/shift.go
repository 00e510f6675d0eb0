// Package shift changes a canary's traffic weights through Git: it finds the
// VirtualService an Argo CD Application renders, maps it back to where its
// weights are written (a manifest, or the Helm value that renders them),
// edits those bytes minimally, proves the result renders the asked weights
// and introduces no check error, commits with trailers and pushes as a
// compare-and-swap loop. The CLI's `gitshift shift` and the rollout engine
// both call Run.
package shift

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/source"
)

// Request is one shift.
type Request struct {
	Repo    string // URL or local path; with InPlace, the working tree
	Branch  string // "" = the remote's default branch (InPlace: the current one)
	App     string // Application name
	AppFile string // repo-relative file holding the Application, to disambiguate
	// VirtualService is "[namespace/]name".
	VirtualService string
	Route          string // http route name or index; "" when there is one
	// Either Weights, or Canary+CanaryWeight (+Stable, default: the other destination).
	Weights      edit.Weights
	Canary       string
	CanaryWeight int
	Stable       string
	// Expect, when set, are the weights the caller believes Git has (the
	// rollout engine's last step). Finding others is a ConflictError: a
	// person changed them, and a shift must not overwrite that.
	Expect edit.Weights
	// Header and Mirror change gitshift's header route (mesh.HeaderRouteName)
	// and the route's mirror; nil leaves them as they are. A shift may set
	// them with or without weights. Helm sources: not supported yet.
	Header *edit.HeaderChange
	Mirror *edit.MirrorChange
	// ExpectRouting, when set, is the header route and mirror the caller
	// believes Git has; finding others is a ConflictError, like Expect.
	ExpectRouting *mesh.CanaryRouting
	// ValuesKey is the Helm values key whose children are the subsets'
	// weights, e.g. "reviews.canary.weights". Default for Helm sources:
	// "<virtualservice name>.canary.weights".
	ValuesKey string

	// AddDestinations lets the edit add a destination for a subset the
	// route lacks (a copy of the last one); without it that is an error.
	AddDestinations bool
	// AllowShared names the other Applications that render the edited
	// files too and would change with them; it must name exactly those.
	AllowShared []string

	DryRun  bool // compute and return the diff; commit and push nothing
	InPlace bool // edit and commit in the working tree at Repo (must be clean)
	NoPush  bool // commit only; with InPlace (a temporary clone would be deleted)

	Message  string
	Author   *gitrepo.Signature
	Sign     bool
	Trailers []gitrepo.Trailer // extra trailers (e.g. the rollout's id and step)

	Source      source.Options
	MaxAttempts int
	Backoff     time.Duration
	// GitTimeout bounds each clone, fetch and push: 0 means
	// gitrepo.DefaultTimeout, a negative value no limit.
	GitTimeout time.Duration
	GitEnv     []string // extra environment for git (tests, GIT_SSH_COMMAND)
	Logger     *slog.Logger
}

// TrailerSharedWith lists, in a shift's commit, the other Applications the
// edit changes too (allowed with --allow-shared).
const TrailerSharedWith = "Gitshift-Shared-With"

// Result reports a shift. Every URL in it is redacted.
type Result struct {
	Repo           string       `json:"repository"`
	Branch         string       `json:"branch"`
	App            string       `json:"app"`
	VirtualService string       `json:"virtualService"`
	Route          string       `json:"route,omitempty"`
	Files          []string     `json:"files"`
	Old            edit.Weights `json:"oldWeights"`
	New            edit.Weights `json:"newWeights"`
	// OldRouting and NewRouting are the header route and mirror before
	// and after, for shifts that change or expect them.
	OldRouting *mesh.CanaryRouting `json:"oldRouting,omitempty"`
	NewRouting *mesh.CanaryRouting `json:"newRouting,omitempty"`
	Changes    []FileChange        `json:"changes,omitempty"`
	Commit     string              `json:"commit,omitempty"`
	Pushed     bool                `json:"pushed"`
	Attempts   int                 `json:"attempts"`
	DryRun     bool                `json:"dryRun,omitempty"`
	Diff       string              `json:"diff,omitempty"`
	Unchanged  bool                `json:"unchanged,omitempty"` // already at the asked weights
	// AlreadyAt is the remote head that already had the asked weights when
	// a concurrent writer set them first.
	AlreadyAt string `json:"alreadyAt,omitempty"`
	// SharedWith are the other Applications the commit changes too.
	SharedWith []string      `json:"sharedWith,omitempty"`
	Took       time.Duration `json:"-"`
}

// FileChange is one scalar edit, for reports.
type FileChange struct {
	File string `json:"file"`
	edit.Change
}

// InputError is a problem with the request or the repository's content:
// the user must fix something (exit code 1).
type InputError struct {
	Err error
	// Field names the Request field whose value would resolve the problem
	// (e.g. "Branch"), so a caller can say which option sets it; "" for none.
	Field string
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrorKind: the user must fix the request or the repository.
func (e *InputError) ErrorKind() errkind.Kind { return errkind.Invalid }

func inputf(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// UsageError is a request whose options contradict each other.
type UsageError struct {
	Err error
	// Field names the Request field that contradicts the others.
	Field string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ErrorKind: the call itself is wrong.
func (e *UsageError) ErrorKind() errkind.Kind { return errkind.Usage }

// routeField is "Route" when err is a route selection that naming the
// route resolves: no route was named and several split traffic.
func routeField(err error) string {
	var se *mesh.RouteSelectionError
	if errors.As(err, &se) && se.Want == "" && len(se.Candidates) > 1 {
		return "Route"
	}
	return ""
}

// needf is an InputError that setting the Request field resolves.
func needf(field, format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...), Field: field}
}

// CheckError lists the check errors a shift would introduce.
type CheckError struct{ Diagnostics []string }

func (e *CheckError) Error() string {
	return "refusing: the change introduces check errors:\n  " + strings.Join(e.Diagnostics, "\n  ")
}

// ErrorKind: the change would fail a check.
func (e *CheckError) ErrorKind() errkind.Kind { return errkind.Invalid }

// Run performs the shift described by req.
func Run(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if err := validate(&req); err != nil {
		return nil, err
	}
	log := req.Logger
	if log == nil {
		log = slog.Default()
	}
	ws, err := openWorkspace(ctx, &req, log)
	if err != nil {
		return nil, err
	}
	defer ws.close()
	res := &Result{Repo: redact.URL(req.Repo), Branch: ws.branch, App: req.App, VirtualService: req.VirtualService, Route: req.Route, DryRun: req.DryRun}
	m := &mutation{req: &req, root: ws.repo.Dir, log: log, branch: ws.branch, defaultBranch: ws.defaultBranch}
	if req.DryRun {
		ch, err := m.apply(ctx, 1)
		if err != nil {
			return nil, err
		}
		m.fill(res)
		res.Attempts = 1
		if len(ch.Paths) > 0 {
			if res.Diff, err = ws.repo.Diff(ctx, ch.Paths...); err != nil {
				return nil, err
			}
		}
		res.Took = time.Since(start)
		return res, nil
	}
	pr, err := ws.repo.CommitAndPush(ctx, gitrepo.PushOptions{
		Remote: ws.remote, Branch: ws.branch, NoPush: ws.noPush,
		Commit:      gitrepo.CommitOptions{Author: req.Author, Sign: req.Sign},
		MaxAttempts: req.MaxAttempts, Backoff: req.Backoff,
	}, m.apply)
	if pr != nil {
		res.Attempts, res.Commit, res.Pushed, res.AlreadyAt = pr.Attempts, pr.Commit, pr.Pushed, pr.AlreadyAt
	}
	if err != nil {
		return res, err
	}
	m.fill(res)
	res.Took = time.Since(start)
	log.Info("shift done", "commit", res.Commit, "pushed", res.Pushed, "attempts", res.Attempts, "took", res.Took)
	return res, nil
}

func validate(req *Request) error {
	if req.App == "" || req.VirtualService == "" {
		return inputf("the Application and the VirtualService are required")
	}
	if err := validateNoPush(req.NoPush, req.InPlace, req.DryRun); err != nil {
		return err
	}
	switch {
	case len(req.Weights) > 0 && req.Canary != "":
		return inputf("give either Weights or Canary with CanaryWeight, not both")
	case len(req.Weights) > 0:
		if err := req.Weights.Validate(); err != nil {
			return &InputError{Err: err}
		}
	case req.Canary != "":
		if req.CanaryWeight < 0 || req.CanaryWeight > 100 {
			return inputf("canary weight %d: must be between 0 and 100", req.CanaryWeight)
		}
		if req.Stable == req.Canary {
			return inputf("stable and canary are both %q", req.Canary)
		}
	case req.Header != nil || req.Mirror != nil:
	default:
		return inputf("no weights: give Weights (e.g. v1=75,v3=25), or Canary with CanaryWeight")
	}
	if req.Header != nil && req.Header.Set != nil {
		if err := req.Header.Set.Validate(); err != nil {
			return &InputError{Err: err}
		}
	}
	if req.Mirror != nil && req.Mirror.Set != nil {
		if err := req.Mirror.Set.Validate(); err != nil {
			return &InputError{Err: err}
		}
	}
	return nil
}

// validateNoPush refuses NoPush where the commit would be lost: without
// InPlace, gitshift commits in a temporary clone it deletes at the end.
func validateNoPush(noPush, inPlace, dryRun bool) error {
	if noPush && !inPlace && !dryRun {
		return &UsageError{Field: "NoPush", Err: fmt.Errorf("committing without pushing needs an in-place working tree: a temporary clone is deleted at the end, and the commit with it (a dry run shows the change without committing)")}
	}
	return nil
}

// workspace is the git working tree a shift edits: a temporary clone, or the
// user's own tree with InPlace.
type workspace struct {
	repo   *gitrepo.Repo
	remote string
	branch string
	// defaultBranch is the remote's default branch when known ("" otherwise).
	defaultBranch string
	noPush        bool
	tmp           string
}

func (w *workspace) close() {
	if w.tmp != "" {
		os.RemoveAll(w.tmp)
	}
}

func openWorkspace(ctx context.Context, req *Request, log *slog.Logger) (*workspace, error) {
	if req.InPlace && !req.DryRun {
		return openInPlace(ctx, req, log)
	}
	src := req.Repo
	if info, err := os.Stat(src); err == nil && info.IsDir() && !req.DryRun && !req.NoPush {
		if err := pushableDir(ctx, src, req.Branch, req.GitEnv); err != nil {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp("", "gitshift-")
	if err != nil {
		return nil, err
	}
	ws := &workspace{tmp: tmp, remote: "origin", noPush: req.NoPush}
	ws.repo, err = gitrepo.Clone(ctx, src, tmp+"/repo", gitrepo.CloneOptions{Branch: req.Branch, Depth: 1, Env: req.GitEnv, Timeout: req.GitTimeout, BranchOnly: true})
	if err != nil {
		ws.close()
		return nil, err
	}
	ws.repo.Logger = log
	if ws.branch, err = ws.repo.CurrentBranch(ctx); err != nil {
		ws.close()
		return nil, err
	}
	if ws.branch == "" { // the remote's HEAD names no branch (Clone refuses a tag)
		ws.close()
		return nil, needf("Branch", "%s: its default branch (HEAD) is not a branch gitshift can commit to: name the branch", redact.URL(src))
	}
	if req.Branch == "" {
		ws.defaultBranch = ws.branch // the clone checked out the remote's default
	}
	return ws, nil
}

// pushableDir refuses early when git would refuse to push into a local
// working tree that has the branch checked out.
func pushableDir(ctx context.Context, dir, branch string, env []string) error {
	r := &gitrepo.Repo{Dir: dir, Env: env}
	if r.IsBare(ctx) {
		return nil
	}
	cur, err := r.CurrentBranch(ctx)
	if err != nil || (branch != "" && cur != branch) {
		return nil
	}
	switch r.Config(ctx, "receive.denyCurrentBranch") {
	case "updateInstead", "ignore", "warn", "false":
		return nil
	}
	return needf("InPlace", "%s is a working tree with %s checked out, and git refuses pushes into it: commit there in place (and push from there, or not), or give its remote URL", dir, cur)
}

func openInPlace(ctx context.Context, req *Request, log *slog.Logger) (*workspace, error) {
	r, err := gitrepo.Open(ctx, req.Repo)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	r.Env, r.Logger, r.Timeout = req.GitEnv, log, req.GitTimeout
	dirty, err := r.Dirty(ctx)
	if err != nil {
		return nil, err
	}
	if len(dirty) > 0 {
		return nil, inputf("committing in place: %s has uncommitted changes (%s); commit or stash them first", r.Dir, strings.Join(dirty, "; "))
	}
	ws := &workspace{repo: r, noPush: req.NoPush}
	if ws.branch, err = r.CurrentBranch(ctx); err != nil || ws.branch == "" {
		return nil, inputf("committing in place: %s is not on a branch", r.Dir)
	}
	if req.Branch != "" && req.Branch != ws.branch {
		return nil, inputf("committing in place: %s is on branch %s, not %s", r.Dir, ws.branch, req.Branch)
	}
	remote, upBranch, ok, err := r.Upstream(ctx)
	if err != nil {
		return nil, err
	}
	if !ok || ws.noPush {
		ws.noPush = true
		return ws, nil
	}
	ws.remote, ws.branch = remote, upBranch
	up, err := r.Fetch(ctx, remote, upBranch)
	if err != nil {
		return nil, err
	}
	// A retry resets to the remote head; local commits not yet pushed would
	// then leave the branch, so refuse instead of losing track of them.
	if n, err := r.RevCount(ctx, up+"..HEAD"); err != nil || n > 0 {
		return nil, needf("NoPush", "committing in place: %s has %d commit(s) not pushed to %s/%s; push them first, or do not push", r.Dir, n, remote, upBranch)
	}
	// Behind only: fast-forward (the tree is clean) so the shift starts from
	// the remote's weights rather than conflicting with them.
	if err := r.ResetHard(ctx, up); err != nil {
		return nil, err
	}
	return ws, nil
}

// exitClass sorts errors for callers that map them to exit codes.
func IsConflict(err error) bool {
	var c *gitrepo.ConflictError
	var b *gitrepo.BusyError
	return errors.As(err, &c) || errors.As(err, &b)
}
