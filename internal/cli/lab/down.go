package lab

import (
	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

func newLabDownCommand(s command.Streams, f *labFlags) *cobra.Command {
	var purge bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop every process the lab started (by pid); keep its data unless --purge",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.resolveDir()
			if err != nil {
				return err
			}
			return lab.Down(cmd.Context(), lab.DownOptions{Dir: dir, Purge: purge, Progress: s.ErrOut})
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "also delete the lab directory (cluster data, Git repo, logs)")
	return cmd
}
