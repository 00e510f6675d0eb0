package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: replaced by the implementation of issue 3.
func newShiftCommand(_ Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "shift",
		Short: "NOT IMPLEMENTED YET (issue 3)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gitshift shift is not implemented yet (issue 3)")
		},
	}
}
