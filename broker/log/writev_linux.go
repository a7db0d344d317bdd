package log

import (
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// iovMax is Linux's limit on buffers per pwritev.
const iovMax = 1024

// writeAtv writes bufs back to back at off with pwritev, resuming after
// short writes. The caller's slice is left as it was.
func writeAtv(f *os.File, bufs [][]byte, off int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	bufs = slices.Clone(bufs)
	for len(bufs) > 0 {
		var n int
		var werr error
		if err := rc.Control(func(fd uintptr) {
			for {
				n, werr = unix.Pwritev(int(fd), bufs[:min(len(bufs), iovMax)], off)
				if werr != unix.EINTR {
					return
				}
			}
		}); err != nil {
			return err
		}
		if werr != nil {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: werr}
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += int64(n)
		for n > 0 {
			if n < len(bufs[0]) {
				bufs[0] = bufs[0][n:]
				break
			}
			n -= len(bufs[0])
			bufs = bufs[1:]
		}
	}
	return nil
}
