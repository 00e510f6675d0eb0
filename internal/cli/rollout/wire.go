package rollout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/rollout/wire"
	"github.com/gitshift/gitshift/internal/verify"
)

// config turns the flags into the rollout facade's configuration.
func (o *rolloutOptions) config(pol *policy.CanaryPolicy, sink rollout.EventSink) wire.Config {
	return wire.Config{Policy: pol, ID: o.id, PrometheusURL: o.prometheus, IstiodDebugURL: o.istiodDebug, Reporter: o.reporter, Identity: o.identity,
		Kube: wire.Kube{Kubeconfig: o.kubeconfig, Context: o.kubeContext, DestinationContext: o.destContext},
		Git: wire.Git{Repo: o.repo, Branch: o.branch, Author: o.author, Sign: o.sign, ArgoCDVersion: o.argocdVersion,
			AllowShared: o.sharedApps(), Timeout: o.gitLimit()},
		Events: sink, Logger: slog.Default()}
}

// sharedApps is --allow-shared as a list.
func (o *rolloutOptions) sharedApps() []string {
	if o.allowShared == "" {
		return nil
	}
	return strings.Split(o.allowShared, ",")
}

// gitLimit is --git-timeout for gitrepo: 0 on the command line means none.
func (o *rolloutOptions) gitLimit() time.Duration {
	if o.gitTimeout == 0 {
		return -1
	}
	return o.gitTimeout
}

// open resolves the policy's Git repository (and the cluster when --repo is
// not given): what status and the signals need, with the policy's target
// only (no subsets or steps).
func (o *rolloutOptions) open(ctx context.Context) (*wire.Env, error) {
	pol, err := o.policy(false)
	if err != nil {
		return nil, err
	}
	env, err := wire.Open(ctx, o.config(pol, nil))
	return env, explainWire(err)
}

// build wires the whole engine for rollout start.
func (o *rolloutOptions) build(ctx context.Context, pol *policy.CanaryPolicy, sink rollout.EventSink) (*wire.Rollout, error) {
	r, err := wire.Build(ctx, o.config(pol, sink))
	if err != nil {
		return nil, explainWire(err)
	}
	return r, nil
}

// explainWire names the flag that fixes a facade error.
func explainWire(err error) error {
	var de *verify.DestinationError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wire.ErrNoRepository):
		return errkind.Wrap(errkind.Usage, errors.New("the Application names no Git repoURL: pass --repo"))
	case errors.Is(err, wire.ErrNoPrometheus):
		return errkind.Wrap(errkind.Usage, errors.New("--prometheus (or $GITSHIFT_PROMETHEUS_URL) is required: no evidence, no promotion"))
	case argocd.IsNotFound(err):
		return fmt.Errorf("%w (set spec.target.application / --app)", err)
	case errors.As(err, &de):
		return fmt.Errorf("%w; pass --destination-context with a kubeconfig context for it", err)
	}
	return err
}
