package check

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneBatchGC(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"defaults", nil, BatchGCPercent, BatchMemoryLimit},
		{"user-gogc-wins", map[string]string{"GOGC": "50"}, 100, math.MaxInt64},
		{"user-limit-kept", map[string]string{"GOMEMLIMIT": "1GiB"}, BatchGCPercent, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from Go's defaults and restore them afterwards.
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
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
