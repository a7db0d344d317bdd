//go:build !unix

package log

import (
	"errors"
	"os"
)

// ErrDirLocked means another process (or Manager) holds a log dir's .lock.
var ErrDirLocked = errors.New("log: log directory is locked by another process")

// lockDir only creates the .lock file where flock is unavailable.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(dir+"/.lock", os.O_RDWR|os.O_CREATE, 0o644)
}
