package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/procgroup"
	"github.com/gitshift/gitshift/internal/testenv"
)

// TestProcStopKillsGitDaemonGroup runs the lab's git-daemon component as the
// supervisor does (`git daemon`, its own process group) with a connection
// open, so the group holds the git wrapper, git-daemon and a per-connection
// child. Stop must leave none of them, also when the wrapper was killed
// first and git-daemon orphaned (issue 19's flaw in the lab).
func TestProcStopKillsGitDaemonGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Missing(t, "no /proc: process groups cannot be listed")
	}
	git := testenv.NeedGit(t)
	tests := []struct {
		name       string
		killLeader bool
	}{
		{name: "running", killLeader: false},
		{name: "wrapper killed first", killLeader: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			base := filepath.Join(dir, "git")
			if err := os.Mkdir(base, 0o755); err != nil {
				t.Fatal(err)
			}
			port := freePort(t)
			spec := ProcSpec{Name: "git-daemon", Args: []string{git, "daemon", "--base-path=" + base, "--export-all",
				"--reuseaddr", "--listen=127.0.0.1", "--port=" + strconv.Itoa(port)}}
			cmd, p, err := startProc(spec, dir, filepath.Join(dir, "git-daemon.log"), filepath.Join(dir, "git-daemon.pid"))
			if err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			t.Cleanup(func() { _ = procgroup.Stop(context.Background(), p.PID, 0); <-exited })

			conn := dialWhenUp(t, port)
			defer conn.Close()
			waitMembers(t, p.PID, 3) // git, git-daemon, the connection's child
			if tt.killLeader {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				<-exited
				if p.Alive() || len(p.Group()) < 2 {
					t.Fatalf("after killing the wrapper: alive %v, group %v; want git-daemon orphaned in the group", p.Alive(), p.Group())
				}
			}
			if err := p.Stop(context.Background(), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if left := procgroup.Members(p.PID); len(left) > 0 {
				t.Errorf("group %d still has %v after Stop", p.PID, left)
			}
			if left := ProcessesUsing(dir); len(left) > 0 {
				t.Errorf("processes still use the lab dir after Stop: %v", left)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func dialWhenUp(t *testing.T, port int) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("git daemon not listening on %d: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitMembers(t *testing.T, pgid, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(procgroup.Members(pgid)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("group %d has %v, want %d members", pgid, procgroup.Members(pgid), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
