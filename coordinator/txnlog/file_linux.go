//go:build linux

package txnlog

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes file data and the metadata needed to read it back (the
// size), skipping timestamps: what ZooKeeper's FileChannel.force(false)
// does.
func fdatasync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}

// preallocate grows f from its current allocation to size. fallocate
// reserves real blocks, so later appends inside the region need no block
// allocation; filesystems without it (some network and FUSE ones) fall back
// to a sparse extension, which still spares fdatasync a size update per
// batch.
func preallocate(f *os.File, from, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, from, size-from)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINTR) {
		return f.Truncate(size)
	}
	return err
}
