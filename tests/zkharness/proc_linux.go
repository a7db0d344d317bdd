//go:build linux

package zkharness

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts the server in its own process group (so Stop/Kill reach
// everything it forks) and asks the kernel to SIGKILL it if the thread that
// started it dies, which covers a test binary that panics or is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func lockThread()   { runtime.LockOSThread() }
func unlockThread() { runtime.UnlockOSThread() }

// Stopped reports whether every thread of process pid is in the stopped
// state ('T' in /proc/<pid>/task/*/stat). A SIGSTOP only queues the stop:
// the kernel stops the other threads once one thread takes the signal,
// and on a busy machine the rest of the process can run on for
// milliseconds, long enough to answer a fetch.
func Stopped(pid int) (bool, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return false, err
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			return false, err
		}
		// The state follows the parenthesised command name.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) {
			return false, fmt.Errorf("unexpected /proc stat %q", stat)
		}
		if s := stat[i+2]; s != 'T' && s != 't' {
			return false, nil
		}
	}
	return true, nil
}

// ReceiveQueued returns how many bytes wait unread in the receive queues
// of process pid's TCP sockets connected to remote port port (from
// /proc/<pid>/net/tcp{,6}, matched to the process's socket fds). A test
// that has paused a process uses it to see that an answer to a request
// the process had in flight has arrived.
func ReceiveQueued(pid, port int) (int, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, name := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, name))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			// sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			rem := f[2][strings.LastIndexByte(f[2], ':')+1:]
			if p, err := strconv.ParseInt(rem, 16, 32); err != nil || int(p) != port {
				continue
			}
			q := f[4][strings.IndexByte(f[4], ':')+1:]
			n, err := strconv.ParseInt(q, 16, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/net/%s: bad queue %q", pid, name, f[4])
			}
			total += int(n)
		}
	}
	return total, nil
}

// socketInodes returns the inodes of process pid's sockets.
func socketInodes(pid int) (map[string]bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(dir + "/" + fd.Name())
		if err == nil && strings.HasPrefix(link, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return out, nil
}
