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

// Stopped cannot look at threads here; a SIGSTOP is taken as done.
func Stopped(int) (bool, error) { return true, nil }

// ReceiveQueued needs /proc; elsewhere it reports nothing queued.
func ReceiveQueued(pid, port int) (int, error) { return 0, nil }
