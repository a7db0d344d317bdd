//go:build !linux

package zkharness

import "syscall"

// sysProcAttr puts the server in its own process group so Stop/Kill reach
// everything it forks.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func lockThread()   {}
func unlockThread() {}
