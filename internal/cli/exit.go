package cli

import (
	"errors"
	"fmt"

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

// ExitError carries an exit code through cobra to Main. A nil Err means the
// command already reported (e.g. printed a failing checklist) and only the
// code matters.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// withCode wraps err so that Main exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// silentExit makes Main exit with code without printing anything more.
func silentExit(code int) error { return &ExitError{Code: code} }

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
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
