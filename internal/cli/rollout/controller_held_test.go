package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/rollout"
)

// TestStartAgainstAControllerRolloutExits3: when the controller drives the
// canary (it holds the VirtualService's lease under its identity),
// `rollout start` stops before any commit with exit 3 and names the holder.
func TestStartAgainstAControllerRolloutExits3(t *testing.T) {
	held := &rollout.LeaseHeldError{Lease: "bookinfo/gitshift-reviews", Holder: "gitshift-controller gitshift-system/gitshift-controller",
		RenewTime: time.Now(), Expires: time.Now().Add(time.Minute)}
	err := (&rollout.Result{ID: "r1", Phase: rollout.Failed, Cause: held}).Err()
	if code := command.ExitCode(err); code != command.ExitConflict {
		t.Fatalf("exit %d, want %d", code, command.ExitConflict)
	}
	if !strings.Contains(err.Error(), `held by "gitshift-controller gitshift-system/gitshift-controller"`) {
		t.Errorf("message %q does not name the controller", err)
	}
}
