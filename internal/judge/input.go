package judge

import (
	"fmt"

	"github.com/gitshift/gitshift/internal/stats"
)

// checkWindow validates a window and clamps Errors to Requests: the two come
// from separate series scraped at slightly different instants, so a window
// can briefly show more errors than requests. It returns whether it clamped.
func checkWindow(c *stats.Counts, arm string) (clamped bool, err error) {
	if c.Requests < 0 || c.Errors < 0 {
		return false, fmt.Errorf("%s: negative counts (requests %d, errors %d); pass increases, see stats.Delta", arm, c.Requests, c.Errors)
	}
	if _, err := stats.Disjoint(c.Buckets); err != nil {
		return false, fmt.Errorf("%s: %w", arm, err)
	}
	if c.Errors > c.Requests {
		c.Errors = c.Requests
		return true, nil
	}
	return false, nil
}
