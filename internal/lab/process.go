package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ProcSpec describes how to run one component.
type ProcSpec struct {
	Name string
	Args []string // Args[0] is the program
	Env  []string // added to the supervisor's environment
	Dir  string   // working directory; the lab dir when empty
}

// ComponentEnv marks every lab component's environment with its lab
// directory, so that ProcessesUsing finds even a component whose command
// line names no path in the lab (argocd-repo-server).
const ComponentEnv = "GITSHIFT_LAB_COMPONENT"

// startProc starts spec in its own process group with stdout and stderr
// appended to log, and writes pidFile. The caller must Wait on the result.
func startProc(spec ProcSpec, labDir, log, pidFile string) (*exec.Cmd, Proc, error) {
	lf, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, Proc{}, fmt.Errorf("opening log of %s: %w", spec.Name, err)
	}
	defer lf.Close()
	fmt.Fprintf(lf, "=== %s gitshift lab: starting %s\n", time.Now().Format(time.RFC3339), strings.Join(spec.Args, " "))
	cmd := exec.Command(spec.Args[0], spec.Args[1:]...)
	cmd.Env = append(append(os.Environ(), spec.Env...), ComponentEnv+"="+labDir)
	cmd.Dir = spec.Dir
	if cmd.Dir == "" {
		cmd.Dir = labDir
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, Proc{}, fmt.Errorf("starting %s (%s): %w", spec.Name, spec.Args[0], err)
	}
	p := Proc{PID: cmd.Process.Pid, StartTime: procStartTime(cmd.Process.Pid)}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(p.PID)+"\n"), 0o644); err != nil {
		return cmd, p, fmt.Errorf("writing pid file of %s: %w", spec.Name, err)
	}
	return cmd, p, nil
}

// procStartTime returns field 22 of /proc/<pid>/stat (0 if unreadable).
func procStartTime(pid int) uint64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	return parseStatStartTime(string(b))
}

// parseStatStartTime extracts starttime from a /proc/<pid>/stat line. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func parseStatStartTime(stat string) uint64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(stat[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return 0
	}
	v, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// Alive reports whether p still runs as the same process (not a zombie, not
// a recycled pid).
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID), "stat"))
	if err != nil {
		return false
	}
	stat := string(b)
	if i := strings.LastIndexByte(stat, ')'); i >= 0 {
		if f := strings.Fields(stat[i+1:]); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return false
		}
	}
	return p.StartTime == 0 || parseStatStartTime(stat) == p.StartTime
}

// Stop sends SIGTERM to p's process group (p leads its own group), waits up to
// grace for it to go, then sends SIGKILL.
func (p Proc) Stop(ctx context.Context, grace time.Duration) error {
	if !p.Alive() {
		return nil
	}
	_ = syscall.Kill(-p.PID, syscall.SIGTERM)
	_ = syscall.Kill(p.PID, syscall.SIGTERM)
	if waitGone(ctx, p, grace) {
		killGroup(p.PID)
		return nil
	}
	killGroup(p.PID)
	_ = syscall.Kill(p.PID, syscall.SIGKILL)
	if waitGone(ctx, p, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("process %d is still running after SIGKILL", p.PID)
}

// killGroup kills what is left of a process group (helpers a component
// started, e.g. git daemon's per-connection children).
func killGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH: the group is gone already
}

func waitGone(ctx context.Context, p Proc, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !p.Alive() {
			return true
		}
		select {
		case <-ctx.Done():
			return !p.Alive()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return !p.Alive()
}
