package gittest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/procgroup"
	"github.com/gitshift/gitshift/internal/testenv"
)

// proc is a process identity that survives pid reuse.
type proc struct {
	pid   int
	start uint64
}

func (p proc) running() bool {
	st, err := procgroup.ReadStat(p.pid)
	return err == nil && st.Running() && st.StartTime == p.start
}

// serving lists the running processes whose command line names base or
// whose working directory is inside it: the daemon, the children it forks
// per connection, and the git services they run in a repository.
func serving(base string) []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		st, err := procgroup.ReadStat(pid)
		if err != nil || !st.Running() {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if strings.Contains(string(cmdline), base) || cwd == base || strings.HasPrefix(cwd, base+"/") {
			out = append(out, proc{pid: pid, start: st.StartTime})
		}
	}
	return out
}

// TestCleanupStopsEveryProcess: after the test that started the server
// ends, no process the server started is alive, not even the child the
// daemon forked for a connection that is still open (issue 19: `git daemon`
// left its git-daemon running after every test).
func TestCleanupStopsEveryProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Missing(t, "no /proc: the server's processes cannot be listed")
	}
	testenv.NeedGit(t)
	var (
		base    string
		pgid    int
		started []proc
	)
	t.Run("server", func(t *testing.T) {
		s := Start(t)
		base, pgid = s.Base, s.PID
		s.Create(t, "repo", map[string]string{"a.txt": "a\n"})
		s.NewWriter(t, "repo") // a clone over git://
		// A connection that sends no request keeps a forked child waiting.
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() }) // runs after the server's cleanup
		deadline := time.Now().Add(10 * time.Second)
		for started = serving(base); len(started) < 2; started = serving(base) {
			if time.Now().After(deadline) {
				t.Fatalf("want the daemon and a connection child serving %s, found %v", base, started)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	if len(started) < 2 {
		t.Fatal("the server did not start")
	}
	for _, p := range started {
		if p.running() {
			t.Errorf("pid %d (started by the test git server) still runs after its cleanup", p.pid)
		}
	}
	if left := serving(base); len(left) > 0 {
		t.Errorf("processes still serving %s after cleanup: %v", base, left)
	}
	if left := procgroup.Members(pgid); len(left) > 0 {
		t.Errorf("the daemon's process group %d still has %v after cleanup", pgid, left)
	}
}
