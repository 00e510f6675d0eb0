//go:build !unix

package source

import "os"

// openRead opens path for reading (see the unix version for why it exists).
func openRead(path string) (*os.File, error) { return os.Open(path) }
