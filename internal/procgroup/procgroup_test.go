package procgroup

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/testenv"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		line    string
		want    Stat
		wantErr bool
	}{
		{line: "1234 (etcd) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 12 0 987654 123456 100",
			want: Stat{State: 'S', PGID: 1234, StartTime: 987654}},
		{line: "1234 (weird) name) Z 1 77 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 12 0 55 123456 100",
			want: Stat{State: 'Z', PGID: 77, StartTime: 55}},
		{line: "garbage", wantErr: true},
		{line: "1 (short) S 1 1", wantErr: true},
		{line: "1 (nan) S 1 x 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 12 0 55 123456 100", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseStat(tt.line)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseStat(%q) = %+v, %v; want %+v, error %v", tt.line, got, err, tt.want, tt.wantErr)
		}
	}
}

// startGroup runs script in sh as the leader of a new process group and
// waits until the group has want running members.
func startGroup(t *testing.T, script string, want int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	deadline := time.Now().Add(10 * time.Second)
	for len(Members(cmd.Process.Pid)) < want {
		if time.Now().After(deadline) {
			t.Fatalf("group %d has members %v, want %d", cmd.Process.Pid, Members(cmd.Process.Pid), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd
}

func TestStopLeavesNoMember(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Missing(t, "no /proc: group membership cannot be read")
	}
	tests := []struct {
		name   string
		script string
		killed bool // the leader is killed before Stop, orphaning its children
		grace  time.Duration
	}{
		{name: "leader and children end on SIGTERM", script: "sleep 60 & sleep 60 & wait", grace: 5 * time.Second},
		{name: "a child ignoring SIGTERM gets SIGKILL", script: "sh -c 'trap \"\" TERM; sleep 60 & wait' & wait", grace: 200 * time.Millisecond},
		{name: "children outlive a killed leader", script: "sleep 60 & sleep 60 & wait", killed: true, grace: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := startGroup(t, tt.script, 3)
			pgid := cmd.Process.Pid
			if tt.killed {
				_ = cmd.Process.Kill()
			}
			if err := Stop(context.Background(), pgid, tt.grace); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if left := Members(pgid); len(left) > 0 {
				t.Fatalf("group %d still has %v after Stop", pgid, left)
			}
		})
	}
}

func TestMembers(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Missing(t, "no /proc: group membership cannot be read")
	}
	cmd := startGroup(t, "sleep 60 & wait", 2)
	if m := Members(cmd.Process.Pid); !slices.Contains(m, cmd.Process.Pid) || len(m) != 2 {
		t.Fatalf("Members = %v, want the leader %d and its sleep", m, cmd.Process.Pid)
	}
	if m := Members(0); m != nil {
		t.Fatalf("Members(0) = %v", m)
	}
}
