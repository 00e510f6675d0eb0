package adapt

import (
	"context"
	"fmt"

	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/rollout"
)

// ControlPlane asks istiod whether it applied the live VirtualService: the
// API server's copy (resourceVersion, last write) is what istiod must hold
// and its proxies must have acknowledged.
type ControlPlane struct {
	Client    kube.Getter
	Istiod    *istiod.Client
	Namespace string
	Name      string
}

var _ rollout.ControlPlane = ControlPlane{}

// Applied reads the live VirtualService, then istiod's view of it.
func (c ControlPlane) Applied(ctx context.Context) (rollout.ControlPlaneStatus, error) {
	u, err := c.Client.Get(ctx, kube.VirtualServiceKind, c.Namespace, c.Name)
	if err != nil {
		return rollout.ControlPlaneStatus{}, fmt.Errorf("reading VirtualService %s/%s: %w", c.Namespace, c.Name, err)
	}
	if u == nil {
		return rollout.ControlPlaneStatus{}, fmt.Errorf("VirtualService %s/%s is not live", c.Namespace, c.Name)
	}
	want := istiod.WantFor(u)
	want.Kind = kube.VirtualServiceKind.Kind
	st, err := c.Istiod.Status(ctx, want)
	if err != nil {
		return rollout.ControlPlaneStatus{}, err
	}
	return rollout.ControlPlaneStatus{Applied: st.State == istiod.Applied, ResourceVersion: want.ResourceVersion,
		Proxies: st.Proxies, Acked: st.Acked, Summary: st.Summary()}, nil
}
