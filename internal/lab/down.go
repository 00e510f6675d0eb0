package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DownOptions configure Down.
type DownOptions struct {
	Dir      string
	Purge    bool // also delete the lab directory (cluster data, Git repo, logs)
	Progress io.Writer
}

// Down stops exactly the processes the lab's state file names: the
// supervisor first (it stops its children in reverse order), then any
// component still alive or whose process group still has members, by
// process group (SIGTERM, SIGKILL after StopGrace).
func Down(ctx context.Context, o DownOptions) error {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return fmt.Errorf("lab dir: %w", err)
	}
	st, err := LoadState(dir)
	if err != nil {
		return err
	}
	if st.Supervisor.Alive() {
		fmt.Fprintf(o.Progress, "lab: stopping supervisor (pid %d)\n", st.Supervisor.PID)
		_ = syscall.Kill(st.Supervisor.PID, syscall.SIGTERM)
		// The supervisor gives every component StopGrace; allow for all of them.
		if !waitGone(ctx, st.Supervisor, time.Duration(len(st.Components)+2)*StopGrace) {
			fmt.Fprintf(o.Progress, "lab: supervisor did not stop, killing it\n")
			_ = syscall.Kill(st.Supervisor.PID, syscall.SIGKILL)
		}
		// Re-read: the supervisor recorded the exits.
		if fresh, err := LoadState(dir); err == nil {
			st = fresh
		}
	}
	var errs []string
	for i := len(st.Components) - 1; i >= 0; i-- {
		c := st.Components[i]
		if !c.Proc.Alive() && len(c.Proc.Group()) == 0 {
			continue
		}
		fmt.Fprintf(o.Progress, "lab: stopping %s (pid %d)\n", c.Name, c.Proc.PID)
		if err := c.Proc.Stop(ctx, StopGrace); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", c.Name, err))
		}
	}
	for _, c := range st.Components {
		_ = os.Remove(c.PIDFile)
	}
	st.Phase = PhaseDown
	if err := st.Save(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("some lab processes could not be stopped: %s", strings.Join(errs, "; "))
	}
	if left := ProcessesUsing(dir); len(left) > 0 {
		return fmt.Errorf("processes still use the lab directory %s: pids %v", dir, left)
	}
	if o.Purge {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("purging %s: %w", dir, err)
		}
		fmt.Fprintf(o.Progress, "lab: removed %s\n", dir)
	}
	return nil
}

// ProcessesUsing lists the pids (other than this process) that belong to the
// lab in dir: their environment carries ComponentEnv=dir, or their command
// line names a path inside dir.
func ProcessesUsing(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		if !(Proc{PID: pid}).Alive() {
			continue
		}
		if mentionsDir(string(b), dir) || hasEnv(filepath.Join("/proc", e.Name(), "environ"), ComponentEnv+"="+dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// mentionsDir reports whether a NUL-separated command line names dir or a
// path inside it.
func mentionsDir(cmdline, dir string) bool {
	for _, arg := range strings.Split(cmdline, "\x00") {
		if arg == dir || strings.Contains(arg, dir+"/") || strings.HasSuffix(arg, "="+dir) {
			return true
		}
	}
	return false
}

// hasEnv reports whether the NUL-separated environ file holds entry.
func hasEnv(path, entry string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, kv := range strings.Split(string(b), "\x00") {
		if kv == entry {
			return true
		}
	}
	return false
}
