package lab

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
)

// TestLabDemoAndFaultsWithoutLab covers what the commands decide before they
// reach a lab: usage errors, bad fault values, no lab in --dir.
func TestLabDemoAndFaultsWithoutLab(t *testing.T) {
	noLab := filepath.Join(t.TempDir(), "lab")
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"unknown story", []string{"lab", "demo", "--story", "epic"}, command.ExitUsage, `--story "epic"`},
		{"demo without a lab", []string{"lab", "demo", "--dir", noLab}, command.ExitFailed, "no lab found"},
		{"misroute is not a profile", []string{"lab", "faults", "set", "misroute", "--dir", noLab}, command.ExitUsage, "want <app>.<version>"},
		{"error rate above 1", []string{"lab", "faults", "set", "reviews.v3", "--error-rate", "2", "--dir", noLab}, command.ExitUsage, `invalid argument "2" for "--error-rate" flag: must be a number from 0 to 1`},
		{"p99 below p50", []string{"lab", "faults", "set", "reviews.v3", "--p50", "100ms", "--p99", "20ms", "--dir", noLab}, command.ExitUsage, "p99 20 below p50 100"},
		{"faults without a lab", []string{"lab", "faults", "--dir", noLab}, command.ExitFailed, "no lab found"},
		{"clear without a lab", []string{"lab", "faults", "clear", "--dir", noLab}, command.ExitFailed, "no lab found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := clitest.Run(t, NewCommand, tt.args[1:]...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.wantErr)
			}
		})
	}
}
