package cli

import (
	"errors"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Exit codes scripts can rely on. They are part of the CLI contract: do not renumber.
const (
	ExitOK          = 0 // everything passed
	ExitFailed      = 1 // a check failed, or the input is invalid (the message says where)
	ExitUnavailable = 2 // could not check: API server, Argo CD, Prometheus or remote unreachable
	ExitConflict    = 3 // someone else changed the same thing (e.g. the same weights, a held lease)
	ExitUsage       = 4 // bad flags or arguments
)

// exitCode is the one mapping from an error to the process exit code: by
// its kind (errkind.Of), which the library that knew what went wrong set.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch errkind.Of(err) {
	case errkind.Unavailable:
		return ExitUnavailable
	case errkind.Conflict:
		return ExitConflict
	case errkind.Usage:
		return ExitUsage
	}
	return ExitFailed
}

// reportedError is an outcome the command already showed (a failing
// checklist, an unhealthy lab): Main exits by its kind and prints nothing more.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// reported marks err as already shown to the user.
func reported(err error) error {
	if err == nil {
		return nil
	}
	return &reportedError{err: err}
}

// isReported reports whether err was already shown.
func isReported(err error) bool {
	var r *reportedError
	return errors.As(err, &r)
}
