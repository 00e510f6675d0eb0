package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// GVRs the lab reads.
var (
	ApplicationGVR    = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}
	VirtualServiceGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
)

// AppState is the part of an Application's status the lab waits on.
type AppState struct {
	Sync, Health, Revision, Operation string
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
		return s.Sync == "Synced" && s.Health == "Healthy" && s.Revision == sha &&
			s.Operation != "Running" && s.Operation != "Pending", nil
	})
	if err != nil {
		return last, fmt.Errorf("Application %s/%s not Synced+Healthy at %s after %s (sync %q, health %q, revision %q, operation %q): %w",
			ns, name, short(sha), timeout, last.Sync, last.Health, short(last.Revision), last.Operation, err)
	}
	return last, nil
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

// QueryVersionSplit returns, from Prometheus, the requests to service in ns
// by destination_version over the last window, as the calling proxies
// (reporter="source") saw them.
func QueryVersionSplit(ctx context.Context, promURL, ns, service string, window time.Duration) ([]VersionCount, string, error) {
	q := fmt.Sprintf(`round(sum by (destination_version) (increase(istio_requests_total{reporter="source",destination_service_namespace=%q,destination_service_name=%q}[%ds])))`,
		ns, service, int(window.Seconds()))
	u := promURL + "/api/v1/query?query=" + url.QueryEscape(q)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, q, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, q, fmt.Errorf("querying Prometheus at %s: %w", promURL, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, q, fmt.Errorf("decoding Prometheus answer: %w", err)
	}
	if body.Status != "success" {
		return nil, q, fmt.Errorf("prometheus query failed: %s", body.Error)
	}
	var out []VersionCount
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			continue
		}
		out = append(out, VersionCount{Version: r.Metric["destination_version"], Count: int64(f)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, q, nil
}
