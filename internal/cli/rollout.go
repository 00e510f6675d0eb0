package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: replaced by the implementation of issue 6.
func newRolloutCommand(_ Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "rollout",
		Short: "NOT IMPLEMENTED YET (issue 6)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gitshift rollout is not implemented yet (issue 6)")
		},
	}
}
