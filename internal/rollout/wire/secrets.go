package wire

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// The policy names Secrets in its own namespace: Git credentials
// (spec.git.secretRef) and receiver URLs (spec.notifications[].secretRef).
// They are read by name when a rollout is wired, never listed or cached,
// and their values go only where they are used: git's environment, the
// dispatcher's requests. Errors name the Secret and key, not the value.

// secretNamespace is where the policy's Secrets live.
func (e *Env) secretNamespace() string {
	if ns := e.Policy.Metadata.Namespace; ns != "" {
		return ns
	}
	return e.Policy.Spec.Target.VirtualService.Namespace
}

// secret reads one Secret's data through the cluster Argo CD runs in (the
// policy's cluster).
func (e *Env) secret(ctx context.Context, name string) (map[string][]byte, error) {
	if e.Cluster == nil {
		var err error
		if e.Cluster, err = e.cfg.cluster(); err != nil {
			return nil, errkind.Wrap(errkind.Unavailable, err)
		}
	}
	ns := e.secretNamespace()
	s, err := e.Cluster.Core.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("Secret %s/%s (named by the policy) does not exist", ns, name))
	case apierrors.IsForbidden(err):
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("reading Secret %s/%s is forbidden: grant get on secrets", ns, name))
	case err != nil:
		return nil, errkind.Wrap(errkind.Unavailable, fmt.Errorf("reading Secret %s/%s: %w", ns, name, e.Cluster.Classify(err)))
	}
	return s.Data, nil
}

// gitAuth sets the Git adapter's environment from spec.git.secretRef.
func (e *Env) gitAuth(ctx context.Context) error {
	ref := e.Policy.Spec.Git.SecretRef
	if ref == nil {
		return nil
	}
	data, err := e.secret(ctx, ref.Name)
	if err != nil {
		return err
	}
	creds, err := adapt.CredentialsFromSecret(data)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("Secret %s/%s: %w", e.secretNamespace(), ref.Name, err))
	}
	a, err := creds.Auth(e.Git.Repo)
	if err != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("Git credentials from Secret %s/%s: %w", e.secretNamespace(), ref.Name, err))
	}
	e.auth = a
	e.Git.GitEnv = append(append([]string(nil), e.Git.GitEnv...), a.Env...)
	return nil
}

// notifications resolves spec.notifications into a sink (nil without any).
func (r *Rollout) notifications(ctx context.Context) (*adapt.Notifications, error) {
	ns := r.Policy.Spec.Notifications
	if len(ns) == 0 {
		return nil, nil
	}
	var rs []adapt.Receiver
	for i, n := range ns {
		url := n.URL
		if ref := n.SecretRef; ref != nil {
			data, err := r.secret(ctx, ref.Name)
			if err != nil {
				return nil, fmt.Errorf("spec.notifications[%d]: %w", i, err)
			}
			if url = string(data[ref.Key]); url == "" {
				return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("spec.notifications[%d]: Secret %s/%s has no key %q", i, r.secretNamespace(), ref.Name, ref.Key))
			}
		}
		rs = append(rs, adapt.Receiver{Type: n.Type, URL: url, On: n.On})
	}
	d := r.cfg.Clients.Notify
	if d == nil {
		d = adapt.NewDispatcher(adapt.DispatcherOptions{Log: r.cfg.logger()})
		r.notify = d
	}
	p := r.Policy.Metadata
	return &adapt.Notifications{Policy: policyRef(p), Receivers: rs, Out: d}, nil
}

func policyRef(m policy.ObjectMeta) string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}
