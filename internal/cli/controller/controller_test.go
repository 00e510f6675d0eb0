package controller

import (
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
)

func TestControllerFlagsUsage(t *testing.T) {
	t.Setenv("GITSHIFT_PROMETHEUS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"controller", "--selector", "a in (", "--prometheus", "http://p:9090"}, "--selector"},
		{[]string{"controller", "--leader-election-namespace", "x"}, "--prometheus"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--log-format", "xml"}, "--log-format"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--push-attempts", "0"}, "--push-attempts 0: want at least 1"},
	} {
		code, _, stderr := clitest.Run(t, NewCommand, tc.args[1:]...)
		if code != command.ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}
