//go:build !linux

package kafka

import "syscall"

// procAttr puts a tool in its own process group.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
