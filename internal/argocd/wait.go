package argocd

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/kube/await"
)

// PollInterval is the fallback when a watch cannot be opened (e.g. RBAC
// grants get but not watch). Tests shorten it.
var PollInterval = time.Second

// WaitForRevision waits until Assess says sha is live, until ctx ends. It
// watches the Application (a status change arrives within milliseconds of
// the controller writing it) and falls back to polling, with a warning, when
// it may not watch. progress, when not nil, is called with each new
// assessment whose summary changed. On timeout it returns the last
// assessment with an error wrapping ctx.Err().
func (r Reader) WaitForRevision(ctx context.Context, namespace, name, sha string, pushedAt time.Time, progress func(Assessment)) (Assessment, error) {
	return r.WaitForCommit(ctx, namespace, name, sha, pushedAt, nil, progress)
}

// WaitForCommit is WaitForRevision for a commit on a branch others push
// to as well: when Argo CD compared a later revision and contains reports
// that it includes sha (sha is its ancestor), that revision being live
// means sha's change is live. Without this, a commit landing between the
// push and Argo CD's refresh would make the wait last until its timeout,
// though Argo CD synced the change. contains nil: only sha itself counts.
// Only single-source Applications are judged this way.
func (r Reader) WaitForCommit(ctx context.Context, namespace, name, sha string, pushedAt time.Time, contains func(rev string) bool, progress func(Assessment)) (Assessment, error) {
	var last Assessment
	lastSummary := ""
	known := map[string]bool{} // contains' answers: a git call each
	cond := func(u *unstructured.Unstructured) (bool, error) {
		if u == nil {
			return false, &NotFoundError{Namespace: namespace, Name: name}
		}
		app, err := FromUnstructured(u)
		if err != nil {
			return false, err
		}
		want := sha
		if revs := app.Revisions(); contains != nil && len(revs) == 1 && revs[0] != sha {
			in, ok := known[revs[0]]
			if !ok {
				in = contains(revs[0])
				known[revs[0]] = in
			}
			if in {
				want = revs[0]
			}
		}
		last = Assess(app, want, pushedAt)
		last.Want = sha
		if s := last.Summary(); progress != nil && s != lastSummary {
			progress(last)
			lastSummary = s
		}
		return last.Live, nil
	}
	err := await.Until(ctx, r.Client.Resource(GVR).Namespace(namespace), name, cond, await.Options{
		Poll: PollInterval, Log: r.Log, What: fmt.Sprintf("Application %s/%s", namespace, name)})
	switch {
	case err == nil:
		return last, nil
	case ctx.Err() != nil:
		return last, fmt.Errorf("Application %s/%s did not reach %s: %w", namespace, name, short(sha), ctx.Err())
	case IsNotFound(err):
		return last, err
	}
	return last, r.Classify.wrap(fmt.Errorf("reading Application %s/%s: %w", namespace, name, err))
}
