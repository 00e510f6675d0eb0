package shift

import (
	"context"
	"log/slog"

	"github.com/gitshift/gitshift/internal/edit"
)

// Current returns the weights Git renders for req's VirtualService route at
// the branch head, reading them exactly as a shift would and editing
// nothing (the rollout engine's reader). Only the repository, branch,
// Application, VirtualService, route and rendering options of req count.
func Current(ctx context.Context, req Request) (edit.Weights, error) {
	if req.App == "" || req.VirtualService == "" {
		return nil, inputf("the Application and the VirtualService are required")
	}
	log := req.Logger
	if log == nil {
		log = slog.Default()
	}
	req.DryRun, req.NoPush = true, false // a temporary clone, even for an in-place repository
	ws, err := openWorkspace(ctx, &req, log)
	if err != nil {
		return nil, err
	}
	defer ws.close()
	m := &mutation{req: &req, root: ws.repo.Dir, log: log, branch: ws.branch, defaultBranch: ws.defaultBranch}
	f, err := m.find(ctx)
	if err != nil {
		return nil, err
	}
	w, err := renderedWeights(f, req.Route)
	if err != nil {
		return nil, m.precise(f, err)
	}
	return w, nil
}
