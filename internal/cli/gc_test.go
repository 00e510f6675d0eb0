package cli

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/check"
	"github.com/gitshift/gitshift/internal/cli/command"
)

// defaultGC starts a test from Go's defaults and restores them afterwards.
func defaultGC(t *testing.T) {
	t.Helper()
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
}

// TestBatchCommandsTuneGC: check and render tune the collector, other
// commands leave Go's defaults.
func TestBatchCommandsTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"check", gitopsExample}, check.BatchGCPercent},
		{[]string{"render", gitopsExample}, check.BatchGCPercent},
		{[]string{"-v", "check", gitopsExample}, check.BatchGCPercent},
		{[]string{"version"}, 100},
		{[]string{"help", "check"}, 100},
	}
	for _, tt := range tests {
		defaultGC(t)
		if code, _, stderr := runGitshift(t, tt.args...); code != command.ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("%v: GOGC = %d, want %d", tt.args, got, tt.want)
		}
	}
}
