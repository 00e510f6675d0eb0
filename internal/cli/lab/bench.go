package lab

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab/bench"
)

type labBenchOptions struct {
	*labFlags
	output                    string
	app, namespace, vs, route string
	stable, canary            string
	steps, noRefresh          int
	poll, gap, timeout        time.Duration
}

func newLabBenchCommand(s command.Streams, f *labFlags) *cobra.Command {
	o := &labBenchOptions{labFlags: f}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure push→live per traffic step in the lab, per Argo CD sync option, watch vs poll",
		Long: `bench commits --steps traffic steps per variant to the lab's Git with gitshift's
shift, refreshes the Application at the push as the rollout does, and times
each step from the push: Argo CD compared the commit, Argo CD synced (Synced,
Healthy, reconciled after the sync), the VirtualService in the API server has
the new weights (the floor), and live as gitshift's watches see it, against a
plain poll of the same objects (--poll, as a kubectl loop would).

Rounds alternate the Application's sync options: Argo CD's default,
ApplyOutOfSyncOnly=true, Validate=false and both (a lab-only change of the
Application, put back at the end, as are the weights), so every variant sees
the same machine load. Then
--no-refresh-steps steps go without the refresh annotation. It prints p50 and
p90 side by side with their ratios (make bench-lab).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLabBench(cmd.Context(), s, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.app, "app", "", "Argo CD Application (default: the one lab up applied)")
	fl.StringVar(&o.namespace, "namespace", "bookinfo", "namespace of the VirtualService")
	fl.StringVar(&o.vs, "virtualservice", "reviews", "the VirtualService whose weights the steps change")
	fl.StringVar(&o.route, "route", "", "its http route (name or index; default the only weighted one)")
	fl.StringVar(&o.stable, "stable", "v1", "stable subset")
	fl.StringVar(&o.canary, "canary", "v3", "canary subset")
	fl.IntVar(&o.steps, "steps", 8, "step commits per sync-option variant")
	fl.IntVar(&o.noRefresh, "no-refresh-steps", 1, "steps without the refresh annotation (each waits up to --timeout)")
	fl.DurationVar(&o.poll, "poll", time.Second, "interval of the plain poll compared with gitshift's watches")
	fl.DurationVar(&o.gap, "gap", time.Second, "pause between steps")
	fl.DurationVar(&o.timeout, "timeout", 30*time.Second, "longest wait for one step")
	command.FlagRange(fl, "steps", command.AtLeast(1, "a bench needs a step"))
	command.FlagRange(fl, "no-refresh-steps", command.AtLeast(0, ""))
	command.FlagRange(fl, "poll", command.Above(0, ""))
	command.FlagRange(fl, "gap", command.AtLeast(0, ""))
	command.FlagRange(fl, "timeout", command.Above(0, ""))
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)
	return cmd
}

func runLabBench(ctx context.Context, s command.Streams, o *labBenchOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	st, c, err := o.labCluster()
	if err != nil {
		return err
	}
	app := o.app
	if app == "" {
		app = st.Endpoints.Application
	}
	if app == "" {
		return errkind.Errorf(errkind.Usage, "lab up applied no Application: name one with --app")
	}
	kc, err := c.Kube(o.namespace)
	if err != nil {
		return err
	}
	rep, err := bench.Run(ctx, bench.Config{Repo: st.Endpoints.GitURL, AppNamespace: st.Endpoints.ArgoCDNS, App: app,
		Namespace: o.namespace, VS: o.vs, Route: o.route, Stable: o.stable, Canary: o.canary,
		Kube: kc, Apps: argocd.Reader{Client: c.Dynamic, Classify: kc.Classify},
		Steps: o.steps, NoRefreshSteps: o.noRefresh, Poll: o.poll, Gap: o.gap, StepTimeout: o.timeout, Progress: s.ErrOut})
	if rep != nil && len(rep.Samples) > 0 {
		var werr error
		if format == command.Text {
			werr = rep.WriteText(s.Out)
		} else {
			werr = command.WriteData(s.Out, format, rep)
		}
		if werr != nil {
			return werr
		}
	}
	if err != nil {
		return fmt.Errorf("lab bench: %w", err)
	}
	return nil
}
