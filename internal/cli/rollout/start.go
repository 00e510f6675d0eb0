package rollout

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

func newRolloutStartCommand(s command.Streams, o *rolloutOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run (or resume) the rollout until it is promoted, rolled back or stopped",
		Example: `  gitshift rollout start --policy canary/policy.yaml --prometheus http://localhost:9090
  gitshift rollout start --app bookinfo --virtualservice bookinfo/reviews --stable v1 --canary v3 \
      --steps 5,25,50,100 --min-duration 1m -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRolloutStart(cmd.Context(), s, o) },
	}
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON)
	cmd.Flags().StringVar(&o.report, "report", "", "also write the markdown report to this file")
	return cmd
}

func runRolloutStart(ctx context.Context, s command.Streams, o *rolloutOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON)
	if err != nil {
		return err
	}
	pol, err := o.policy(true)
	if err != nil {
		return err
	}
	var view rollout.EventSink
	if format == command.JSON {
		view = newJSONEvents(s.Out)
	} else {
		view = newLiveView(s.ErrOut, s.Interactive, pol)
	}
	r, err := o.build(ctx, pol, view)
	if err != nil {
		return err
	}
	defer r.Close()
	eng, err := r.Engine()
	if err != nil {
		return err
	}
	res, runErr := eng.Run(ctx)
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	if err := writeRolloutReport(s, o, format, pol, res); err != nil {
		return err
	}
	if runErr != nil {
		return errkind.Wrap(errkind.Invalid, fmt.Errorf("interrupted in %s: the rollout's state is in Git; `gitshift rollout start` resumes it", res.Phase))
	}
	return res.Err()
}

// writeRolloutReport prints the markdown report on stdout in text mode (the
// live view went to stderr) and to --report when given.
func writeRolloutReport(s command.Streams, o *rolloutOptions, format command.Format, pol *policy.CanaryPolicy, res *rollout.Result) error {
	if format == command.Text {
		if err := rollout.WriteReport(s.Out, pol, res); err != nil {
			return err
		}
	}
	if o.report == "" {
		return nil
	}
	f, err := os.Create(o.report)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	defer f.Close()
	return rollout.WriteReport(f, pol, res)
}
