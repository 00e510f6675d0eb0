package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

// TestLabStatusEscapes: a component's log tail is whatever the program
// printed (colours, cursor moves), its directory whatever the user chose;
// lab status shows them escaped and keeps the tail's lines indented (issue
// 15 finding 12).
func TestLabStatusEscapes(t *testing.T) {
	code := 2
	st := &lab.Status{Dir: "/tmp/" + clitest.Hostile, Phase: lab.PhaseReady, Supervisor: "pid 1", Error: "failed: " + clitest.Hostile,
		Components: []lab.ComponentStatus{{Name: "kube\x1b[2J", State: "exited", ExitCode: &code, Log: "/tmp/" + clitest.Hostile + "/kube.log",
			LogTail: "I0501 \x1b[32mready\x1b[0m\n✓ all good\rE0501 \x1b]0;title\x07 boom"}}}
	var out bytes.Buffer
	printLabStatus(command.Streams{Out: &out}, st)
	clitest.AssertTerminalSafe(t, "lab status", out.String())
	if !strings.Contains(out.String(), "\n  ✓ all good\\rE0501 \\x1b]0;title\\x07 boom") {
		t.Errorf("log tail not shown line by line, escaped:\n%s", out.String())
	}
}
