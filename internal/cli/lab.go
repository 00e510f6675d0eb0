package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: replaced by the implementation of issue 4.
func newLabCommand(_ Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "NOT IMPLEMENTED YET (issue 4)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gitshift lab is not implemented yet (issue 4)")
		},
	}
}
