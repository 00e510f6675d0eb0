package lab

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gitshift/gitshift/internal/metrics"
)

// GVRs the lab reads.
var (
	ApplicationGVR    = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}
	VirtualServiceGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
)

// AppState is the part of an Application's status the lab waits on.
type AppState struct {
	Sync, Health, Revision, Operation string
	// SyncedAt is when the last sync operation finished (zero if none).
	SyncedAt time.Time
	// Stale is true while status.sync.comparedTo differs from the spec: the
	// status still describes an older spec.
	Stale bool
}

// ReadApp returns the Application's sync, health, revision and operation phase.
func (c *Cluster) ReadApp(ctx context.Context, ns, name string) (AppState, error) {
	u, err := c.Dynamic.Resource(ApplicationGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return AppState{}, fmt.Errorf("reading Application %s/%s: %w", ns, name, err)
	}
	s := AppState{}
	s.Sync, _, _ = unstructured.NestedString(u.Object, "status", "sync", "status")
	s.Revision, _, _ = unstructured.NestedString(u.Object, "status", "sync", "revision")
	s.Health, _, _ = unstructured.NestedString(u.Object, "status", "health", "status")
	s.Operation, _, _ = unstructured.NestedString(u.Object, "status", "operationState", "phase")
	if f, _, _ := unstructured.NestedString(u.Object, "status", "operationState", "finishedAt"); f != "" {
		s.SyncedAt, _ = time.Parse(time.RFC3339, f)
	}
	for _, f := range []string{"source", "sources", "destination"} {
		spec, _, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", f)
		cmp, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "sync", "comparedTo", f)
		if !reflect.DeepEqual(pruneEmpty(spec), pruneEmpty(cmp)) {
			s.Stale = true
		}
	}
	if _, running, _ := unstructured.NestedMap(u.Object, "operation"); running {
		s.Operation = "Pending"
	}
	return s, nil
}

// Refresh asks Argo CD to re-read Git now (annotation refresh=normal).
func (c *Cluster) Refresh(ctx context.Context, ns, name string) error {
	patch := []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
	_, err := c.Dynamic.Resource(ApplicationGVR).Namespace(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("refreshing Application %s/%s: %w", ns, name, err)
	}
	return nil
}

// WaitApp waits until the Application is Synced and Healthy at sha with no
// operation running, refreshing it once at the start.
func (c *Cluster) WaitApp(ctx context.Context, ns, name, sha string, timeout time.Duration) (AppState, error) {
	_ = c.Refresh(ctx, ns, name)
	var last AppState
	err := poll(ctx, timeout, func() (bool, error) {
		s, err := c.ReadApp(ctx, ns, name)
		if err != nil {
			return false, nil
		}
		last = s
		return !s.Stale && s.Sync == "Synced" && s.Health == "Healthy" && s.Revision == sha &&
			s.Operation != "Running" && s.Operation != "Pending", nil
	})
	if err != nil {
		return last, fmt.Errorf("Application %s/%s not Synced+Healthy at %s after %s (sync %q, health %q, revision %q, operation %q, status for an older spec %v): %w",
			ns, name, short(sha), timeout, last.Sync, last.Health, short(last.Revision), last.Operation, last.Stale, err)
	}
	return last, nil
}

// pruneEmpty drops false, zero, empty and nil values from JSON-like data, so
// that a spec and Argo CD's copy of it (which omits defaults) compare equal.
func pruneEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if p := pruneEmpty(e); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range t {
			out = append(out, pruneEmpty(e))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case bool:
		if !t {
			return nil
		}
	case string:
		if t == "" {
			return nil
		}
	case int64:
		if t == 0 {
			return nil
		}
	case float64:
		if t == 0 {
			return nil
		}
	}
	return v
}

// Route is one weighted destination of a VirtualService's HTTP route.
type Route struct {
	Host, Subset string
	Weight       int64
}

// VirtualServiceRoutes returns the weighted destinations of the live
// VirtualService's first HTTP route.
func (c *Cluster) VirtualServiceRoutes(ctx context.Context, ns, name string) ([]Route, error) {
	u, err := c.Dynamic.Resource(VirtualServiceGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading VirtualService %s/%s: %w", ns, name, err)
	}
	httpRoutes, _, _ := unstructured.NestedSlice(u.Object, "spec", "http")
	if len(httpRoutes) == 0 {
		return nil, fmt.Errorf("VirtualService %s/%s has no http routes", ns, name)
	}
	first, _ := httpRoutes[0].(map[string]any)
	dests, _, _ := unstructured.NestedSlice(first, "route")
	var out []Route
	for _, d := range dests {
		dm, _ := d.(map[string]any)
		r := Route{}
		r.Host, _, _ = unstructured.NestedString(dm, "destination", "host")
		r.Subset, _, _ = unstructured.NestedString(dm, "destination", "subset")
		r.Weight, _, _ = unstructured.NestedInt64(dm, "weight")
		out = append(out, r)
	}
	return out, nil
}

// VersionCount is the number of requests a version received.
type VersionCount struct {
	Version string
	Count   int64
}

// MeasureSplit counts, from the raw counters in Prometheus, the requests to
// service in ns per destination_version in [start, end], as the calling
// proxies (reporter="source") saw them.
func MeasureSplit(ctx context.Context, promURL, ns, service string, start, end time.Time) ([]VersionCount, error) {
	prom, err := metrics.NewPrometheus(promURL)
	if err != nil {
		return nil, err
	}
	sel := metrics.Selector{DestinationService: service, Namespace: ns, Reporter: "source"}
	wc, err := metrics.Window(ctx, prom, sel, start, end)
	if err != nil {
		return nil, fmt.Errorf("counting requests to %s.%s in Prometheus: %w", service, ns, err)
	}
	var out []VersionCount
	for v, c := range wc.ByVersion {
		out = append(out, VersionCount{Version: v, Count: c.Requests})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
