package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
)

// TestStartAgainstAControllerRolloutExits3: when the controller drives the
// canary (it holds the VirtualService's lease under its identity),
// `rollout start` stops before any commit with exit 3 and names the holder.
func TestStartAgainstAControllerRolloutExits3(t *testing.T) {
	held := &rollout.LeaseHeldError{Lease: "bookinfo/gitshift-reviews", Holder: "gitshift-controller gitshift-system/gitshift-controller",
		RenewTime: time.Now(), Expires: time.Now().Add(time.Minute)}
	err := rolloutExit(&rollout.Result{ID: "r1", Phase: rollout.Failed, Cause: held})
	if code := exitCode(err); code != ExitConflict {
		t.Fatalf("exit %d, want %d", code, ExitConflict)
	}
	if !strings.Contains(err.Error(), `held by "gitshift-controller gitshift-system/gitshift-controller"`) {
		t.Errorf("message %q does not name the controller", err)
	}
}

func TestControllerFlagsUsage(t *testing.T) {
	t.Setenv("GITSHIFT_PROMETHEUS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"controller", "--selector", "a in (", "--prometheus", "http://p:9090"}, "--selector"},
		{[]string{"controller", "--leader-election-namespace", "x"}, "--prometheus"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--log-format", "xml"}, "--log-format"},
	} {
		var out, errb strings.Builder
		code := Main(t.Context(), tc.args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errb})
		if code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errb.String())
		}
	}
}
