package log

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
)

// segment is one <base>.log with its .index and .timeindex.
//
// Concurrency: the writer (holding Log.mu) writes bytes past size and
// index entries past their counts, then publishes them by storing size
// and the counts atomically; readers (holding Log.rmu shared) load the
// counts first and never look past them. Truncation, deletion and renames
// happen under Log.rmu held exclusively.
type segment struct {
	dir    string
	base   int64
	suffix string // "" normally; ".cleaned" or ".swap" while the cleaner builds it

	log  *os.File
	size atomic.Int64
	oidx *offsetIndex
	tidx *timeIndex
	ts   atomic.Pointer[tsOffset] // largest batch max timestamp so far and its offset

	// Writer-only state.
	interval   int64 // index.interval.bytes
	sinceIndex int64 // bytes appended since the last index entry
	rollTS     int64 // max timestamp of the first batch (time-based roll), -1 none
	rollTSSet  bool
	created    time.Time
	jitter     int64
	dirty      atomic.Bool // written since the last fsync
}

type tsOffset struct{ ts, offset int64 }

func (s *segment) path(ext string) string { return segmentPath(s.dir, s.base, ext, s.suffix) }

func (s *segment) maxTS() tsOffset { return *s.ts.Load() }

// createSegment creates empty segment files (replacing stale ones) with
// indexes preallocated to indexBytes.
func createSegment(dir string, base int64, suffix string, cfg Config, now time.Time) (*segment, error) {
	for _, ext := range []string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		os.Remove(segmentPath(dir, base, ext, suffix))
	}
	s, err := openSegment(dir, base, suffix, cfg, now)
	if err != nil {
		return nil, err
	}
	if err := s.resizeIndexes(int64(cfg.SegmentIndexBytes)); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// openSegment opens (creating if missing) the files of a segment. Index
// entry counts are not loaded: call loadIndexes or recover.
func openSegment(dir string, base int64, suffix string, cfg Config, now time.Time) (*segment, error) {
	s := &segment{dir: dir, base: base, suffix: suffix, interval: int64(cfg.IndexIntervalBytes),
		rollTS: -1, created: now, jitter: rollJitter(cfg)}
	s.ts.Store(&tsOffset{-1, base})
	var err error
	if s.log, err = os.OpenFile(s.path(logSuffix), os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		return nil, err
	}
	st, err := s.log.Stat()
	if err != nil {
		s.log.Close()
		return nil, err
	}
	s.size.Store(st.Size())
	oi, err := openIndexFile(s.path(indexSuffix), base, offsetEntrySize)
	if err != nil {
		s.log.Close()
		return nil, err
	}
	ti, err := openIndexFile(s.path(timeIndexSuffix), base, timeEntrySize)
	if err != nil {
		s.log.Close()
		oi.close()
		return nil, err
	}
	s.oidx, s.tidx = &offsetIndex{indexFile: oi, lastOffset: base}, &timeIndex{indexFile: ti, lastTS: -1, lastOffset: base}
	return s, nil
}

// rollJitter is Kafka's randomSegmentJitter: uniform in [0, min(jitter, segment.ms)).
func rollJitter(cfg Config) int64 {
	if cfg.SegmentJitterMs <= 0 {
		return 0
	}
	return randInt63n(min(cfg.SegmentJitterMs, cfg.SegmentMs))
}

// loadIndexes loads the entry counts of existing index files and checks
// them; an error means the indexes must be rebuilt with recover.
func (s *segment) loadIndexes() error {
	if err := s.oidx.countWritten(); err != nil {
		return err
	}
	if err := s.tidx.countWritten(); err != nil {
		return err
	}
	if err := s.oidx.loadLast(); err != nil {
		return err
	}
	if err := s.tidx.loadLast(); err != nil {
		return err
	}
	if err := s.oidx.check(s.size.Load()); err != nil {
		return err
	}
	if err := s.tidx.check(); err != nil {
		return err
	}
	if s.tidx.lastTS >= 0 {
		s.ts.Store(&tsOffset{s.tidx.lastTS, s.tidx.lastOffset})
	}
	return nil
}

func (s *segment) resizeIndexes(size int64) error {
	if err := s.oidx.resize(size); err != nil {
		return err
	}
	return s.tidx.resize(size)
}

// write appends batch bytes and maybe an index entry, then publishes the
// new size. lastOffset, maxTS and maxTSOffset describe the batch.
func (s *segment) write(b []byte, lastOffset, maxTS, maxTSOffset int64) error {
	pos := s.size.Load()
	if _, err := s.log.WriteAt(b, pos); err != nil {
		return err
	}
	s.dirty.Store(true)
	if err := s.track(len(b), pos, batchPlace{lastOffset, maxTS, maxTSOffset}); err != nil {
		return err
	}
	s.size.Store(pos + int64(len(b)))
	return nil
}

// batchPlace describes a batch written to a segment: its last offset and
// largest timestamp (with that record's offset).
type batchPlace struct{ lastOffset, maxTS, maxTSOffset int64 }

// writeGroup appends several batches with one system call, then records
// each as write does and publishes the new size once.
func (s *segment) writeGroup(bufs [][]byte, places []batchPlace) error {
	start := s.size.Load()
	if err := writeAtv(s.log, bufs, start); err != nil {
		return err
	}
	s.dirty.Store(true)
	pos := start
	for i, b := range bufs {
		if err := s.track(len(b), pos, places[i]); err != nil {
			return err
		}
		pos += int64(len(b))
	}
	s.size.Store(pos)
	return nil
}

// track notes a batch of n bytes written at pos: the roll timestamp,
// the largest timestamp, and an index entry every index.interval.bytes.
func (s *segment) track(n int, pos int64, bp batchPlace) error {
	if pos == 0 {
		s.rollTS, s.rollTSSet = bp.maxTS, true
	}
	if cur := s.maxTS(); bp.maxTS > cur.ts {
		s.ts.Store(&tsOffset{bp.maxTS, bp.maxTSOffset})
	}
	// The entry points at the start of this batch and is written before
	// the size is published, so a reader never follows it past the data.
	if s.sinceIndex > s.interval {
		if err := s.oidx.append(bp.lastOffset, pos); err != nil {
			return err
		}
		cur := s.maxTS()
		if err := s.tidx.maybeAppend(cur.ts, cur.offset, false); err != nil {
			return err
		}
		s.sinceIndex = 0
	}
	s.sinceIndex += int64(n)
	return nil
}

// shouldRoll is LogSegment.shouldRoll for an append of size bytes ending
// at lastOffset whose largest timestamp is maxTS.
func (s *segment) shouldRoll(cfg Config, size int, maxTS, lastOffset int64, now time.Time) bool {
	return s.shouldRollAt(cfg, s.size.Load(), size, maxTS, lastOffset, now)
}

// shouldRollAt is shouldRoll for a segment that will hold cur bytes
// (a group append's batches not yet written count).
func (s *segment) shouldRollAt(cfg Config, cur int64, size int, maxTS, lastOffset int64, now time.Time) bool {
	reachedMs := s.timeWaited(now, maxTS) > cfg.SegmentMs-s.jitter
	return cur > cfg.SegmentBytes-int64(size) ||
		(cur > 0 && reachedMs) ||
		s.oidx.full() || s.tidx.full() ||
		lastOffset-s.base > math.MaxInt32 || lastOffset < s.base
}

// timeWaited measures segment age by record time when the segment's first
// batch has a timestamp (so replayed old data rolls as it originally
// did), else by wall clock since creation.
func (s *segment) timeWaited(now time.Time, maxTS int64) int64 {
	if !s.rollTSSet {
		s.rollTS, s.rollTSSet = s.firstBatchTimestamp(), true
	}
	if s.rollTS >= 0 {
		return maxTS - s.rollTS
	}
	return now.Sub(s.created).Milliseconds()
}

func (s *segment) firstBatchTimestamp() int64 {
	h, err := newScanner(s.log, 0, s.size.Load()).header()
	if err != nil {
		return -1
	}
	return h.MaxTimestamp
}

// largestTimestamp is what time retention compares: the largest record
// timestamp, or the file's modification time when there is none.
func (s *segment) largestTimestamp() int64 {
	if ts := s.maxTS().ts; ts >= 0 {
		return ts
	}
	if st, err := s.log.Stat(); err == nil {
		return st.ModTime().UnixMilli()
	}
	return 0
}

// inactive finishes a segment that stops being the active one: the final
// time index entry (using the reserved slot), then indexes trimmed.
func (s *segment) inactive() error {
	cur := s.maxTS()
	if err := s.tidx.maybeAppend(cur.ts, cur.offset, true); err != nil {
		return err
	}
	if err := s.oidx.trim(); err != nil {
		return err
	}
	return s.tidx.trim()
}

// nextOffset is the offset after the last batch (readNextOffset): scan
// from the last index entry.
func (s *segment) nextOffset() (int64, error) {
	pos, err := s.oidx.lookup(s.oidx.lastOffset)
	if err != nil {
		return 0, err
	}
	next := s.base
	sc := newScanner(s.log, pos, s.size.Load())
	for {
		h, err := sc.header()
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, record.ErrCorrupt) {
			return next, nil
		}
		if err != nil {
			return 0, err
		}
		next = h.NextOffset()
		if err := sc.skip(h); err != nil {
			return 0, err
		}
	}
}

// positionOf returns the position of the first batch whose last offset is
// >= offset, and false if there is none.
func (s *segment) positionOf(offset int64) (int64, bool, error) {
	pos, err := s.oidx.lookup(offset)
	if err != nil {
		return 0, false, err
	}
	sc := newScanner(s.log, pos, s.size.Load())
	_, err = sc.seekOffset(offset)
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, record.ErrCorrupt) {
		return 0, false, nil
	}
	return sc.pos, err == nil, err
}

// read returns whole batches starting with the one containing offset:
// batches ending at or after maxOffset are excluded, the total stays
// within maxBytes unless minOne allows one larger first batch. found is
// false when no batch of this segment ends at or after offset.
func (s *segment) read(offset, maxBytes, maxOffset int64, minOne bool) (data []byte, found bool, err error) {
	pos, err := s.oidx.lookup(offset)
	if err != nil {
		return nil, false, err
	}
	sc := newScanner(s.log, pos, s.size.Load())
	h, err := sc.seekOffset(offset)
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	start, end := sc.pos, sc.pos
	for err == nil && h.LastOffset() < maxOffset {
		n := int64(h.Size())
		if end-start+n > maxBytes {
			if end == start && minOne {
				end += n
			}
			break
		}
		end += n
		if err = sc.skip(h); err == nil {
			h, err = sc.header()
		}
	}
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && end == start {
		return nil, true, err
	}
	data = make([]byte, end-start)
	if _, err := s.log.ReadAt(data, start); err != nil {
		return nil, true, err
	}
	return data, true, nil
}

// recover rebuilds the indexes by scanning every batch, validating each
// (CRC, framing, offsets increasing within the segment's 32-bit range),
// and truncates the file at the first invalid or partial batch. onBatch
// sees each valid batch (epoch cache rebuild). It returns the bytes cut
// and, when it cut, why (cause); err is an I/O failure.
func (s *segment) recover(cfg Config, onBatch func(record.Header)) (cut int64, cause, err error) {
	if err := s.oidx.setCount(0); err != nil {
		return 0, nil, err
	}
	if err := s.tidx.setCount(0); err != nil {
		return 0, nil, err
	}
	s.oidx.lastOffset, s.tidx.lastTS, s.tidx.lastOffset = s.base, -1, s.base
	if err := s.resizeIndexes(int64(cfg.SegmentIndexBytes)); err != nil {
		return 0, nil, err
	}
	s.ts.Store(&tsOffset{-1, s.base})
	st, err := s.log.Stat()
	if err != nil {
		return 0, nil, err
	}
	valid, cause, err := s.rebuild(st.Size(), onBatch)
	if err != nil {
		return 0, nil, err
	}
	cut = st.Size() - valid
	if cut > 0 {
		if err := s.log.Truncate(valid); err != nil {
			return 0, nil, err
		}
	}
	s.size.Store(valid)
	s.sinceIndex = 0
	return cut, cause, s.inactive()
}

// rebuild scans [0, fileSize) and appends index entries; it returns the
// valid prefix length and the reason it stopped early (nil at a clean end).
func (s *segment) rebuild(fileSize int64, onBatch func(record.Header)) (valid int64, cause, err error) {
	sc := newScanner(s.log, 0, fileSize)
	lastEntry, prevNext := int64(0), s.base
	for {
		h, b, err := sc.batch()
		if err == io.EOF {
			return valid, nil, nil
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, record.ErrCorrupt) {
			return 0, nil, err
		}
		if err == nil {
			_, err = record.Validate(b)
		}
		if err == nil && (h.BaseOffset < prevNext || h.LastOffset()-s.base > math.MaxInt32) {
			err = fmt.Errorf("%w: batch offsets %d..%d out of order (expected >= %d)", record.ErrCorrupt, h.BaseOffset, h.LastOffset(), prevNext)
		}
		if err != nil {
			return valid, err, nil
		}
		if cur := s.maxTS(); h.MaxTimestamp > cur.ts {
			s.ts.Store(&tsOffset{h.MaxTimestamp, h.LastOffset()})
		}
		if valid-lastEntry > s.interval {
			if err := s.oidx.append(h.LastOffset(), valid); err != nil {
				return 0, nil, err
			}
			cur := s.maxTS()
			if err := s.tidx.maybeAppend(cur.ts, cur.offset, false); err != nil {
				return 0, nil, err
			}
			lastEntry = valid
		}
		valid += int64(len(b))
		prevNext = h.NextOffset()
		if onBatch != nil {
			onBatch(h)
		}
	}
}

// truncateTo removes the batch containing offset and everything after
// (LogSegment.truncateTo) and makes the segment appendable again.
func (s *segment) truncateTo(offset int64, cfg Config, now time.Time) error {
	pos, found, err := s.positionOf(offset)
	if err != nil {
		return err
	}
	if err := s.oidx.truncateTo(offset); err != nil {
		return err
	}
	if err := s.tidx.truncateTo(offset); err != nil {
		return err
	}
	if err := s.resizeIndexes(int64(cfg.SegmentIndexBytes)); err != nil {
		return err
	}
	if found {
		if err := s.log.Truncate(pos); err != nil {
			return err
		}
		s.size.Store(pos)
		s.dirty.Store(true)
	}
	if s.size.Load() == 0 {
		s.created, s.rollTS, s.rollTSSet = now, -1, false
	}
	s.sinceIndex = 0
	return s.reloadMaxTimestamp()
}

// reloadMaxTimestamp recomputes the largest timestamp: the last time
// index entry, then any larger batch after it.
func (s *segment) reloadMaxTimestamp() error {
	best := tsOffset{s.tidx.lastTS, s.tidx.lastOffset}
	pos, err := s.oidx.lookup(best.offset)
	if err != nil {
		return err
	}
	sc := newScanner(s.log, pos, s.size.Load())
	for {
		h, err := sc.header()
		if err != nil {
			break
		}
		if h.MaxTimestamp > best.ts {
			best = tsOffset{h.MaxTimestamp, h.LastOffset()}
		}
		if sc.skip(h) != nil {
			break
		}
	}
	s.ts.Store(&best)
	return nil
}

// flush fsyncs the segment's files if they were written since the last
// flush. A segment closed concurrently (deleted) needs no flush.
func (s *segment) flush() error {
	if !s.dirty.Swap(false) {
		return nil
	}
	for _, f := range []func() error{s.log.Sync, s.oidx.sync, s.tidx.sync} {
		if err := f(); err != nil && !errors.Is(err, os.ErrClosed) {
			s.dirty.Store(true)
			return err
		}
	}
	return nil
}

func (s *segment) close() error {
	err := s.log.Close()
	if e := s.oidx.close(); err == nil {
		err = e
	}
	if e := s.tidx.close(); err == nil {
		err = e
	}
	return err
}

// rename moves the segment's files from the current suffix to suffix.
func (s *segment) rename(suffix string) error {
	for _, ext := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
		from, to := s.path(ext), segmentPath(s.dir, s.base, ext, suffix)
		if err := os.Rename(from, to); err != nil {
			return err
		}
	}
	txn := s.path(txnIndexSuffix)
	if _, err := os.Stat(txn); err == nil {
		os.Rename(txn, segmentPath(s.dir, s.base, txnIndexSuffix, suffix))
	}
	s.suffix = suffix
	s.oidx.path, s.tidx.path = s.path(indexSuffix), s.path(timeIndexSuffix)
	return nil
}

// removeFiles closes and deletes the segment's files.
func (s *segment) removeFiles() error {
	s.close()
	var first error
	for _, ext := range []string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		if err := os.Remove(s.path(ext)); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
