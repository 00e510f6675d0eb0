package command

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/termsafe"
)

// Exit codes scripts can rely on. They are part of the CLI contract: do not renumber.
const (
	ExitOK          = 0 // everything passed
	ExitFailed      = 1 // a check failed, or the input is invalid (the message says where)
	ExitUnavailable = 2 // could not check: API server, Argo CD, Prometheus or remote unreachable
	ExitConflict    = 3 // someone else changed the same thing (e.g. the same weights, a held lease)
	ExitUsage       = 4 // bad flags or arguments
)

// ExitCode is the one mapping from an error to the process exit code: by
// its kind (errkind.Of), which the library that knew what went wrong set.
func ExitCode(err error) int {
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
// checklist, an unhealthy lab): Execute exits by its kind and prints
// nothing more.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// Reported marks err as already shown to the user.
func Reported(err error) error {
	if err == nil {
		return nil
	}
	return &reportedError{err: err}
}

// Execute runs cmd (a command tree) with args, prints the error a command
// returns on s.ErrOut (unless it was Reported) and returns the exit code.
// Flag and argument errors, flag values out of range and unknown commands
// are usage errors (exit 4): see prepare.
func Execute(ctx context.Context, cmd *cobra.Command, args []string, s Streams) int {
	cmd.SetArgs(args)
	cmd.SetIn(s.In)
	cmd.SetOut(s.Out)
	cmd.SetErr(s.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return errkind.Wrap(errkind.Usage, err) })
	prepare(cmd)
	err := cmd.ExecuteContext(ctx)
	var r *reportedError
	if err != nil && !errors.As(err, &r) {
		fmt.Fprintf(s.ErrOut, "error: %s\n", ErrorText(err))
	}
	return ExitCode(err)
}

// ErrorText is err as gitshift prints it: no URL credentials, whoever
// wrapped the error; no control character of a name in it acting on the
// terminal; every line after the first indented, so that a newline in a
// file name cannot print a line that looks like gitshift's own.
func ErrorText(err error) string {
	return strings.ReplaceAll(termsafe.Lines(redact.Text(err.Error())), "\n", "\n  ")
}
