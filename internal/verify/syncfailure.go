package verify

import (
	"strings"

	"github.com/gitshift/gitshift/internal/argocd"
)

// syncFailure is the message of the Application's last sync when it failed
// for the revision being verified: the operation ended Failed or Error, or
// runs again after failing (a retry, syncPolicy.retry). "" otherwise. A
// failure of an older revision is not this commit's.
func syncFailure(app argocd.AppStatus, sha string) string {
	op := app.Status.OperationState
	if op == nil {
		return ""
	}
	if r := op.SyncResult; r != nil && sha != "" && r.Revision != "" && r.Revision != sha && !containsRev(r.Revisions, sha) {
		return ""
	}
	switch {
	case op.Phase == argocd.PhaseFailed, op.Phase == argocd.PhaseError:
		return op.Message
	case op.Phase == argocd.PhaseRunning && op.RetryCount > 0:
		return op.Message
	}
	return ""
}

func containsRev(revs []string, sha string) bool {
	for _, r := range revs {
		if r == sha {
			return true
		}
	}
	return false
}

// refusal explains an apply error: an admission webhook's denial names the
// webhook, and istiod's validation (Istio's webhooks are
// *.validation.istio.io) is called by its name.
func refusal(msg string) string {
	const marker = `admission webhook "`
	i := strings.Index(msg, marker)
	if i < 0 {
		return msg
	}
	rest := msg[i+len(marker):]
	name, after, ok := strings.Cut(rest, `" denied the request`)
	if !ok {
		return msg
	}
	reason := strings.TrimPrefix(strings.TrimSpace(after), ":")
	reason = strings.TrimSpace(reason)
	who := "the admission webhook " + name
	if strings.HasSuffix(name, "validation.istio.io") {
		who = "istiod's validating webhook (" + name + ")"
	}
	return who + " refused an object: " + reason
}
