package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
)

func newVersionCommand(s command.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gitshift's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			_, err := fmt.Fprintf(s.Out, "gitshift %s\n", v)
			return err
		},
	}
}
