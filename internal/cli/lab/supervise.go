package lab

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

// newLabSuperviseCommand is the detached process `lab up` starts: it brings
// the components up in order and waits on them until SIGTERM (from `down`).
func newLabSuperviseCommand(s command.Streams, f *labFlags) *cobra.Command {
	return &cobra.Command{
		Use:    "supervise",
		Short:  "internal: run the lab supervisor (started by `gitshift lab up`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.resolveDir()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sup, err := lab.LoadSupervisor(dir, s.ErrOut)
			if err != nil {
				return err
			}
			return sup.Run(ctx)
		},
	}
}
