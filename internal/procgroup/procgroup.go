// Package procgroup stops a child process together with everything it
// started. The child leads its own process group (SysProcAttr.Setpgid);
// Stop signals the whole group and waits until no member is left, so that
// helpers the child forked (git daemon's git-daemon, its per-connection
// children) cannot outlive it. Membership and identity are read from /proc
// (Linux); elsewhere Members finds nothing and Stop only signals.
package procgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Stat is the part of /proc/<pid>/stat that identifies a process.
type Stat struct {
	State     byte   // R, S, D, Z (zombie), X (dead), ...
	PGID      int    // process group
	StartTime uint64 // clock ticks since boot; with the pid, a process's identity
}

// Running reports whether the process still runs (is not a zombie).
func (s Stat) Running() bool { return s.State != 'Z' && s.State != 'X' }

// ReadStat reads /proc/<pid>/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return Stat{}, fmt.Errorf("reading stat of pid %d: %w", pid, err)
	}
	return ParseStat(string(b))
}

// ParseStat parses a /proc/<pid>/stat line. The command name (field 2) may
// hold spaces and parentheses, so fields are counted from the last ')'.
func ParseStat(line string) (Stat, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return Stat{}, errors.New("stat line without a command name")
	}
	// f[0] is field 3 (state), f[2] field 5 (pgrp), f[19] field 22 (starttime).
	f := strings.Fields(line[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("stat line with %d fields after the command name", len(f))
	}
	pgid, err := strconv.Atoi(f[2])
	if err != nil {
		return Stat{}, fmt.Errorf("stat pgrp %q: %w", f[2], err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("stat starttime %q: %w", f[19], err)
	}
	return Stat{State: f[0][0], PGID: pgid, StartTime: start}, nil
}

// Members lists the running (not zombie) processes of group pgid.
func Members(pgid int) []int {
	if pgid <= 0 {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := ReadStat(pid); err == nil && st.PGID == pgid && st.Running() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// KillTimeout is how long Stop waits for the group to go after SIGKILL.
const KillTimeout = 5 * time.Second

// Stop sends SIGTERM to every process of group pgid, waits up to grace until
// none is left, then sends SIGKILL to the group and waits again. It returns
// an error naming the pids still running after that.
func Stop(ctx context.Context, pgid int, grace time.Duration) error {
	if pgid <= 0 {
		return fmt.Errorf("stopping process group %d: not a group id", pgid)
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM) // ESRCH: the group is gone already
	if waitEmpty(ctx, pgid, grace) {
		// SIGKILL anyway: a member may have been forked between the last
		// scan and now, or /proc may not exist on this system.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return nil
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if waitEmpty(context.WithoutCancel(ctx), pgid, KillTimeout) {
		return nil
	}
	return fmt.Errorf("process group %d: pids %v still run after SIGKILL", pgid, Members(pgid))
}

// waitEmpty polls until group pgid has no running member, d passes or ctx
// ends; it reports whether the group is empty.
func waitEmpty(ctx context.Context, pgid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if len(Members(pgid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return len(Members(pgid)) == 0
		case <-time.After(20 * time.Millisecond):
		}
	}
}
