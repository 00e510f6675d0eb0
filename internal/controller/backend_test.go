package controller

import (
	"testing"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestBackendPushAttempts: the controller's commits race other rollouts
// for one branch, so they get more push attempts than a CLI run.
func TestBackendPushAttempts(t *testing.T) {
	p := &policy.CanaryPolicy{}
	for _, tt := range []struct {
		set, want int
	}{{0, DefaultPushAttempts}, {5, 5}} {
		b := &WireBackend{PushAttempts: tt.set}
		if got := b.config(p, nil).Git.MaxAttempts; got != tt.want {
			t.Errorf("PushAttempts %d: wire MaxAttempts %d, want %d", tt.set, got, tt.want)
		}
	}
	if DefaultPushAttempts <= 8 {
		t.Errorf("DefaultPushAttempts %d is not above the CLI's 8", DefaultPushAttempts)
	}
}
