package zkharness

import (
	"bytes"
	"errors"
	"os/exec"
	"sync"
	"syscall"
	"testing"
)

// Alive reports whether the process has not exited yet.
func (p *Process) Alive() bool {
	select {
	case <-p.Done:
		return false
	default:
		return true
	}
}

// SyncBuffer is a bytes.Buffer a running process may write to while a test
// reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// KillGroup SIGKILLs the process group led by pid; a group that is already
// gone is not an error.
func KillGroup(pid int) error {
	if pid <= 0 {
		return nil
	}
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Background is a long-running external tool (a consumer, a load
// generator) in its own process group, killed by Kill or at the end of the
// test.
type Background struct {
	*Process
	once sync.Once
}

// StartBackground starts cmd (with its Stdout/Stderr already set) through
// StartProcess and registers Kill with t.Cleanup.
func StartBackground(t testing.TB, cmd *exec.Cmd) *Background {
	t.Helper()
	p, err := StartProcess(cmd, nil)
	if err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	b := &Background{Process: p}
	t.Cleanup(b.Kill)
	return b
}

// Kill SIGKILLs the process group and waits until the process is reaped.
func (b *Background) Kill() {
	b.once.Do(func() {
		_ = KillGroup(b.Cmd.Process.Pid)
		<-b.Done
	})
}

// Exited reports whether the process has exited.
func (b *Background) Exited() bool { return !b.Alive() }
