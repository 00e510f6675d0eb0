package verify

import (
	"fmt"

	"github.com/gitshift/gitshift/internal/errkind"
)

// OutcomeError is a report that did not pass, as an error.
type OutcomeError struct {
	Outcome Outcome
	// Unchecked is the first check that could not run (Outcome
	// unavailable); nil when none says why.
	Unchecked *Result
}

func (e *OutcomeError) Error() string {
	if e.Unchecked != nil {
		return fmt.Sprintf("could not check %s: %s", e.Unchecked.ID, e.Unchecked.Error)
	}
	if e.Outcome == OutcomeUnavailable {
		return "could not check everything"
	}
	return "verification failed"
}

// ErrorKind: unavailable when something could not be checked and nothing
// failed; invalid when a check failed.
func (e *OutcomeError) ErrorKind() errkind.Kind {
	if e.Outcome == OutcomeUnavailable {
		return errkind.Unavailable
	}
	return errkind.Invalid
}

// Err is the report's outcome as an error: nil when every check passed.
func (r Report) Err() error {
	switch r.Outcome {
	case OutcomePassed:
		return nil
	case OutcomeUnavailable:
		for i := range r.Results {
			if r.Results[i].Status == Error {
				return &OutcomeError{Outcome: r.Outcome, Unchecked: &r.Results[i]}
			}
		}
	}
	return &OutcomeError{Outcome: r.Outcome}
}
