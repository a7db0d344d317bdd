package txnlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
)

// Options configure a Log.
type Options struct {
	LogDir       string // transaction log directory (ZooKeeper dataLogDir); files go in LogDir/version-2/
	SnapDir      string // snapshot directory (ZooKeeper dataDir); created by Open if set
	ForceSync    bool   // fsync on Sync (forceSync=yes); when false Sync only writes to the OS
	PreAllocSize int64  // bytes to preallocate per log file (0 = none)
	Log          *logrus.Entry
}

// segment is one log file.
type segment struct {
	first int64 // zxid in the name, and of the first record
	path  string
	end   int64 // end of the valid records; grows for the active file
}

// chunk is a run of encoded records bound for one file.
type chunk struct {
	newFile bool // data starts with a file header: create log.<first>
	first   int64
	last    int64
	data    []byte
}

// Log is an append-only, zxid-ordered transaction log. Append and Sync may
// be called from different goroutines; Sync, Roll, Close and Replay
// serialize among themselves.
type Log struct {
	opts Options
	dir  string
	log  *logrus.Entry

	// mu guards the append buffer and is only held to encode a record or
	// to swap the buffer out, never across I/O.
	mu       sync.Mutex
	pend     []chunk
	spare    []chunk  // the other half of the double buffer
	free     [][]byte // recycled chunk buffers
	lastApp  int64    // zxid of the last Append (or of the last record on disk)
	needFile bool     // the next Append starts a new file
	closed   bool
	err      error // sticky: set by a failed write or fsync

	// syncMu serializes file I/O and guards the fields below.
	syncMu sync.Mutex
	segs   []segment
	cur    *os.File // active file (the last segment), nil if none
	alloc  int64    // bytes allocated in cur, >= segs[len-1].end

	durable atomic.Int64 // zxid of the last record written (and synced if ForceSync)
}

// Keep a few buffers for reuse so that steady-state group commit does not
// allocate, but do not pin memory after a burst of huge records.
const (
	maxFreeBufs   = 4
	maxReusedBuf  = 8 << 20
	initialBufCap = 64 << 10
)

func discardLogger() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.PanicLevel)
	return logrus.NewEntry(l)
}

// LastZxid is the zxid of the last record on disk after Open, and then of
// the last record made durable by Sync (0 if there is none).
func (l *Log) LastZxid() int64 { return l.durable.Load() }

// Append buffers a record. zxid must be positive and greater than every
// zxid appended before. The record is not durable until Sync returns.
func (l *Log) Append(zxid int64, payload []byte) error {
	if zxid <= 0 {
		return ErrInvalidZxid
	}
	if len(payload) > MaxPayloadSize {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return ErrClosed
	case l.err != nil:
		return l.err
	case zxid <= l.lastApp:
		return fmt.Errorf("%w: %#x after %#x", ErrOutOfOrder, zxid, l.lastApp)
	}
	if l.needFile || len(l.pend) == 0 {
		c := chunk{newFile: l.needFile, first: zxid, data: l.getBufLocked()}
		if l.needFile {
			c.data = appendFileHeader(c.data, zxid)
			l.needFile = false
		}
		l.pend = append(l.pend, c)
	}
	c := &l.pend[len(l.pend)-1]
	// The first record of a batch written into an existing file is fenced
	// when the previous batch is fsynced before it is written (see doc.go).
	fenced := l.opts.ForceSync && len(c.data) == 0
	c.data = appendRecord(c.data, zxid, payload, fenced)
	c.last = zxid
	l.lastApp = zxid
	return nil
}

// l.mu must be held.
func (l *Log) getBufLocked() []byte {
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b
	}
	return make([]byte, 0, initialBufCap)
}

// Sync writes all buffered records, fdatasyncs if ForceSync, and returns
// the zxid of the last record made durable.
func (l *Log) Sync() (int64, error) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	return l.flushLocked(false)
}

// Roll syncs the current file (always with fdatasync, so that only the last
// file can ever have a torn tail), trims its preallocation and closes it.
// The next Append starts log.<its zxid>.
func (l *Log) Roll() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if _, err := l.flushLocked(true); err != nil {
		return err
	}
	return l.setErr(l.closeCurrentLocked())
}

// Close flushes and fsyncs pending records and closes the active file.
// Closing twice is a no-op.
func (l *Log) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	_, err := l.flushLocked(false)
	l.mu.Lock()
	wasClosed := l.closed
	l.closed = true
	l.mu.Unlock()
	if wasClosed {
		return nil
	}
	if err != nil {
		if l.cur != nil {
			_ = l.cur.Close() // the write error is what matters
			l.cur = nil
		}
		return err
	}
	return l.closeCurrentLocked()
}

// flushLocked swaps the append buffer out and writes it. With roll, every
// Append after the swap goes to a new file. l.syncMu must be held.
func (l *Log) flushLocked(roll bool) (int64, error) {
	l.mu.Lock()
	if l.closed || l.err != nil {
		err := l.err
		if err == nil {
			err = ErrClosed
		}
		l.mu.Unlock()
		return l.durable.Load(), err
	}
	batch := l.pend
	l.pend, l.spare = l.spare[:0], nil
	if roll {
		l.needFile = true
	}
	l.mu.Unlock()

	err := l.writeBatchLocked(batch)

	l.mu.Lock()
	for i := range batch {
		if len(l.free) < maxFreeBufs && cap(batch[i].data) <= maxReusedBuf {
			l.free = append(l.free, batch[i].data[:0])
		}
		batch[i] = chunk{}
	}
	l.spare = batch[:0]
	if err != nil && l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
	return l.durable.Load(), err
}

// writeBatchLocked writes each chunk with one pwrite and, under ForceSync,
// one fdatasync. l.syncMu must be held.
func (l *Log) writeBatchLocked(batch []chunk) error {
	for i := range batch {
		c := &batch[i]
		if c.newFile {
			if err := l.closeCurrentLocked(); err != nil {
				return err
			}
			if err := l.createLocked(c.first); err != nil {
				return err
			}
		}
		if l.cur == nil {
			panic("txnlog: records pending without an active file")
		}
		if err := l.writeLocked(c.data); err != nil {
			return err
		}
		if l.opts.ForceSync {
			if err := fdatasync(l.cur); err != nil {
				return fmt.Errorf("txnlog: fdatasync %s: %w", l.cur.Name(), err)
			}
		}
		l.durable.Store(c.last)
	}
	return nil
}

// writeLocked appends data at the logical end of the active file,
// preallocating first if needed. l.syncMu must be held.
func (l *Log) writeLocked(data []byte) error {
	seg := &l.segs[len(l.segs)-1]
	need := seg.end + int64(len(data))
	if p := l.opts.PreAllocSize; p > 0 && need > l.alloc {
		size := (need + p - 1) / p * p
		if err := preallocate(l.cur, l.alloc, size); err != nil {
			return fmt.Errorf("txnlog: preallocate %s: %w", seg.path, err)
		}
		l.alloc = size
	}
	if _, err := l.cur.WriteAt(data, seg.end); err != nil {
		return fmt.Errorf("txnlog: write %s: %w", seg.path, err)
	}
	seg.end = need
	l.alloc = max(l.alloc, need)
	return nil
}

// createLocked creates log.<first> and makes it the active file. The
// directory is fsynced (under ForceSync) so that the file itself survives a
// power cut, not just its data blocks. l.syncMu must be held.
func (l *Log) createLocked(first int64) error {
	path := filepath.Join(l.dir, logName(first))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("txnlog: create log file: %w", err)
	}
	if l.opts.ForceSync {
		if err := syncDir(l.dir); err != nil {
			_ = f.Close()
			return err
		}
	}
	l.cur, l.alloc = f, 0
	l.segs = append(l.segs, segment{first: first, path: path})
	return nil
}

// closeCurrentLocked fsyncs the active file, trims its preallocated tail and
// closes it. l.syncMu must be held.
func (l *Log) closeCurrentLocked() error {
	if l.cur == nil {
		return nil
	}
	f, end := l.cur, l.segs[len(l.segs)-1].end
	l.cur = nil
	if err := fdatasync(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("txnlog: fdatasync %s: %w", f.Name(), err)
	}
	// The padding is harmless if this truncation is lost in a crash, so it
	// needs no second fsync.
	if l.alloc > end {
		if err := f.Truncate(end); err != nil {
			_ = f.Close()
			return fmt.Errorf("txnlog: trim %s: %w", f.Name(), err)
		}
	}
	return f.Close()
}

func (l *Log) setErr(err error) error {
	if err != nil {
		l.mu.Lock()
		if l.err == nil {
			l.err = err
		}
		l.mu.Unlock()
	}
	return err
}

// Replay calls fn for every record with zxid > after, in zxid order. fn may
// keep payload. Records appended concurrently may or may not be seen; call
// it before appending.
func (l *Log) Replay(after int64, fn func(zxid int64, payload []byte) error) error {
	l.syncMu.Lock()
	segs := slices.Clone(l.segs)
	l.syncMu.Unlock()
	var last int64
	for i, s := range segs {
		// A file holds records below the next file's first zxid.
		if i+1 < len(segs) && segs[i+1].first-1 <= after {
			continue
		}
		var err error
		if last, err = replayFile(s, last, after, fn); err != nil {
			return err
		}
	}
	return nil
}

func replayFile(s segment, last, after int64, fn func(int64, []byte) error) (int64, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return last, fmt.Errorf("txnlog: replay: %w", err)
	}
	defer f.Close()
	if _, err := readFileHeader(io.NewSectionReader(f, 0, fileHeaderSize)); err != nil {
		return last, fmt.Errorf("txnlog: replay %s: header: %w", s.path, err)
	}
	rr := newRecordReader(io.NewSectionReader(f, fileHeaderSize, s.end-fileHeaderSize), fileHeaderSize, s.end)
	rr.last = last
	for {
		zxid, payload, err := rr.next()
		if errors.Is(err, io.EOF) {
			return rr.last, nil
		}
		if err != nil {
			// The file validated at Open, so this is damage since then.
			if err == errPadding || err == io.ErrUnexpectedEOF {
				err = fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			return rr.last, fmt.Errorf("txnlog: replay %s at offset %d: %w", s.path, rr.off, err)
		}
		if zxid > after {
			if err := fn(zxid, slices.Clone(payload)); err != nil {
				return rr.last, err
			}
		}
	}
}

// syncDir fsyncs a directory so that entries created, renamed or removed
// in it survive a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("txnlog: sync dir: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("txnlog: sync dir %s: %w", dir, err)
	}
	return nil
}
