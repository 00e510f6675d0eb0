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
	var last Assessment
	lastSummary := ""
	cond := func(u *unstructured.Unstructured) (bool, error) {
		if u == nil {
			return false, &NotFoundError{Namespace: namespace, Name: name}
		}
		app, err := FromUnstructured(u)
		if err != nil {
			return false, err
		}
		last = Assess(app, sha, pushedAt)
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
