// Package cli is gitshift's command tree. The tree mirrors the packages:
// each command group lives in its own package (check for check and render,
// shift, verify, rollout, lab), each command in a small file with a private
// flags struct and a run function that turns flags into library calls.
// What they share (streams, -o formats, exit codes) is package command;
// only Main decides the exit code.
package cli

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/check"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/cli/controller"
	"github.com/gitshift/gitshift/internal/cli/dashboard"
	"github.com/gitshift/gitshift/internal/cli/lab"
	"github.com/gitshift/gitshift/internal/cli/rollout"
	"github.com/gitshift/gitshift/internal/cli/shift"
	"github.com/gitshift/gitshift/internal/cli/simulate"
	"github.com/gitshift/gitshift/internal/cli/verify"
	"github.com/gitshift/gitshift/internal/redact"
)

// Main runs gitshift with args and returns the process exit code.
func Main(ctx context.Context, args []string, s command.Streams) int {
	return command.Execute(ctx, NewRootCommand(s), args, s)
}

type globalOptions struct {
	verbosity int
}

// NewRootCommand builds the command tree.
func NewRootCommand(s command.Streams) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "gitshift",
		Short: "Canary releases for Argo CD + Istio, through Git",
		Long: `gitshift runs canary releases through Git. Every traffic step is a commit that
changes Istio VirtualService weights (or the Helm value that renders them);
Argo CD applies it; gitshift proves that Git, Argo CD, the live cluster and the
measured traffic agree, judges the canary from Prometheus, and promotes or
rolls back, again by commit.

Exit codes: 0 ok, 1 a check failed or the input is invalid, 2 could not check
(a system was unreachable), 3 conflict, 4 usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			level := slog.LevelWarn
			switch {
			case g.verbosity >= 2:
				level = slog.LevelDebug
			case g.verbosity == 1:
				level = slog.LevelInfo
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(redact.Writer(s.ErrOut), &slog.HandlerOptions{Level: level})))
		},
	}
	root.PersistentFlags().CountVarP(&g.verbosity, "verbose", "v", "more log output on stderr (-v info, -vv debug)")
	root.AddCommand(
		check.NewCheckCommand(s),
		check.NewRenderCommand(s),
		shift.NewCommand(s),
		verify.NewCommand(s),
		rollout.NewCommand(s),
		lab.NewCommand(s),
		simulate.NewCommand(s),
		newVersionCommand(s),
		controller.NewCommand(s),
		dashboard.NewCommand(s),
	)
	return root
}
