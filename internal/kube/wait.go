package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/kube/await"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// WaitRoute waits until the live VirtualService namespace/name's route (as
// LiveRoute selects it) satisfies done, or ctx ends. It watches the object,
// so the change arrives when the API server stores it, and polls (warning
// on log, nil: slog.Default()) only when it may not watch. On timeout it
// returns the last route read with an error wrapping ctx.Err() and, when
// the route could not be read, why.
func (c *Client) WaitRoute(ctx context.Context, namespace, name, route string, done func(mesh.Route) bool, log *slog.Logger) (mesh.Route, error) {
	m, err := c.mapping(VirtualServiceKind.GroupKind(), VirtualServiceKind.Version)
	if err != nil {
		return mesh.Route{}, err
	}
	var (
		last    mesh.Route
		lastErr error
	)
	cond := func(u *unstructured.Unstructured) (bool, error) {
		if u == nil {
			lastErr = fmt.Errorf("VirtualService %s/%s does not exist in the cluster", namespace, name)
			return false, nil
		}
		vs, err := mesh.ParseVirtualService(source.Object{Unstructured: u}, namespace)
		if err == nil {
			last, err = vs.HTTPRoute(route)
		}
		if err != nil {
			// Mid-change or broken: keep watching; the caller's deadline
			// decides, and the error says what was seen.
			lastErr = fmt.Errorf("live VirtualService %s/%s: %w", namespace, name, err)
			return false, nil
		}
		lastErr = nil
		return done(last), nil
	}
	err = await.Until(ctx, c.Dynamic.Resource(m.Resource).Namespace(namespace), name, cond,
		await.Options{Log: log, What: fmt.Sprintf("VirtualService %s/%s", namespace, name)})
	switch {
	case err == nil:
		return last, nil
	case ctx.Err() != nil:
		return last, errors.Join(err, lastErr)
	}
	return last, c.Classify(fmt.Errorf("getting VirtualService %s/%s: %w", namespace, name, err))
}
