package verify

import (
	"testing"

	"github.com/gitshift/gitshift/internal/argocd"
)

func TestRefusal(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`one or more objects failed to apply, reason: admission webhook "rev.validation.istio.io" denied the request: configuration is invalid: weight -10 < 0`,
			"istiod's validating webhook (rev.validation.istio.io) refused an object: configuration is invalid: weight -10 < 0"},
		{`admission webhook "policy.example.com" denied the request: no`, "the admission webhook policy.example.com refused an object: no"},
		{"the server could not find the requested resource", "the server could not find the requested resource"},
	}
	for _, tt := range tests {
		if got := refusal(tt.msg); got != tt.want {
			t.Errorf("refusal(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

func TestSyncFailure(t *testing.T) {
	const sha, older = "aaaaaaa", "bbbbbbb"
	op := func(phase string, retries int64, rev string) argocd.AppStatus {
		var a argocd.AppStatus
		a.Status.OperationState = &argocd.OperationState{Phase: phase, Message: "boom", RetryCount: retries,
			SyncResult: &argocd.SyncResult{Revision: rev}}
		return a
	}
	tests := []struct {
		name string
		app  argocd.AppStatus
		want string
	}{
		{"failed", op(argocd.PhaseFailed, 0, sha), "boom"},
		{"error", op(argocd.PhaseError, 0, sha), "boom"},
		{"retrying", op(argocd.PhaseRunning, 2, sha), "boom"},
		{"first attempt running", op(argocd.PhaseRunning, 0, sha), ""},
		{"succeeded", op(argocd.PhaseSucceeded, 0, sha), ""},
		{"an older revision failed", op(argocd.PhaseFailed, 0, older), ""},
		{"no operation", argocd.AppStatus{}, ""},
	}
	for _, tt := range tests {
		if got := syncFailure(tt.app, sha); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
