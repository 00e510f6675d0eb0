//go:build !linux

package gittest

import "syscall"

// sysProcAttr puts the daemon in its own process group.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
