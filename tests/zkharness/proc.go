package zkharness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Process is a server process started by a harness (this one or
// kafkaharness).
type Process struct {
	Cmd  *exec.Cmd
	Done chan struct{} // closed once the process has been reaped
	Err  error         // Wait's result, valid after Done
}

// StartProcess starts cmd in its own process group, with the kernel told to
// SIGKILL it if the thread that started it dies (so a crashing test binary
// leaves nothing behind). onExit runs after the process is reaped.
func StartProcess(cmd *exec.Cmd, onExit func(err error)) (*Process, error) {
	cmd.SysProcAttr = sysProcAttr()
	p := &Process{Cmd: cmd, Done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig is tied to the thread that forked the child, so keep
		// that thread alive for as long as the child runs: the goroutine
		// returns (and its locked thread is discarded) only after exit.
		lockThread()
		if err := cmd.Start(); err != nil {
			unlockThread()
			started <- err
			return
		}
		started <- nil
		p.Err = cmd.Wait()
		if onExit != nil {
			onExit(p.Err)
		}
		close(p.Done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Binary is one of the module's commands, built once per test process into
// a fixed per-module path in the temp dir (renamed into place atomically,
// so repeated runs reuse the Go build cache), unless Env names a prebuilt
// one.
type Binary struct {
	Pkg string // "coordinator", "broker"
	Env string // environment variable with a prebuilt binary's path

	once     sync.Once
	path     string
	err      error
	reported atomic.Bool
}

// Path returns the binary, building it on first use.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(b.Env); p != "" {
		return p
	}
	b.once.Do(func() { b.path, b.err = b.build() })
	if b.err != nil {
		if b.reported.Swap(true) {
			t.Fatalf("building ./%s failed (output reported by the first test that tried)", b.Pkg)
		}
		t.Fatalf("building ./%s: %v", b.Pkg, b.err)
	}
	return b.path
}

func (b *Binary) build() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module (go env GOMOD is empty)")
	}
	root := filepath.Dir(gomod)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("samsa-harness-%d-%x", os.Getuid(), fnv(root)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, b.Pkg+"-*.tmp")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command("go", "build", "-o", tmp.Name(), "./"+b.Pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./%s in %s: %v\n%s", b.Pkg, root, err, out)
	}
	final := filepath.Join(dir, b.Pkg)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	return final, nil
}

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// ErrStop makes Poll give up at once with the wrapped error.
type ErrStop struct{ Err error }

func (e ErrStop) Error() string { return e.Err.Error() }

// Poll calls cond with a short backoff until it returns nil, it returns an
// ErrStop, or timeout passes; it returns cond's last error.
func Poll(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	backoff := 5 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return nil
		}
		var stop ErrStop
		if errors.As(err, &stop) {
			return stop.Err
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(backoff)
		if backoff < 100*time.Millisecond {
			backoff *= 2
		}
	}
}

// StopGroup sends SIGSTOP to process group pid and waits until process
// pid is really stopped (see Stopped), so a test that pauses a server
// knows it can no longer answer anything.
func StopGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGSTOP); err != nil {
		return err
	}
	return Poll(10*time.Second, func() error {
		ok, err := Stopped(pid)
		if err != nil {
			return ErrStop{Err: err}
		}
		if !ok {
			return fmt.Errorf("process %d not stopped yet", pid)
		}
		return nil
	})
}
