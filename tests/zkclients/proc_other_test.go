//go:build !linux

package zkclients

import "syscall"

// procAttr puts a tool in its own process group so it and its children can
// be killed together.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
