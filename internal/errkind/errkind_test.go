package errkind

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

// typed is a library error type that knows its kind.
type typed struct{ err error }

func (t *typed) Error() string   { return "typed: " + t.err.Error() }
func (t *typed) Unwrap() error   { return t.err }
func (t *typed) ErrorKind() Kind { return Unavailable }

var errSentinel = New(Conflict, "held by someone else")

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, None},
		{"plain", errors.New("x"), None},
		{"wrapped mark", fmt.Errorf("reading: %w", Wrap(Usage, errors.New("bad"))), Usage},
		{"library type", fmt.Errorf("a: %w", &typed{err: errors.New("refused")}), Unavailable},
		{"sentinel", fmt.Errorf("lease: %w", errSentinel), Conflict},
		{"outermost wins", Wrap(Invalid, fmt.Errorf("x: %w", &typed{err: errors.New("y")})), Invalid},
		{"joined", errors.Join(errors.New("a"), Wrap(Conflict, errors.New("b"))), Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.err); got != tt.want {
				t.Errorf("Of = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestChainKept: a mark changes neither the message nor what errors.Is and
// errors.As find underneath it.
func TestChainKept(t *testing.T) {
	inner := fmt.Errorf("open x: %w", fs.ErrNotExist)
	err := Errorf(Invalid, "reading policy: %w", inner)
	if err.Error() != "reading policy: open x: file does not exist" {
		t.Errorf("message %q", err)
	}
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, Invalid) || errors.Is(err, Usage) {
		t.Error("errors.Is lost the chain or the kind")
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != Invalid {
		t.Errorf("errors.As: %v", e)
	}
	if !errors.Is(fmt.Errorf("x: %w", errSentinel), errSentinel) {
		t.Error("sentinel identity lost")
	}
	if Wrap(Usage, nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if errors.Is(context.Canceled, Unavailable) {
		t.Error("an unmarked error matched a kind")
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{None: "unclassified", Invalid: "invalid", Unavailable: "unavailable", Conflict: "conflict", Usage: "usage", Kind(9): "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d: %q", int(k), k.String())
		}
	}
}
