package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gitshift/gitshift/internal/procgroup"
)

// ProcSpec describes how to run one component.
type ProcSpec struct {
	Name string
	Args []string // Args[0] is the program
	Env  []string // added to the supervisor's environment
	Dir  string   // working directory; the lab dir when empty
	// Restart: started again when it exits while the lab runs, as a
	// Deployment's pod would be (the controller replicas).
	Restart bool `json:",omitempty"`
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

// procStartTime returns the start time of pid (0 if unreadable).
func procStartTime(pid int) uint64 {
	st, err := procgroup.ReadStat(pid)
	if err != nil {
		return 0
	}
	return st.StartTime
}

// Alive reports whether p still runs as the same process (not a zombie, not
// a recycled pid).
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	st, err := procgroup.ReadStat(p.PID)
	if err != nil || !st.Running() {
		return false
	}
	return p.StartTime == 0 || st.StartTime == p.StartTime
}

// recycled reports whether p's pid now belongs to another running process.
func (p Proc) recycled() bool {
	st, err := procgroup.ReadStat(p.PID)
	return err == nil && st.Running() && p.StartTime != 0 && st.StartTime != p.StartTime
}

// Group lists the running members of the process group p led, even when p
// itself is gone: a component's helpers (git daemon's git-daemon, its
// per-connection children) can outlive it. Empty when p's pid was recycled.
func (p Proc) Group() []int {
	if p.PID <= 0 || p.recycled() {
		return nil
	}
	return procgroup.Members(p.PID)
}

// Stop stops p's whole process group (p leads its own group): SIGTERM, up to
// grace to go, then SIGKILL. It stops what is left of the group also when p
// has already exited, unless p's pid was recycled (then the group id may
// belong to someone else; a group id is not reused while a member lives).
func (p Proc) Stop(ctx context.Context, grace time.Duration) error {
	if p.PID <= 0 || p.recycled() {
		return nil
	}
	if p.Alive() {
		// Also the process itself, in case it left its group.
		_ = syscall.Kill(p.PID, syscall.SIGTERM)
	}
	if err := procgroup.Stop(ctx, p.PID, grace); err != nil {
		return err
	}
	if p.Alive() {
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
		if !waitGone(ctx, p, 5*time.Second) {
			return fmt.Errorf("process %d is still running after SIGKILL", p.PID)
		}
	}
	return nil
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
