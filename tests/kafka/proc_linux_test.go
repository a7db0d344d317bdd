//go:build linux

package kafka

import "syscall"

// procAttr puts a tool in its own process group (so it and its children can
// be killed together) and has the kernel SIGKILL it if the test binary dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
