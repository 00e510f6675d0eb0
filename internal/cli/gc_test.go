package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// defaultGC starts a test from Go's defaults and restores them afterwards.
func defaultGC(t *testing.T) {
	t.Helper()
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
}

func TestTuneBatchGC(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"defaults", nil, batchGCPercent, batchMemoryLimit},
		{"user-gogc-wins", map[string]string{"GOGC": "50"}, 100, math.MaxInt64},
		{"user-limit-kept", map[string]string{"GOMEMLIMIT": "1GiB"}, batchGCPercent, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defaultGC(t)
			tuneBatchGC(func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.wantGC {
				t.Errorf("GOGC = %d, want %d", got, tt.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("memory limit = %d, want %d", got, tt.wantLimit)
			}
		})
	}
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
		{[]string{"check", gitopsExample}, batchGCPercent},
		{[]string{"render", gitopsExample}, batchGCPercent},
		{[]string{"-v", "check", gitopsExample}, batchGCPercent},
		{[]string{"version"}, 100},
		{[]string{"help", "check"}, 100},
	}
	for _, tt := range tests {
		defaultGC(t)
		if code, _, stderr := runGitshift(t, tt.args...); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("%v: GOGC = %d, want %d", tt.args, got, tt.want)
		}
	}
}
