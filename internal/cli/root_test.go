package cli

import (
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/command"
)

// TestArgumentErrorsExitUsage: wrong positional arguments are usage errors
// (exit 4) on every command, not "a check failed" (exit 1).
func TestArgumentErrorsExitUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"check", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"render", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"lab", "faults", "set"}, "accepts 1 arg"},
		{[]string{"version", "extra"}, "unknown command"},
		{[]string{"check", "--no-such-flag"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runGitshift(t, tt.args...)
			if code != command.ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, command.ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
		})
	}
}
