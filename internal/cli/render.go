package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: replaced by the implementation of issue 2.
func newRenderCommand(_ Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "render",
		Short: "NOT IMPLEMENTED YET (issue 2)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gitshift render is not implemented yet (issue 2)")
		},
	}
}
