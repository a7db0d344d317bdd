//go:build unix

package log

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ErrDirLocked means another process (or Manager) holds a log dir's .lock.
var ErrDirLocked = errors.New("log: log directory is locked by another process")

// lockDir takes an exclusive flock on <dir>/.lock, as Kafka's FileLock
// does, so two brokers never share a log dir.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+"/.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrDirLocked, dir)
		}
		return nil, err
	}
	return f, nil
}
