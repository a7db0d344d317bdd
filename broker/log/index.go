package log

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
)

// Index files hold fixed-size big-endian entries: the offset index maps a
// relative offset to a byte position in the .log, the time index a
// timestamp to a relative offset. Kafka mmaps them; we pwrite entries and
// binary-search with pread, so an index costs no memory beyond its entry
// count and a small tail of new entries: an active segment gains an entry
// with nearly every produced batch (batches are larger than
// index.interval.bytes), so new entries collect in memory and go to the
// file tailEntries at a time, and before every fsync, resize,
// truncation and close. Nothing is lost by a crash that entries in memory
// would have survived: segments past the recovery point have their
// indexes rebuilt at start-up, and segments before it were fsynced, which
// wrote their tails. While a segment is active its index files are
// preallocated to segment.index.bytes (rounded down to whole entries); on
// roll and close they are trimmed to the entries written.

const (
	offsetEntrySize = 8  // relative offset int32, position int32
	timeEntrySize   = 12 // timestamp int64, relative offset int32
)

// indexFile is the common part of both indexes.
type indexFile struct {
	f          *os.File
	path       string
	base       int64
	entrySize  int64
	n          atomic.Int64 // entries written; readers load it without locks
	maxEntries int64
	fileSize   int64

	// Entries from tail.first to n are in tail.buf, not yet in the file
	// (tail nil: every entry is in the file). A full or flushed tail is
	// replaced, never reused, so readers holding it keep valid bytes.
	// tmu serializes the appender with flushes from the background flusher.
	tmu  sync.Mutex
	tail atomic.Pointer[indexTail]
}

// tailEntries is how many new entries are written to an index file at once.
const tailEntries = 128

type indexTail struct {
	first int64  // entry number of buf's first slot
	buf   []byte // tailEntries slots; those below n-first are written and never change
}

func openIndexFile(path string, base, entrySize int64) (*indexFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	x := &indexFile{f: f, path: path, base: base, entrySize: entrySize, fileSize: st.Size()}
	x.maxEntries = x.fileSize / entrySize
	return x, nil
}

// entry reads entry n (below count()) into buf.
func (x *indexFile) entry(n int64, buf []byte) error {
	if t := x.tail.Load(); t != nil && n >= t.first {
		copy(buf[:x.entrySize], t.buf[(n-t.first)*x.entrySize:])
		return nil
	}
	_, err := x.f.ReadAt(buf[:x.entrySize], n*x.entrySize)
	return err
}

// flushTail writes the entries held in memory to the file.
func (x *indexFile) flushTail() error {
	x.tmu.Lock()
	defer x.tmu.Unlock()
	return x.flushTailLocked()
}

func (x *indexFile) flushTailLocked() error {
	t := x.tail.Load()
	if t == nil {
		return nil
	}
	if k := x.count() - t.first; k > 0 {
		if _, err := x.f.WriteAt(t.buf[:k*x.entrySize], t.first*x.entrySize); err != nil {
			return err
		}
	}
	x.tail.Store(nil) // after the write: a reader finding no tail reads the file
	return nil
}

// resize sets the file size to size rounded down to whole entries; the
// entries written so far are kept.
func (x *indexFile) resize(size int64) error {
	if err := x.flushTail(); err != nil {
		return err
	}
	size -= size % x.entrySize
	if size < x.count()*x.entrySize {
		size = x.count() * x.entrySize
	}
	if size == x.fileSize {
		return nil
	}
	if err := x.f.Truncate(size); err != nil {
		return err
	}
	x.fileSize, x.maxEntries = size, size/x.entrySize
	return nil
}

func (x *indexFile) trim() error { return x.resize(x.count() * x.entrySize) }

// countWritten sets entries from the file size, discarding a suffix of
// all-zero entries: that is preallocation, never a real entry (an offset
// index entry always has a non-zero position, a time index entry a
// timestamp above the previous one). Zeros form a suffix, so a binary
// search finds the boundary.
func (x *indexFile) countWritten() error {
	if x.fileSize%x.entrySize != 0 {
		return fmt.Errorf("index %s: size %d is not a multiple of %d", x.path, x.fileSize, x.entrySize)
	}
	buf := make([]byte, x.entrySize)
	lo, hi := int64(0), x.fileSize/x.entrySize // first zero entry is in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if err := x.entry(mid, buf); err != nil {
			return err
		}
		if allZero(buf) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	x.n.Store(lo)
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// write appends one entry to the tail, first writing a full tail to the
// file.
func (x *indexFile) write(buf []byte) error {
	x.tmu.Lock()
	defer x.tmu.Unlock()
	n := x.count()
	t := x.tail.Load()
	if t == nil || n-t.first >= tailEntries || n < t.first {
		if err := x.flushTailLocked(); err != nil {
			return err
		}
		t = &indexTail{first: n, buf: make([]byte, tailEntries*x.entrySize)}
		x.tail.Store(t)
	}
	copy(t.buf[(n-t.first)*x.entrySize:], buf)
	x.n.Store(n + 1) // publish only after the bytes are in place
	return nil
}

// setCount drops entries from n on (truncation), writing the tail first
// so that the file and the count agree again.
func (x *indexFile) setCount(n int64) error {
	if err := x.flushTail(); err != nil {
		return err
	}
	x.n.Store(n)
	return nil
}

// search returns the largest slot whose key (read by key) is <= target,
// or -1.
func (x *indexFile) search(target int64, key func(buf []byte) int64) (int64, error) {
	buf := make([]byte, x.entrySize)
	lo, hi := int64(-1), x.count()-1
	for lo < hi {
		mid := hi - (hi-lo)/2
		if err := x.entry(mid, buf); err != nil {
			return -1, err
		}
		if key(buf) <= target {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

func (x *indexFile) count() int64 { return x.n.Load() }

func (x *indexFile) sync() error {
	if err := x.flushTail(); err != nil {
		return err
	}
	return x.f.Sync()
}

func (x *indexFile) close() error {
	err := x.flushTail()
	if e := x.f.Close(); err == nil {
		err = e
	}
	return err
}

// offsetIndex maps offsets to .log positions. An entry (offset O,
// position P) says the batch starting at P is the one Kafka was appending
// when it wrote the entry, and it ends at or after O: lookups start
// scanning there.
type offsetIndex struct {
	*indexFile
	lastOffset int64
}

func (x *offsetIndex) relOffset(buf []byte) int64 {
	return x.base + int64(int32(binary.BigEndian.Uint32(buf)))
}

func (x *offsetIndex) full() bool { return x.count() >= x.maxEntries }

// append adds (offset, pos) if offset is beyond the last entry and there
// is room; an index is only a search hint, so a skipped entry costs a
// longer scan, never correctness.
func (x *offsetIndex) append(offset int64, pos int64) error {
	if x.full() || (x.count() > 0 && offset <= x.lastOffset) || offset-x.base > math.MaxInt32 || pos > math.MaxInt32 {
		return nil
	}
	var buf [offsetEntrySize]byte
	binary.BigEndian.PutUint32(buf[0:], uint32(offset-x.base))
	binary.BigEndian.PutUint32(buf[4:], uint32(pos))
	if err := x.write(buf[:]); err != nil {
		return err
	}
	x.lastOffset = offset
	return nil
}

// lookup returns the position to start scanning for target: that of the
// largest entry with offset <= target, else 0.
func (x *offsetIndex) lookup(target int64) (int64, error) {
	slot, err := x.search(target, x.relOffset)
	if err != nil || slot < 0 {
		return 0, err
	}
	var buf [offsetEntrySize]byte
	if err := x.entry(slot, buf[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint32(buf[4:])), nil
}

// truncateTo drops entries for offsets >= offset.
func (x *offsetIndex) truncateTo(offset int64) error {
	slot, err := x.search(offset, x.relOffset)
	if err != nil {
		return err
	}
	n := slot + 1
	var buf [offsetEntrySize]byte
	if slot >= 0 {
		if err := x.entry(slot, buf[:]); err != nil {
			return err
		}
		if x.relOffset(buf[:]) == offset {
			n = slot
		}
	}
	if err := x.setCount(n); err != nil {
		return err
	}
	return x.loadLast()
}

// loadLast reloads lastOffset from the file.
func (x *offsetIndex) loadLast() error {
	x.lastOffset = x.base
	if x.count() == 0 {
		return nil
	}
	var buf [offsetEntrySize]byte
	if err := x.entry(x.count()-1, buf[:]); err != nil {
		return err
	}
	x.lastOffset = x.relOffset(buf[:])
	return nil
}

// check is Kafka's sanity check plus bounds against the segment size:
// entries must be ordered and point inside the log.
func (x *offsetIndex) check(logSize int64) error {
	if x.count() == 0 {
		return nil
	}
	var first, last [offsetEntrySize]byte
	if err := x.entry(0, first[:]); err != nil {
		return err
	}
	if err := x.entry(x.count()-1, last[:]); err != nil {
		return err
	}
	fo, lo := x.relOffset(first[:]), x.relOffset(last[:])
	fp, lp := int64(binary.BigEndian.Uint32(first[4:])), int64(binary.BigEndian.Uint32(last[4:]))
	if fo < x.base || lo < fo || fp > lp || lp >= logSize {
		return fmt.Errorf("index %s: entries out of order or past the log", x.path)
	}
	return nil
}

// timeIndex maps timestamps to offsets: entry (T, O) says the largest
// timestamp seen up to offset O is T. Timestamps strictly increase.
type timeIndex struct {
	*indexFile
	lastTS     int64
	lastOffset int64
}

func timeOf(buf []byte) int64 { return int64(binary.BigEndian.Uint64(buf)) }

func (x *timeIndex) offsetOf(buf []byte) int64 {
	return x.base + int64(int32(binary.BigEndian.Uint32(buf[8:])))
}

// full keeps the last slot for the final entry written on roll or close
// (TimeIndex.isFull).
func (x *timeIndex) full() bool { return x.count() >= x.maxEntries-1 }

// maybeAppend adds (ts, offset) if ts is above the last entry's;
// skipFull allows using the reserved last slot.
func (x *timeIndex) maybeAppend(ts, offset int64, skipFull bool) error {
	if (!skipFull && x.full()) || x.count() >= x.maxEntries || ts <= x.lastTS ||
		(x.count() > 0 && offset < x.lastOffset) || offset-x.base > math.MaxInt32 {
		return nil
	}
	var buf [timeEntrySize]byte
	binary.BigEndian.PutUint64(buf[0:], uint64(ts))
	binary.BigEndian.PutUint32(buf[8:], uint32(offset-x.base))
	if err := x.write(buf[:]); err != nil {
		return err
	}
	x.lastTS, x.lastOffset = ts, offset
	return nil
}

// lookup returns the entry with the largest timestamp <= ts, or
// (-1, base).
func (x *timeIndex) lookup(ts int64) (int64, int64, error) {
	slot, err := x.search(ts, timeOf)
	if err != nil || slot < 0 {
		return -1, x.base, err
	}
	var buf [timeEntrySize]byte
	if err := x.entry(slot, buf[:]); err != nil {
		return -1, x.base, err
	}
	return timeOf(buf[:]), x.offsetOf(buf[:]), nil
}

// truncateTo drops entries for offsets >= offset.
func (x *timeIndex) truncateTo(offset int64) error {
	slot, err := x.search(offset, x.offsetOf)
	if err != nil {
		return err
	}
	n := slot + 1
	var buf [timeEntrySize]byte
	if slot >= 0 {
		if err := x.entry(slot, buf[:]); err != nil {
			return err
		}
		if x.offsetOf(buf[:]) == offset {
			n = slot
		}
	}
	if err := x.setCount(n); err != nil {
		return err
	}
	return x.loadLast()
}

func (x *timeIndex) loadLast() error {
	x.lastTS, x.lastOffset = -1, x.base
	if x.count() == 0 {
		return nil
	}
	var buf [timeEntrySize]byte
	if err := x.entry(x.count()-1, buf[:]); err != nil {
		return err
	}
	x.lastTS, x.lastOffset = timeOf(buf[:]), x.offsetOf(buf[:])
	return nil
}

func (x *timeIndex) check() error {
	if x.count() == 0 {
		return nil
	}
	var first [timeEntrySize]byte
	if err := x.entry(0, first[:]); err != nil {
		return err
	}
	if x.lastTS < timeOf(first[:]) || x.lastOffset < x.base || x.offsetOf(first[:]) > x.lastOffset {
		return fmt.Errorf("time index %s: entries out of order", x.path)
	}
	return nil
}
