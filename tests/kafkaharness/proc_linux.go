//go:build linux

package kafkaharness

import (
	"runtime"
	"syscall"
)

// sysProcAttr puts a broker in its own process group (so Stop/Kill reach
// everything it forks) and asks the kernel to SIGKILL it if the thread that
// started it dies, which covers a test binary that panics or is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func lockThread()   { runtime.LockOSThread() }
func unlockThread() { runtime.UnlockOSThread() }
