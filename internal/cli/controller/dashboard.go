package controller

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/gitshift/gitshift/internal/dashboard"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
)

// addDashboard serves `gitshift dashboard`'s pages from the controller on
// o.dashboardAddr, over the cluster's CanaryPolicies (the shard's
// namespace) and the engine events rec collects. close releases the
// source's clones.
func addDashboard(mgr manager.Manager, o *controllerOptions, kc *kube.Client, prom metrics.Querier, rec *dashboard.Recorder, log *slog.Logger) (close func(), err error) {
	exposed, err := dashboard.Exposed(o.dashboardAddr)
	if err != nil {
		return nil, errkind.Wrap(errkind.Usage, fmt.Errorf("--dashboard-address %w", err))
	}
	ln, err := net.Listen("tcp", o.dashboardAddr)
	if err != nil {
		return nil, errkind.Wrap(errkind.Usage, fmt.Errorf("--dashboard-address %s: %w", o.dashboardAddr, err))
	}
	src := dashboard.NewLive(dashboard.Config{Discover: true, Namespace: o.namespace, Cluster: kc, Prometheus: prom,
		Reporter: o.reporter, Recorder: rec, Logger: log})
	h := dashboard.New(src, dashboard.Options{AllowRemote: exposed, Logger: log})
	if err := mgr.Add(dashboardServer{ln: ln, h: h}); err != nil {
		ln.Close()
		src.Close()
		return nil, fmt.Errorf("adding the dashboard: %w", err)
	}
	log.Info("serving the dashboard", "address", ln.Addr().String(), "exposed", exposed)
	return src.Close, nil
}

// dashboardServer runs on every replica, not only the leader: it only reads.
type dashboardServer struct {
	ln net.Listener
	h  http.Handler
}

var _ manager.LeaderElectionRunnable = dashboardServer{}

func (d dashboardServer) Start(ctx context.Context) error { return dashboard.Serve(ctx, d.ln, d.h) }
func (dashboardServer) NeedLeaderElection() bool          { return false }
