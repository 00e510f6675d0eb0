package rollout

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Sentinels the adapters wrap (fmt.Errorf("...: %w", rollout.ErrX)) so the
// engine can tell failures apart without importing the packages behind them.
// Those with a kind carry it (errkind.Of) to whoever handles the error.
var (
	// ErrConflict: the remote changed the same weights (shift's CAS saw it).
	ErrConflict = errkind.New(errkind.Conflict, "conflicting change on the remote")
	// ErrPushExhausted: pushes kept failing; nothing was pushed.
	ErrPushExhausted = errors.New("push retries exhausted")
	// ErrUnavailable: a system (Prometheus, API server, Git remote) could not be reached.
	ErrUnavailable = errkind.New(errkind.Unavailable, "unavailable")
	// ErrNoData: the metrics exist nowhere yet (no series).
	ErrNoData = errors.New("no data")
	// ErrLeaseLost: another runner took the lease over.
	ErrLeaseLost = errkind.New(errkind.Conflict, "lease lost")
)

// LeaseHeldError: another runner holds the VirtualService's lease and renews it.
type LeaseHeldError struct {
	Lease     string // namespace/name
	Holder    string
	RenewTime time.Time
	Expires   time.Time
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("lease %s is held by %q (renewed %s, expires %s): another gitshift runner is rolling out this VirtualService",
		e.Lease, e.Holder, e.RenewTime.Format(time.RFC3339), e.Expires.Format(time.RFC3339))
}

// ErrorKind: another runner drives this VirtualService.
func (e *LeaseHeldError) ErrorKind() errkind.Kind { return errkind.Conflict }

// ForeignChangeError: a commit not made by this rollout changed the weights.
// gitshift never overwrites a person's change, so the rollout stops.
type ForeignChangeError struct {
	Commits []Commit // the foreign commits since gitshift's last one, newest first
	Want    map[string]int32
	Got     map[string]int32
	Err     error // the shifter's conflict, when that is how it was found
	// What replaces "the weights" when the weights are as expected but
	// the header route or mirror is not.
	What string
}

func (e *ForeignChangeError) Error() string {
	var who []string
	for _, c := range e.Commits {
		who = append(who, fmt.Sprintf("%s %q by %s", short(c.SHA), c.Subject, c.Author))
	}
	msg := "a commit not made by this rollout changed the weights"
	if e.What != "" {
		msg = "a commit not made by this rollout changed " + e.What
	} else if e.Got != nil {
		msg += fmt.Sprintf(" to %s (rollout expected %s)", FormatWeights(e.Got), FormatWeights(e.Want))
	}
	if len(who) > 0 {
		msg += ": " + strings.Join(who, "; ")
	}
	msg += "; stopping without overwriting it"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ForeignChangeError) Unwrap() error { return e.Err }

// ErrorKind: a person changed the same weights; nothing was overwritten.
func (e *ForeignChangeError) ErrorKind() errkind.Kind { return errkind.Conflict }

// SyncTimeoutError: Argo CD did not sync the commit in time.
type SyncTimeoutError struct {
	SHA     string
	Timeout time.Duration
	Err     error
}

func (e *SyncTimeoutError) Error() string {
	return fmt.Sprintf("Argo CD did not sync %s within %s: %v", short(e.SHA), e.Timeout, e.Err)
}

func (e *SyncTimeoutError) Unwrap() error { return e.Err }

// DriftError: the live weights differ from what Git says after Argo CD synced.
type DriftError struct {
	Want, Got map[string]int32
}

func (e *DriftError) Error() string {
	return fmt.Sprintf("live VirtualService weights %s differ from Git %s after Argo CD synced (a live edit, another controller, or a stale sync)",
		FormatWeights(e.Got), FormatWeights(e.Want))
}

// PushError: a commit could not be pushed; the remote is unchanged.
type PushError struct {
	Action string
	Err    error
	// For is how long the push was retried (0: not retried).
	For time.Duration
}

func (e *PushError) Error() string {
	if e.For > 0 {
		return fmt.Sprintf("pushing the %s commit failed for %s, the remote is unchanged: %v", e.Action, e.For.Round(time.Second), e.Err)
	}
	return fmt.Sprintf("pushing the %s commit failed, the remote is unchanged: %v", e.Action, e.Err)
}

func (e *PushError) Unwrap() error { return e.Err }

// NoDataError: metrics were missing or unreachable for too long.
type NoDataError struct {
	Since   time.Time
	Timeout time.Duration
	Err     error
}

func (e *NoDataError) Error() string {
	return fmt.Sprintf("no usable metrics for %s (since %s): %v", e.Timeout, e.Since.Format(time.RFC3339), e.Err)
}

func (e *NoDataError) Unwrap() error { return e.Err }

// StepTimeoutError: a step reached maxDuration without enough evidence.
type StepTimeoutError struct {
	Step        int
	MaxDuration time.Duration
	Requests    int64
	Needed      int64
	// ServiceRPS is the total rate the step saw, estimated from its canary
	// requests at its weight (0 when unknown: header and mirror steps).
	ServiceRPS float64
}

func (e *StepTimeoutError) Error() string {
	// Usually too little traffic for the step: point at the commands that
	// say how much each step needs and how long it takes at a given rate,
	// with the rate this step saw when it is known.
	msg := fmt.Sprintf("step %d reached maxDuration %s without enough evidence (%d canary requests, %d needed, or the judge not yet satisfied): ",
		e.Step, e.MaxDuration, e.Requests, e.Needed)
	if e.ServiceRPS <= 0 {
		return msg + "see the traffic each step needs with `gitshift check --rps <service rps>` and its decision times with `gitshift simulate`"
	}
	rps := formatRPS(e.ServiceRPS)
	return msg + fmt.Sprintf("the step saw about %s rps in all; see what each step needs at that traffic with `gitshift check --rps %s` "+
		"and its decision times with `gitshift simulate --rps %s`", rps, rps, rps)
}

// formatRPS gives a rate as a flag value: three significant digits,
// without an exponent.
func formatRPS(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// CanaryFailedError: the analysis found the canary worse (or a check failed).
type CanaryFailedError struct {
	Step   int
	Reason string
}

func (e *CanaryFailedError) Error() string {
	return fmt.Sprintf("canary failed at step %d: %s", e.Step, e.Reason)
}

// AbortedError: a person asked to abort (signal commit).
type AbortedError struct {
	By, SHA string
}

func (e *AbortedError) Error() string {
	return fmt.Sprintf("aborted by %s (commit %s)", e.By, short(e.SHA))
}

// HookError: a webhook failed.
type HookError struct {
	Point HookPoint
	Err   error
}

func (e *HookError) Error() string { return fmt.Sprintf("webhook %s failed: %v", e.Point, e.Err) }

func (e *HookError) Unwrap() error { return e.Err }

// TransitionError: a step function asked for a phase the table does not
// allow from its own: a bug, stopped safely.
type TransitionError struct{ From, To Phase }

func (e *TransitionError) Error() string {
	return fmt.Sprintf("internal error: transition %s → %s is not in the table", e.From, e.To)
}

// HistoryError: gitshift's own commits in history are inconsistent with the
// policy (e.g. the steps changed mid-rollout).
type HistoryError struct {
	SHA string
	Msg string
}

func (e *HistoryError) Error() string {
	return fmt.Sprintf("commit %s: %s", short(e.SHA), e.Msg)
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

// Err is how the rollout ended, as an error for its caller: nil when it was
// promoted; Conflict when another runner holds the lease or a person changed
// the weights; Unavailable when a system could not be reached; Invalid for
// every other ending (rolled back, failed, stopped).
func (r *Result) Err() error {
	var held *LeaseHeldError
	var foreign *ForeignChangeError
	switch {
	case r.Phase == Promoted:
		return nil
	case errors.As(r.Cause, &held), errors.As(r.Cause, &foreign):
		return errkind.Wrap(errkind.Conflict, r.Cause)
	case errors.Is(r.Cause, ErrUnavailable):
		return errkind.Errorf(errkind.Unavailable, "rollout %s %s: %w", r.ID, r.Phase, r.Cause)
	case r.Cause != nil:
		return errkind.Errorf(errkind.Invalid, "rollout %s %s: %w", r.ID, r.Phase, r.Cause)
	}
	return errkind.Errorf(errkind.Invalid, "rollout %s ended %s", r.ID, r.Phase)
}
