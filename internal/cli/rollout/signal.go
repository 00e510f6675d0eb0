package rollout

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/termsafe"
)

var signalHelp = map[string]string{
	"pause":   "Stop advancing; keep the current weights until resume, promote or abort",
	"resume":  "Leave a pause, or let a step with a manual gate advance",
	"promote": "Skip the remaining analysis and go to the last step (canary 100%)",
	"abort":   "Roll back now (stable 100%), by commit",
}

func newRolloutSignalCommand(s command.Streams, o *rolloutOptions, sig string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   sig,
		Short: signalHelp[sig] + " (an empty commit with Gitshift-Signal: " + sig + ")",
		Long: signalHelp[sig] + `.

The signal is an empty commit on the branch with the trailers
Gitshift-Action: control, Gitshift-Rollout, Gitshift-VirtualService and
Gitshift-Signal. It is durable (a runner started later obeys it), reviewable
and ordered with the rollout's steps. A running runner sees it within one
analysis interval.`,
		Example: "  gitshift rollout " + sig + " --policy canary-policy.yaml --reason \"...\"\n" +
			"  gitshift rollout " + sig + " --app bookinfo --virtualservice bookinfo/reviews",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRolloutSignal(cmd.Context(), s, o, rollout.Signal(sig), reason)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in Gitshift-Reason)")
	return cmd
}

func runRolloutSignal(ctx context.Context, s command.Streams, o *rolloutOptions, sig rollout.Signal, reason string) error {
	env, st, err := o.openState(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	vs := env.Policy.Spec.Target.VirtualService.String()
	if !st.Found || st.Finished {
		return fmt.Errorf("no rollout of %s in progress (latest: %s)", vs, statusPhase(st))
	}
	tr := []rollout.Trailer{{Key: rollout.TrailerAction, Value: rollout.ActionControl}, {Key: rollout.TrailerRollout, Value: st.ID},
		{Key: rollout.TrailerVirtualService, Value: vs}, {Key: rollout.TrailerSignal, Value: string(sig)},
		{Key: rollout.TrailerStep, Value: fmt.Sprintf("%d/%d", st.Step, st.Steps)}}
	if reason != "" {
		tr = append(tr, rollout.Trailer{Key: rollout.TrailerReason, Value: reason})
	}
	res, err := env.Git.Signal(ctx, fmt.Sprintf("rollout %s: %s", st.ID, sig), tr)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	termsafe.Fprintf(s.Out, "%s recorded for rollout %s as %.10s\n", sig, st.ID, res.SHA)
	fmt.Fprintln(s.ErrOut, "a running `gitshift rollout start` acts on it within one analysis interval; if none runs, start one to continue")
	return nil
}
