package lab

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
)

// WaitApp waits until Argo CD has sha live for the Application (argocd's
// Assess: comparedTo current, the revision, Synced, Healthy, no operation
// pending), asking for a refresh first so that it does not wait for Argo
// CD's polling. The assessment says what was seen last.
func (c *Cluster) WaitApp(ctx context.Context, ns, name, sha string, timeout time.Duration) (argocd.Assessment, error) {
	r := argocd.Reader{Client: c.Dynamic}
	// A refused refresh only slows the wait down: polling still works.
	_ = r.Refresh(ctx, ns, name, argocd.RefreshNormal)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a, err := r.WaitForRevision(ctx, ns, name, sha, time.Time{}, nil)
	if err != nil {
		return a, fmt.Errorf("%s: %w", a.Summary(), err)
	}
	return a, nil
}

// Kube is a gitshift kube client for the lab cluster: what verify and the
// rollout read live objects with (e.g. kube.LiveRoute for the weights).
func (c *Cluster) Kube(namespace string) (*kube.Client, error) {
	return kube.NewForConfig(c.Config, namespace)
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
