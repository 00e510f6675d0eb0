package verify

import (
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
)

// A bad --istiod-debug is a usage error before anything is read.
func TestIstiodDebugFlag(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{"127.0.0.1:8080", "want http://HOST:PORT"},
		{"grpc://127.0.0.1:15010", "want http://HOST:PORT"},
	}
	for _, tt := range tests {
		code, _, stderr := clitest.Run(t, NewCommand, "--app", "bookinfo", "--kubeconfig", "/nonexistent/kubeconfig", "--istiod-debug", tt.url)
		if code != command.ExitUsage || !strings.Contains(stderr, "--istiod-debug") || !strings.Contains(stderr, tt.want) {
			t.Errorf("--istiod-debug %s: exit %d, stderr %q; want %d naming the flag and %q", tt.url, code, stderr, command.ExitUsage, tt.want)
		}
	}
}
