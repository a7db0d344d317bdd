//go:build !linux

package txnlog

import "os"

// fdatasync falls back to a full fsync where fdatasync is unavailable.
func fdatasync(f *os.File) error { return f.Sync() }

// preallocate grows f to size with a sparse extension.
func preallocate(f *os.File, _, size int64) error { return f.Truncate(size) }
