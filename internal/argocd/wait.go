package argocd

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// PollInterval is the fallback when a watch cannot be opened (e.g. RBAC
// grants get but not watch). Tests shorten it.
var PollInterval = time.Second

// WaitForRevision waits until Assess says sha is live, until ctx ends. It
// watches the Application (a status change arrives within milliseconds of
// the controller writing it) and falls back to polling. progress, when not
// nil, is called with each new assessment whose summary changed. On timeout
// it returns the last assessment with an error wrapping ctx.Err().
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
	report := func(app AppStatus) bool {
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
		return last.Live
	}
	for {
		app, err := r.Get(ctx, namespace, name)
		if err != nil {
			return last, err
		}
		if report(app) {
			return last, nil
		}
		live, err := r.watchUntil(ctx, namespace, name, app, report)
		if live {
			return last, nil
		}
		if ctx.Err() != nil {
			return last, fmt.Errorf("Application %s/%s did not reach %s: %w", namespace, name, short(sha), ctx.Err())
		}
		if err != nil {
			// Watch not possible: poll instead.
			slog.Debug("watch failed, polling", "app", name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(PollInterval):
			}
		}
	}
}

// watchUntil streams changes to one Application from its last read version
// until report returns true, the watch closes (the server ends watches after
// a timeout; the caller re-reads and re-watches), or ctx ends.
func (r Reader) watchUntil(ctx context.Context, namespace, name string, app AppStatus, report func(AppStatus) bool) (bool, error) {
	timeout := int64(60)
	w, err := r.Client.Resource(GVR).Namespace(namespace).Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
		ResourceVersion: app.ResourceVersion,
		TimeoutSeconds:  &timeout,
	})
	if err != nil {
		return false, r.Classify.wrap(err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				u, ok := ev.Object.(*unstructured.Unstructured)
				if !ok || u.GetName() != name {
					continue
				}
				a, err := FromUnstructured(u)
				if err != nil {
					return false, err
				}
				if report(a) {
					return true, nil
				}
			case watch.Deleted:
				return false, &NotFoundError{Namespace: namespace, Name: name}
			case watch.Error:
				// Typically "resource version too old": re-read and re-watch.
				return false, nil
			}
		}
	}
}
