package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/source"
)

func checkArgoCD(ctx context.Context, s *State) Result {
	if r, ok := s.needs("application", "git"); !ok {
		return r
	}
	want := s.Checkout.SHA
	pushedAt := s.Checkout.Time
	if want == "" {
		// A plain directory has no SHA: judge the rest of the status only.
		if revs := s.Application.Revisions(); len(revs) > 0 {
			want = revs[len(revs)-1]
		}
		pushedAt = time.Time{}
	}
	var (
		a   argocd.Assessment
		err error
	)
	progress := func(a argocd.Assessment) { s.Progress("argocd: " + a.Summary()) }
	switch {
	case s.Refresh:
		refreshedAt := s.Now()
		if err := s.Apps.Refresh(ctx, s.AppNamespace, s.App, s.RefreshType); err != nil {
			return errorResult("requesting a refresh", err)
		}
		s.Progress(fmt.Sprintf("argocd: %s refresh requested for %s/%s, waiting up to %s for %s", s.RefreshType, s.AppNamespace, s.App, s.Wait, short(want)))
		// The annotation makes the controller reconcile now, so a status
		// reconciled before this moment is not the answer to our refresh.
		if refreshedAt.After(pushedAt) {
			pushedAt = refreshedAt
		}
		a, err = s.wait(ctx, want, pushedAt, progress)
	case s.Wait > 0:
		s.Progress(fmt.Sprintf("argocd: waiting up to %s for %s/%s to reach %s", s.Wait, s.AppNamespace, s.App, short(want)))
		a, err = s.wait(ctx, want, pushedAt, progress)
	default:
		a = argocd.Assess(s.Application, want, pushedAt)
	}
	if err != nil && !isTimeout(err) {
		return errorResult("waiting for Argo CD", err)
	}
	s.Assessment = a
	if app, gerr := s.Apps.Get(ctx, s.AppNamespace, s.App); gerr == nil {
		s.Application = app // the freshest status explains later checks
	}
	ev := map[string]any{"assessment": a}
	summary := fmt.Sprintf("%s, %s at %s", a.Sync, a.Health, strings.Join(shortAll(a.Revisions), ","))
	if a.Live {
		r := Result{Status: Pass, Summary: summary + " (head " + short(want) + ")" + reconciled(a), Evidence: ev}
		if t, ok := s.Application.LastSyncOf(want); ok {
			ev["sync"] = map[string]any{"startedAt": t.Started, "finishedAt": t.Finished, "applySeconds": t.Apply().Seconds()}
			r.Summary += fmt.Sprintf(", applied in %s", roundDuration(t.Apply()))
			r.Notes = syncNotes(s.Application, t, s.Checkout.Time)
		}
		return r
	}
	if a.Has(argocd.ReasonRevisionMismatch) {
		summary += ", want " + short(want)
	}
	r := Result{Status: Fail, Summary: summary + reconciled(a), Evidence: ev}
	for _, f := range a.Findings {
		r.Details = append(r.Details, f.Message)
	}
	r.Cause, r.Fix = s.explainArgo(a)
	if isTimeout(err) {
		r.Cause = fmt.Sprintf("not live after waiting %s; %s", s.Wait, r.Cause)
	}
	return r
}

func (s *State) wait(ctx context.Context, sha string, pushedAt time.Time, progress func(argocd.Assessment)) (argocd.Assessment, error) {
	wctx, cancel := context.WithTimeout(ctx, s.Wait)
	defer cancel()
	a, err := s.Apps.WaitForRevision(wctx, s.AppNamespace, s.App, sha, pushedAt, progress)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return a, errWaitTimeout
	}
	return a, err
}

// explainArgo turns the first failing clause into a cause and a fix; the
// details list every clause.
func (s *State) explainArgo(a argocd.Assessment) (cause, fix string) {
	f := a.Findings[0]
	syncCmd := fmt.Sprintf("argocd app sync %s (or enable automated sync)", s.App)
	// A failed sync of this revision explains everything after it, whatever
	// clause comes first (OutOfSync, a retry's operation, stale health).
	if msg := syncFailure(s.Application, a.Want); msg != "" {
		cause = "Argo CD's sync failed: " + refusal(msg)
		switch op := s.Application.Status.OperationState; {
		case op.RetryCount > 0:
			cause += fmt.Sprintf("; Argo CD is retrying it (attempt %d), which fails the same way until Git changes", op.RetryCount)
		case s.Application.Automated():
			cause += "; automated sync does not try this revision again"
		}
		return cause, "fix the manifest (gitshift check flags it before a push) and push a new commit"
	}
	switch f.Reason {
	case argocd.ReasonRevisionMismatch, argocd.ReasonNotReconciledSincePush:
		return "Argo CD has not looked at Git since the push: it polls every 3 minutes (2.x) or 2-3 minutes (3.x)",
			"run with --refresh (sets argocd.argoproj.io/refresh), or configure Argo CD's Git webhook"
	case argocd.ReasonComparedToStale:
		return "the Application's spec changed and Argo CD has not reconciled it yet", "run with --refresh or --wait 1m"
	case argocd.ReasonComparisonError:
		return "Argo CD cannot render this revision: " + f.Message, "fix the manifest (gitshift check shows file and line) and push"
	case argocd.ReasonOutOfSync, argocd.ReasonSyncUnknown:
		if !s.Application.Automated() {
			return "the Application uses manual sync: Git changed, the cluster did not", syncCmd
		}
		if !s.Application.SelfHeal() {
			return "live objects differ from Git and selfHeal is off, so Argo CD does not revert live edits",
				"undo the live edit with " + syncCmd + ", or set syncPolicy.automated.selfHeal: true"
		}
		return "Argo CD has not finished syncing", "run with --wait 2m"
	case argocd.ReasonOperationRunning, argocd.ReasonProgressing, argocd.ReasonHealthStale:
		return "a sync or rollout is still in progress", "run with --wait 3m"
	case argocd.ReasonDegraded, argocd.ReasonMissing, argocd.ReasonSuspended, argocd.ReasonHealthUnknown:
		var bad []string
		for _, r := range s.Application.Status.Resources {
			if r.Health != nil && r.Health.Status != argocd.HealthHealthy {
				bad = append(bad, fmt.Sprintf("%s/%s %s %s", r.Kind, r.Name, r.Health.Status, r.Health.Message))
			}
		}
		return "resources are not healthy: " + strings.Join(bad, "; "), "kubectl describe the resources named; check their pods and events"
	}
	return f.Message, ""
}

// slowApply is the sync duration above which verify suggests
// ApplyOutOfSyncOnly: with it Argo CD applies only the changed VirtualService
// (1.1–1.4 s per step in gitshift's lab), without it every object of the
// Application is validated and applied again (3.4–3.7 s there).
const slowApply = 2 * time.Second

// slowNotice is the commit → sync start delay above which Argo CD found the
// commit by polling rather than by a webhook or a refresh.
const slowNotice = 30 * time.Second

// syncNotes advises on a slow path from commit to live objects: the two
// causes gitshift can name from the status alone.
func syncNotes(app argocd.AppStatus, t argocd.SyncTiming, committed time.Time) []string {
	var notes []string
	if t.Apply() >= slowApply && !app.HasSyncOption(source.ApplyOutOfSyncOnly) {
		notes = append(notes, fmt.Sprintf("Argo CD took %s to apply this revision and re-applies every object of the Application on each sync; "+
			"add %s to spec.syncPolicy.syncOptions so a weight change applies only the VirtualService (docs/performance.md)",
			roundDuration(t.Apply()), source.ApplyOutOfSyncOnly))
	}
	if !committed.IsZero() && t.Started.Sub(committed) >= slowNotice {
		notes = append(notes, fmt.Sprintf("the sync started %s after the commit's time: Argo CD found it by polling Git; "+
			"a Git webhook (or `gitshift rollout`, which requests a refresh at each push) makes that seconds",
			roundDuration(t.Started.Sub(committed))))
	}
	return notes
}

func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

func reconciled(a argocd.Assessment) string {
	if a.ReconciledAt == nil {
		return ""
	}
	return ", reconciled " + a.ReconciledAt.UTC().Format(time.RFC3339)
}

func shortAll(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = short(s[i])
	}
	return out
}
