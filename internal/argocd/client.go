package argocd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/gitshift/gitshift/internal/errkind"
)

// RefreshAnnotation asks the application controller to re-read Git now
// instead of at its next poll; the controller removes it when done.
const RefreshAnnotation = "argocd.argoproj.io/refresh"

// RefreshType is the annotation's value. Both bypass the revision cache;
// hard also regenerates manifests instead of using the repo-server's cache.
type RefreshType string

const (
	RefreshNormal RefreshType = "normal"
	RefreshHard   RefreshType = "hard"
)

// NotFoundError means the Application does not exist in that namespace.
type NotFoundError struct{ Namespace, Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("Application %s/%s not found", e.Namespace, e.Name)
}

// ErrorKind: the name or namespace is wrong.
func (e *NotFoundError) ErrorKind() errkind.Kind { return errkind.Invalid }

// ErrorClassifier lets the caller turn transport errors into its own typed
// errors (kube.Client.Classify): this package stays independent of how the
// client was built.
type ErrorClassifier func(error) error

func (f ErrorClassifier) wrap(err error) error {
	if f == nil || err == nil {
		return err
	}
	return f(err)
}

// Reader reads and refreshes Applications.
type Reader struct {
	Client   dynamic.Interface
	Classify ErrorClassifier
	// Log receives the warning when a wait must poll (default slog.Default()).
	Log *slog.Logger
}

// Get reads one Application.
func (r Reader) Get(ctx context.Context, namespace, name string) (AppStatus, error) {
	u, err := r.Client.Resource(GVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return AppStatus{}, &NotFoundError{Namespace: namespace, Name: name}
	}
	if err != nil {
		return AppStatus{}, r.Classify.wrap(fmt.Errorf("reading Application %s/%s: %w", namespace, name, err))
	}
	return FromUnstructured(u)
}

// Refresh sets the refresh annotation with a merge patch. This is the only
// write gitshift makes to the cluster: it changes no desired state, it only
// makes Argo CD look at Git now.
func (r Reader) Refresh(ctx context.Context, namespace, name string, t RefreshType) error {
	if t == "" {
		t = RefreshNormal
	}
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, RefreshAnnotation, string(t))
	_, err := r.Client.Resource(GVR).Namespace(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Namespace: namespace, Name: name}
	}
	if err != nil {
		return r.Classify.wrap(fmt.Errorf("requesting %s refresh of Application %s/%s: %w", t, namespace, name, err))
	}
	return nil
}

// IsNotFound reports whether err is a *NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}
