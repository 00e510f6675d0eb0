package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestBatchCommand(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"check", "."}, true},
		{[]string{"render", "--app", "a.yaml"}, true},
		{[]string{"-vv", "check"}, true},
		{[]string{"--verbose", "render", "x"}, true},
		{[]string{"rollout", "start", "check"}, false},
		{[]string{"help", "check"}, false},
		{[]string{"lab", "up"}, false},
		{[]string{"--", "check"}, false},
		{[]string{"-v"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := batchCommand(tt.args); got != tt.want {
			t.Errorf("batchCommand(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestTuneGC(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"check", []string{"check"}, nil, batchGCPercent, batchMemoryLimit},
		{"other-command", []string{"verify"}, nil, 100, math.MaxInt64},
		{"user-gogc-wins", []string{"check"}, map[string]string{"GOGC": "50"}, 100, math.MaxInt64},
		{"user-limit-kept", []string{"render"}, map[string]string{"GOMEMLIMIT": "1GiB"}, batchGCPercent, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from Go's defaults and restore them afterwards.
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
			tuneGC(tt.args, func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.wantGC {
				t.Errorf("GOGC = %d, want %d", got, tt.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("memory limit = %d, want %d", got, tt.wantLimit)
			}
		})
	}
}
