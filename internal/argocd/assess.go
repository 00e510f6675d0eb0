package argocd

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reason names one clause of "SHA X is live" that does not hold.
type Reason string

const (
	// ReasonComparedToStale: status.sync.comparedTo is not the current spec,
	// so every other status field describes an older spec.
	ReasonComparedToStale Reason = "ComparedToStale"
	// ReasonRevisionMismatch: Argo CD last compared another revision (older,
	// or newer when someone pushed since).
	ReasonRevisionMismatch Reason = "RevisionMismatch"
	ReasonOutOfSync        Reason = "OutOfSync"
	ReasonSyncUnknown      Reason = "SyncUnknown"
	ReasonDegraded         Reason = "Degraded"
	ReasonProgressing      Reason = "Progressing"
	ReasonMissing          Reason = "Missing"
	ReasonSuspended        Reason = "Suspended"
	ReasonHealthUnknown    Reason = "HealthUnknown"
	// ReasonOperationRunning: .operation is set or operationState.phase is
	// Running/Terminating: a sync is pending or in flight.
	ReasonOperationRunning Reason = "OperationRunning"
	ReasonComparisonError  Reason = "ComparisonError"
	// ReasonNotReconciledSincePush: reconciledAt is before the push, so the
	// status cannot reflect the pushed commit yet.
	ReasonNotReconciledSincePush Reason = "NotReconciledSincePush"
	// ReasonHealthStale: the last sync finished after the last reconcile, so
	// health was computed before the synced objects existed (Kargo distrusts
	// health in this state for the same reason).
	ReasonHealthStale Reason = "HealthStale"
)

// Finding is one failing clause with a human explanation.
type Finding struct {
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

// Assessment is the answer to "is SHA X live?" with the status it was read
// from, so callers can print evidence.
type Assessment struct {
	Live         bool       `json:"live"`
	Want         string     `json:"want"`
	Revisions    []string   `json:"revisions,omitempty"`
	Sync         string     `json:"sync"`
	Health       string     `json:"health"`
	Phase        string     `json:"operationPhase,omitempty"`
	PhaseMessage string     `json:"operationMessage,omitempty"`
	ReconciledAt *time.Time `json:"reconciledAt,omitempty"`
	// SyncedAt is operationState.finishedAt of the last operation: the
	// latest moment Argo CD changed live objects.
	SyncedAt *time.Time `json:"syncedAt,omitempty"`
	Findings []Finding  `json:"findings,omitempty"`
}

// Has reports whether r is among the failing clauses.
func (a Assessment) Has(r Reason) bool {
	return slices.ContainsFunc(a.Findings, func(f Finding) bool { return f.Reason == r })
}

// Summary is a one-line description for progress output.
func (a Assessment) Summary() string {
	rev := "none"
	if len(a.Revisions) > 0 {
		rev = strings.Join(shortAll(a.Revisions), ",")
	}
	s := fmt.Sprintf("%s/%s at %s", orNone(a.Sync), orNone(a.Health), rev)
	if a.Phase != "" {
		s += ", last operation " + a.Phase
	}
	if a.Live {
		return s + ": live"
	}
	rs := make([]string, len(a.Findings))
	for i, f := range a.Findings {
		rs[i] = string(f.Reason)
	}
	return s + ": waiting (" + strings.Join(rs, ", ") + ")"
}

// Assess decides whether wantSHA is live according to the Application's
// status (reference/argocd.md): comparedTo equals spec, sync.revision is
// wantSHA, Synced, Healthy, no operation pending or running, no
// ComparisonError, and a reconcile after pushedAt. It deliberately does not
// require operationState.syncResult.revision == wantSHA: a commit that does
// not change the rendered output never triggers a sync, yet it is live.
// A zero pushedAt skips the reconcile clause.
func Assess(app AppStatus, wantSHA string, pushedAt time.Time) Assessment {
	st := app.Status
	as := Assessment{
		Want:         wantSHA,
		Revisions:    app.Revisions(),
		Sync:         st.Sync.Status,
		Health:       st.Health.Status,
		ReconciledAt: st.ReconciledAt,
	}
	if op := st.OperationState; op != nil {
		as.Phase, as.PhaseMessage, as.SyncedAt = op.Phase, op.Message, op.FinishedAt
	}
	add := func(r Reason, format string, args ...any) {
		as.Findings = append(as.Findings, Finding{Reason: r, Message: fmt.Sprintf(format, args...)})
	}

	if d := comparedToDiff(app); d != "" {
		add(ReasonComparedToStale, "status is stale: %s (Argo CD has not reconciled the current spec)", d)
	}
	if !slices.Contains(as.Revisions, wantSHA) {
		if len(as.Revisions) == 0 {
			add(ReasonRevisionMismatch, "Argo CD has not compared any revision yet (want %s)", short(wantSHA))
		} else {
			add(ReasonRevisionMismatch, "Argo CD compared %s, not %s", strings.Join(shortAll(as.Revisions), ","), short(wantSHA))
		}
	}
	switch st.Sync.Status {
	case SyncSynced:
	case SyncOutOfSync:
		add(ReasonOutOfSync, "live objects differ from Git (OutOfSync)")
	default:
		add(ReasonSyncUnknown, "sync status is %q", orNone(st.Sync.Status))
	}
	switch st.Health.Status {
	case HealthHealthy:
	case HealthDegraded:
		add(ReasonDegraded, "health Degraded%s", withMsg(st.Health.Message))
	case HealthProgressing:
		add(ReasonProgressing, "health Progressing%s", withMsg(st.Health.Message))
	case HealthMissing:
		add(ReasonMissing, "health Missing: objects in Git do not exist live%s", withMsg(st.Health.Message))
	case HealthSuspended:
		add(ReasonSuspended, "health Suspended%s", withMsg(st.Health.Message))
	default:
		add(ReasonHealthUnknown, "health is %q", orNone(st.Health.Status))
	}
	if app.Operation != nil {
		add(ReasonOperationRunning, "an operation is pending (.operation is set)")
	} else if p := as.Phase; p == PhaseRunning || p == PhaseTerminating {
		add(ReasonOperationRunning, "operation %s%s", p, withMsg(as.PhaseMessage))
	}
	for _, c := range st.Conditions {
		if c.Type == ConditionComparisonError {
			add(ReasonComparisonError, "ComparisonError: %s", c.Message)
		}
	}
	switch rec := st.ReconciledAt; {
	case rec == nil:
		add(ReasonNotReconciledSincePush, "never reconciled")
	case !pushedAt.IsZero() && rec.Before(pushedAt.Truncate(time.Second)):
		// reconciledAt has one-second resolution: compare at that resolution
		// or a reconcile in the same second as the push would never count.
		add(ReasonNotReconciledSincePush, "last reconciled %s, before the push at %s",
			rec.UTC().Format(time.RFC3339), pushedAt.UTC().Format(time.RFC3339))
	case as.SyncedAt != nil && rec.Before(as.SyncedAt.Truncate(time.Second)):
		add(ReasonHealthStale, "last sync finished %s after the last reconcile %s: health not re-assessed yet",
			as.SyncedAt.UTC().Format(time.RFC3339), rec.UTC().Format(time.RFC3339))
	}
	as.Live = len(as.Findings) == 0
	return as
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func shortAll(shas []string) []string {
	out := make([]string, len(shas))
	for i, s := range shas {
		out[i] = short(s)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func withMsg(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}
