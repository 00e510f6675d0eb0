// Package cli holds gitshift's cobra commands. Each command lives in its own
// file with a private options struct and a run function that turns flags into
// calls to the library packages; only Main decides the exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
)

// Main runs gitshift with args and returns the process exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	root := NewRootCommand(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Err != nil {
			fmt.Fprintf(s.ErrOut, "error: %v\n", err)
		}
	}
	return exitCode(err)
}

type globalOptions struct {
	verbosity int
}

// NewRootCommand builds the command tree.
func NewRootCommand(s Streams) *cobra.Command {
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
			slog.SetDefault(slog.New(slog.NewTextHandler(s.ErrOut, &slog.HandlerOptions{Level: level})))
		},
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.PersistentFlags().CountVarP(&g.verbosity, "verbose", "v", "more log output on stderr (-v info, -vv debug)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withCode(ExitUsage, err) })

	root.AddCommand(
		newCheckCommand(s),
		newRenderCommand(s),
		newShiftCommand(s),
		newVerifyCommand(s),
		newRolloutCommand(s),
		newLabCommand(s),
		newSimulateCommand(s),
		newVersionCommand(s),
	)
	usageArgs(root)
	return root
}

// usageArgs makes every positional-argument error exit with ExitUsage, like
// flag errors: cobra's validators return plain errors, which would exit 1
// and read as "a check failed" to a script.
func usageArgs(c *cobra.Command) {
	if validate := c.Args; validate != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, args); err != nil {
				return withCode(ExitUsage, err)
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}
