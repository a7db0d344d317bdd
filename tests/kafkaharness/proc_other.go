//go:build !linux

package kafkaharness

import "syscall"

// sysProcAttr puts a broker in its own process group so Stop/Kill reach
// everything it forks.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func lockThread()   {}
func unlockThread() {}
