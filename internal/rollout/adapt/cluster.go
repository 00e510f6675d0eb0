package adapt

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/source"
)

// Sync waits for Argo CD to have synced a commit (argocd.WaitForRevision:
// comparedTo current, revision, Synced, Healthy, reconciled after the push).
type Sync struct {
	Reader    argocd.Reader
	Namespace string
	App       string
	// Progress, when set, sees each new assessment (the live view).
	Progress func(argocd.Assessment)
	Log      *slog.Logger
}

var _ rollout.SyncWaiter = Sync{}

// WaitSynced sets the refresh annotation first: it turns Argo CD's 2-3
// minute polling into about a second, and is gitshift's only cluster write.
func (s Sync) WaitSynced(ctx context.Context, sha string, pushedAt time.Time) error {
	if err := s.Reader.Refresh(ctx, s.Namespace, s.App, argocd.RefreshNormal); err != nil {
		if argocd.IsNotFound(err) || kube.IsUnreachable(err) {
			return unreachable(err)
		}
		// A refused refresh (RBAC) only slows things down: polling still works.
		if s.Log != nil {
			s.Log.Warn("refresh annotation not set; waiting for Argo CD's polling", "err", err)
		}
	}
	a, err := s.Reader.WaitForRevision(ctx, s.Namespace, s.App, sha, pushedAt, s.Progress)
	if err != nil {
		if kube.IsUnreachable(err) {
			return unreachable(err)
		}
		return fmt.Errorf("%s: %w", a.Summary(), err)
	}
	return nil
}

func unreachable(err error) error { return fmt.Errorf("%w: %w", rollout.ErrUnavailable, err) }

// Live reads the live VirtualService route's weights per subset.
type Live struct {
	Client    *kube.Client
	Namespace string
	Name      string
	Route     string
}

var _ rollout.LiveWeights = Live{}

// Weights returns the live weights of the route.
func (l Live) Weights(ctx context.Context) (map[string]int32, error) {
	obj, err := l.Client.VirtualService(ctx, l.Namespace, l.Name)
	if err != nil {
		if kube.IsUnreachable(err) {
			return nil, unreachable(err)
		}
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("VirtualService %s/%s does not exist in the cluster", l.Namespace, l.Name)
	}
	return RouteWeights(obj, l.Route)
}

// RouteWeights extracts subset weights from one HTTP route of a
// VirtualService: the route named route, or the only/first one. A single
// destination without weight gets 100, as Istio routes it.
func RouteWeights(obj *unstructured.Unstructured, route string) (map[string]int32, error) {
	vs, err := mesh.ParseVirtualService(source.Object{Unstructured: obj}, obj.GetNamespace())
	if err != nil {
		return nil, err
	}
	hr, err := pickRoute(vs.Spec.GetHttp(), route)
	if err != nil {
		return nil, fmt.Errorf("VirtualService %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	out := map[string]int32{}
	dests := hr.GetRoute()
	for _, d := range dests {
		w := d.GetWeight()
		if len(dests) == 1 && w == 0 {
			w = 100
		}
		out[d.GetDestination().GetSubset()] += w
	}
	return out, nil
}

func pickRoute(routes []*networking.HTTPRoute, name string) (*networking.HTTPRoute, error) {
	if len(routes) == 0 {
		return nil, fmt.Errorf("no http routes")
	}
	if name == "" {
		return routes[0], nil
	}
	for _, r := range routes {
		if r.GetName() == name {
			return r, nil
		}
	}
	if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < len(routes) {
		return routes[i], nil
	}
	return nil, fmt.Errorf("no http route named %q", name)
}
