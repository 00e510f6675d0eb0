package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: replaced by the implementation of issue 5.
func newVerifyCommand(_ Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "NOT IMPLEMENTED YET (issue 5)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gitshift verify is not implemented yet (issue 5)")
		},
	}
}
