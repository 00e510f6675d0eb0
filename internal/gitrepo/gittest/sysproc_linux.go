package gittest

import "syscall"

// sysProcAttr puts the daemon in its own process group and has the kernel
// kill it when the test binary dies without running its cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
