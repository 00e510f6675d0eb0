package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gitshift/gitshift/internal/errkind"
)

// FieldError is one problem in a policy, located by field path and, when the
// policy came from a file, by file and line.
type FieldError struct {
	File  string
	Line  int
	Field string // e.g. spec.steps[2].weight
	Msg   string
	// Err is a sentinel callers may test for (errors.Is), e.g. ErrSeveralPolicies.
	Err error
}

// ErrSeveralPolicies: the file holds more than one CanaryPolicy and no name
// was given to choose one.
var ErrSeveralPolicies = errors.New("several CanaryPolicies")

func (e *FieldError) Unwrap() error { return e.Err }

func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Error lists every problem found in a policy, so a user fixes them in one
// round. Check for it with errors.As; each entry carries file:line.
type Error struct {
	Problems []*FieldError
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "invalid CanaryPolicy: " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid CanaryPolicy (%d problems):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As every problem.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// ErrorKind: the policy is invalid input.
func (e *Error) ErrorKind() errkind.Kind { return errkind.Invalid }

// errs collects FieldErrors, locating them with a line index when there is one.
type errs struct {
	file  string
	lines lineIndex
	list  []*FieldError
}

func (c *errs) addf(field, format string, args ...any) {
	c.list = append(c.list, &FieldError{File: c.file, Line: c.lines.find(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return &Error{Problems: c.list}
}
