// Package errkind classifies errors by what the caller can do about them:
// the input is invalid (fix it), a system could not be reached (try again
// later), someone else changed the same thing (look, then retry), or the
// command was called wrongly. Library packages mark their errors once,
// where they know what went wrong; the CLI turns the kind into an exit code
// in one place, and the controller into a requeue decision.
//
// A mark wraps the error and keeps its chain, so errors.As and errors.Is on
// the original error still work. Of finds the outermost mark: a caller that
// wraps an error again with another kind knows better than the callee.
package errkind

import (
	"errors"
	"fmt"
)

// Kind is an error's class. It implements error only so that
// errors.Is(err, errkind.Unavailable) reads naturally; it is never returned
// on its own.
type Kind int

const (
	// None: not classified. Callers treat it like Invalid.
	None Kind = iota
	// Invalid: the input is invalid or a check failed; the message says
	// where. Fix the input.
	Invalid
	// Unavailable: a system (API server, Argo CD, Prometheus, a Git remote)
	// could not be asked, so nothing could be checked. Try again later.
	Unavailable
	// Conflict: someone else changed the same thing meanwhile (the same
	// weights, a held lease, a running lab). Nothing was overwritten.
	Conflict
	// Usage: the call itself is wrong (a missing or malformed option).
	Usage
)

var names = [...]string{"unclassified", "invalid", "unavailable", "conflict", "usage"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(names) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return names[k]
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return k.String() }

// Classified is implemented by errors that know their kind: the wrapper
// below, and library error types (e.g. an unreachable API server).
type Classified interface {
	error
	ErrorKind() Kind
}

// Error marks Err with Kind. Its message is Err's.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) ErrorKind() Kind { return e.Kind }

// Is lets errors.Is(err, errkind.Conflict) find the mark.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Wrap marks err with k; nil stays nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// Errorf is Wrap(k, fmt.Errorf(format, args...)); %w keeps the chain.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

// New returns a marked sentinel error: errors.Is(err, sentinel) and
// Of(err) both work on anything that wraps it.
func New(k Kind, msg string) error { return &Error{Kind: k, Err: errors.New(msg)} }

// Of returns the kind of the outermost classified error in err's chain, or
// None (also for nil).
func Of(err error) Kind {
	var c Classified
	if errors.As(err, &c) {
		return c.ErrorKind()
	}
	return None
}
