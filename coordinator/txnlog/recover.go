package txnlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/sirupsen/logrus"
)

// Open creates the directories if needed, validates every record of every
// log file in zxid order and repairs a torn tail of the last file (see
// "Recovery" in doc.go). Damage anywhere else is reported as ErrCorrupt.
// Only file boundaries are kept in memory.
func Open(opts Options) (*Log, error) {
	if opts.LogDir == "" {
		return nil, errors.New("txnlog: LogDir is required")
	}
	if opts.PreAllocSize < 0 {
		return nil, fmt.Errorf("txnlog: negative PreAllocSize %d", opts.PreAllocSize)
	}
	l := &Log{opts: opts, dir: filepath.Join(opts.LogDir, versionDir), log: opts.Log}
	if l.log == nil {
		l.log = discardLogger()
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, fmt.Errorf("txnlog: %w", err)
	}
	if opts.SnapDir != "" {
		if err := os.MkdirAll(filepath.Join(opts.SnapDir, versionDir), 0o755); err != nil {
			return nil, fmt.Errorf("txnlog: %w", err)
		}
	}
	files, err := listFiles(l.dir, logPrefix)
	if err != nil {
		return nil, err
	}
	if err := l.recover(files); err != nil {
		if l.cur != nil {
			_ = l.cur.Close()
		}
		return nil, err
	}
	l.needFile = l.cur == nil
	return l, nil
}

// zxidFile is a file whose name carries a zxid.
type zxidFile struct {
	zxid int64
	path string
}

// listFiles returns the canonical "<prefix><hex>" files in dir, oldest
// first.
func listFiles(dir, prefix string) ([]zxidFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("txnlog: %w", err)
	}
	var out []zxidFile
	for _, e := range ents {
		if z, ok := parseName(e.Name(), prefix); ok && e.Type().IsRegular() {
			out = append(out, zxidFile{z, filepath.Join(dir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b zxidFile) int { return compareInt(a.zxid, b.zxid) })
	return out, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (l *Log) recover(files []zxidFile) error {
	var last int64
	for i, zf := range files {
		isLast := i == len(files)-1
		f, end, lastZxid, err := l.recoverFile(zf, last, isLast)
		if err != nil {
			return err
		}
		if lastZxid == 0 { // the last file had no records and was removed
			continue
		}
		last = lastZxid
		l.segs = append(l.segs, segment{first: zf.zxid, path: zf.path, end: end})
		if f != nil {
			l.cur = f
		}
	}
	l.durable.Store(last)
	l.lastApp = last
	return nil
}

// recoverFile validates one log file and returns the end of its valid
// records and their last zxid. The last file is returned open for
// appending, or removed (lastZxid 0) if it holds no record.
func (l *Log) recoverFile(zf zxidFile, prev int64, isLast bool) (*os.File, int64, int64, error) {
	flag := os.O_RDONLY
	if isLast {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(zf.path, flag, 0)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("txnlog: %w", err)
	}
	end, last, err := l.scanFile(f, zf, prev, isLast)
	if err == nil && !isLast && last == 0 {
		err = fmt.Errorf("%w: %s: log file without records before the last file", ErrCorrupt, zf.path)
	}
	if err == nil && isLast {
		if last == 0 {
			return nil, 0, 0, l.removeEmpty(f, zf.path)
		}
		if err = l.prepareActive(f, end); err == nil {
			return f, end, last, nil
		}
	}
	_ = f.Close()
	return nil, end, last, err
}

// scanFile returns the end of the valid records and the last zxid in them
// (0 if none). For the last file, a torn tail past end is
// acceptable; for others only zero padding is.
func (l *Log) scanFile(f *os.File, zf zxidFile, prev int64, isLast bool) (end, last int64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("txnlog: %w", err)
	}
	size := fi.Size()
	first, err := readFileHeader(io.NewSectionReader(f, 0, size))
	if err == nil && first != zf.zxid {
		return 0, 0, fmt.Errorf("%w: %s: header zxid %#x does not match the name", ErrCorrupt, zf.path, first)
	}
	if err != nil {
		if foreign(f) || errors.Is(err, errVersion) {
			// Not a torn write of ours: refuse rather than truncate a
			// foreign file (say, a ZooKeeper log in a reused directory).
			return 0, 0, fmt.Errorf("%w: %s: not a samsa transaction log", ErrCorrupt, zf.path)
		}
		end, err = l.damaged(f, zf.path, 0, size, err, isLast)
		return end, 0, err
	}
	rr := newRecordReader(io.NewSectionReader(f, fileHeaderSize, size-fileHeaderSize), fileHeaderSize, size)
	for {
		zxid, _, err := rr.next()
		if err == io.EOF {
			return rr.off, rr.last, nil
		}
		if err != nil {
			end, err = l.damaged(f, zf.path, rr.off, size, err, isLast)
			return end, rr.last, err
		}
		// A valid record in the wrong place is not a torn write.
		if zxid <= prev || (last == 0 && zxid != zf.zxid) {
			return 0, 0, fmt.Errorf("%w: %s: record zxid %#x out of order (file starts at %#x, previous file ends at %#x)",
				ErrCorrupt, zf.path, zxid, zf.zxid, prev)
		}
		last = zxid
	}
}

// foreign reports whether f starts with four non-zero bytes other than our
// magic. A torn header reads as zeros or as a short file, never like this.
func foreign(f *os.File) bool {
	var b [4]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return false
	}
	return string(b[:]) != fileMagic && b != [4]byte{}
}

// damaged decides what the bytes from off to size are after a record
// reader stopped there with reason, and returns the end of the valid data.
func (l *Log) damaged(f *os.File, path string, off, size int64, reason error, isLast bool) (int64, error) {
	if !isRecordErr(reason) {
		return 0, fmt.Errorf("txnlog: read %s: %w", path, reason)
	}
	zero, err := allZero(f, off, size)
	if err != nil {
		return 0, fmt.Errorf("txnlog: read %s: %w", path, err)
	}
	if zero {
		return off, nil
	}
	if !isLast {
		return 0, fmt.Errorf("%w: %s at offset %d: %v (not the last log file)", ErrCorrupt, path, off, reasonText(reason))
	}
	p, err := findFenced(f, off, size)
	if err != nil {
		return 0, fmt.Errorf("txnlog: read %s: %w", path, err)
	}
	if p >= 0 {
		return 0, fmt.Errorf("%w: %s at offset %d: %v, followed by a valid record at offset %d written after a sync",
			ErrCorrupt, path, off, reasonText(reason), p)
	}
	// Truncate even a file that is about to be removed, so that a crash
	// between here and the removal cannot bring the torn bytes back as
	// anything but a torn tail.
	if err := f.Truncate(off); err != nil {
		return 0, fmt.Errorf("txnlog: truncate %s: %w", path, err)
	}
	if err := fdatasync(f); err != nil {
		return 0, fmt.Errorf("txnlog: fdatasync %s: %w", path, err)
	}
	l.log.WithFields(logrus.Fields{
		"file": path, "offset": off, "size": size, "reason": reasonText(reason),
	}).Warn("truncated torn tail of transaction log")
	return off, nil
}

func reasonText(err error) string {
	switch err {
	case errPadding:
		return "zero bytes followed by data"
	case io.ErrUnexpectedEOF:
		return "record cut short"
	}
	return err.Error()
}

// removeEmpty deletes a last file that holds no record (a crash between
// creating it and its first write reaching the disk), so that the next
// Append starts a file named after its own zxid.
func (l *Log) removeEmpty(f *os.File, path string) error {
	_ = f.Close()
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("txnlog: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	l.log.WithField("file", path).Info("removed empty transaction log file")
	return nil
}

// prepareActive makes the recovered last file ready for appends at end.
// The fdatasync matters even with nothing to repair: the previous process
// may have died with unsynced pages, and they must be on disk before any
// fenced record is written after them.
func (l *Log) prepareActive(f *os.File, end int64) error {
	if err := fdatasync(f); err != nil {
		return fmt.Errorf("txnlog: fdatasync %s: %w", f.Name(), err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("txnlog: %w", err)
	}
	// Reuse existing zero padding only if we keep preallocating; otherwise
	// trim it so the file size is the logical end again.
	l.alloc = max(fi.Size(), end)
	if l.opts.PreAllocSize == 0 && l.alloc > end {
		if err := f.Truncate(end); err != nil {
			return fmt.Errorf("txnlog: trim %s: %w", f.Name(), err)
		}
		l.alloc = end
	}
	return nil
}
