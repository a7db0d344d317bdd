package log

import (
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// ErrPolicyViolation is returned by DeleteRecordsBefore on a topic whose
// cleanup.policy lacks "delete" (POLICY_VIOLATION, 44).
var ErrPolicyViolation = errors.New("log: records of a compacted topic cannot be deleted")

// TruncateTo removes every offset >= offset: the batch containing offset
// and everything after, so the log end becomes offset, or the start of
// that batch if offset is inside one (callers pass batch boundaries:
// epoch start offsets, high watermarks). Later segments are renamed
// .deleted and removed after file.delete.delay.ms; the epoch cache, the
// producer state, the recovery point and the high watermark follow. At or
// past the log end only the epoch cache is trimmed (a new leader may have
// assigned an epoch at the end without writing).
func (l *Log) TruncateTo(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("log: cannot truncate to negative offset %d", offset)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	leo := l.leo.Load()
	if offset >= leo {
		return l.epochs.truncateFromEnd(leo)
	}
	l.log.WithFields(logrus.Fields{"offset": offset, "leo": leo}).Info("truncating log")
	if l.segs[0].base > offset {
		return l.truncateFullyLocked(offset)
	}
	l.rmu.Lock()
	l.gen.Add(1)
	i := l.floorIndex(offset)
	removed := append([]*segment(nil), l.segs[i+1:]...)
	l.segs = l.segs[:i+1]
	err := l.segs[i].truncateTo(offset, l.Config(), l.now())
	if err == nil {
		// The batch containing offset went too, so the end is where the
		// data now ends (Kafka sets the end to offset, which callers only
		// ever pass at batch boundaries).
		var end int64
		end, err = l.segs[i].nextOffset()
		offset = min(offset, end)
	}
	l.leo.Store(offset)
	l.logStart.Store(min(offset, l.logStart.Load()))
	l.clampOffsetsLocked(offset)
	l.rmu.Unlock()
	if err != nil {
		return err
	}
	l.scheduleDelete(removed)
	if err := l.epochs.truncateFromEnd(offset); err != nil {
		return err
	}
	return l.rebuildProducerState(offset)
}

// clampOffsetsLocked keeps the recovery point, high watermark and cleaner
// checkpoint at or below a new log end. l.mu must be held.
func (l *Log) clampOffsetsLocked(leo int64) {
	if l.recoveryPoint.Load() > leo {
		l.recoveryPoint.Store(leo)
	}
	if l.hw.Load() > leo {
		l.hw.Store(leo)
	}
	if l.cleanerCkpt > leo {
		l.cleanerCkpt = leo
	}
}

// TruncateFullyAndStartAt deletes all data and restarts the log empty at
// offset (a follower far behind the leader's log start).
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("log: cannot start at negative offset %d", offset)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.truncateFullyLocked(offset)
}

func (l *Log) truncateFullyLocked(offset int64) error {
	old := append([]*segment(nil), l.segs...)
	// Rename first: the new segment may reuse an old base offset.
	if err := renameDeleted(old); err != nil {
		return err
	}
	s, err := createSegment(l.dir, offset, "", l.Config(), l.now())
	if err != nil {
		return err
	}
	l.rmu.Lock()
	l.gen.Add(1)
	l.segs = []*segment{s}
	l.leo.Store(offset)
	l.logStart.Store(offset)
	l.clampOffsetsLocked(offset)
	l.hw.Store(offset)
	l.cleanerCkpt = offset
	l.rmu.Unlock()
	l.newFiles.Store(true)
	l.deletes.schedule(l.deleteDelay(), old, l.log)
	if err := l.epochs.clear(); err != nil {
		return err
	}
	l.ps.truncateFullyAndStartAt(offset)
	return l.rebuildProducerState(offset)
}

func (l *Log) deleteDelay() time.Duration {
	return time.Duration(max(l.Config().FileDeleteDelayMs, 0)) * time.Millisecond
}

func renameDeleted(segs []*segment) error {
	for _, s := range segs {
		if err := s.rename(deletedSuffix); err != nil {
			return err
		}
	}
	return nil
}

// scheduleDelete renames segments already removed from the list to
// .deleted, drops their producer snapshots and deletes them after
// file.delete.delay.ms. l.mu must be held.
func (l *Log) scheduleDelete(segs []*segment) {
	if len(segs) == 0 {
		return
	}
	if err := renameDeleted(segs); err != nil {
		l.log.WithError(err).Warn("cannot rename deleted segment")
	}
	for _, s := range segs {
		l.ps.removeSnapshot(s.base)
	}
	l.deletes.schedule(l.deleteDelay(), segs, l.log)
}

// DeleteRecordsBefore moves the log start offset to offset (DeleteRecords;
// -1 means the high watermark) and deletes the segments wholly below it.
// The offset may not pass the high watermark (ErrOffsetOutOfRange); the
// topic's cleanup policy must include delete (ErrPolicyViolation). It
// returns the new log start offset (the response's low watermark).
func (l *Log) DeleteRecordsBefore(offset int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if !l.Config().Delete() {
		return 0, ErrPolicyViolation
	}
	if offset == -1 {
		offset = l.hw.Load()
	}
	if offset < 0 || offset > l.hw.Load() {
		return 0, fmt.Errorf("%w: cannot delete records before %d, high watermark %d", ErrOffsetOutOfRange, offset, l.hw.Load())
	}
	if offset > l.logStart.Load() {
		if err := l.incrementLogStart(offset); err != nil {
			return 0, err
		}
		l.log.WithField("offset", offset).Info("log start offset moved by DeleteRecords")
	}
	if _, err := l.deleteOld(l.startBreached, l.now()); err != nil {
		return 0, err
	}
	return l.logStart.Load(), nil
}

// MaybeIncrementLogStart raises the log start offset to offset (a
// follower following its leader's log start); segments wholly below it go
// at the next retention pass. It may not pass the high watermark
// (ErrOffsetOutOfRange). It reports whether the start moved.
func (l *Log) MaybeIncrementLogStart(offset int64) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, ErrClosed
	}
	if offset > l.hw.Load() {
		return false, fmt.Errorf("%w: cannot move the log start to %d past the high watermark %d", ErrOffsetOutOfRange, offset, l.hw.Load())
	}
	if offset <= l.logStart.Load() {
		return false, nil
	}
	return true, l.incrementLogStart(offset)
}

// incrementLogStart is maybeIncrementLogStartOffset. l.mu must be held.
func (l *Log) incrementLogStart(offset int64) error {
	l.logStart.Store(offset)
	if l.hw.Load() < offset {
		l.hw.Store(offset)
	}
	if l.recoveryPoint.Load() < offset {
		l.recoveryPoint.Store(offset)
	}
	l.ps.onLogStartIncremented(offset)
	return l.epochs.truncateFromStart(offset)
}

// ApplyRetention deletes old segments (UnifiedLog.deleteOldSegments):
// always those wholly below the log start offset; with cleanup.policy
// delete also the oldest segments while the log exceeds retention.bytes
// and those whose newest record is older than retention.ms. Only
// segments whose successor starts at or below the high watermark go; if
// every segment qualifies the log rolls first so an empty active segment
// remains. The log start offset moves to the first remaining segment.
func (l *Log) ApplyRetention(now time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	n, err := l.deleteOld(l.startBreached, now)
	if err != nil || !l.Config().Delete() {
		return n, err
	}
	m, err := l.deleteOld(l.sizeBreached(), now)
	n += m
	if err != nil {
		return n, err
	}
	m, err = l.deleteOld(l.timeBreached(now), now)
	return n + m, err
}

type deletePredicate func(s, next *segment) bool

func (l *Log) startBreached(_, next *segment) bool {
	return next != nil && next.base <= l.logStart.Load()
}

func (l *Log) sizeBreached() deletePredicate {
	cfg := l.Config()
	var size int64
	for _, s := range l.segs {
		size += s.size.Load()
	}
	if cfg.RetentionBytes < 0 || size < cfg.RetentionBytes {
		return func(_, _ *segment) bool { return false }
	}
	diff := size - cfg.RetentionBytes
	return func(s, _ *segment) bool {
		if diff-s.size.Load() < 0 {
			return false
		}
		diff -= s.size.Load()
		return true
	}
}

func (l *Log) timeBreached(now time.Time) deletePredicate {
	ms := l.Config().RetentionMs
	return func(s, _ *segment) bool {
		return ms >= 0 && now.UnixMilli()-s.largestTimestamp() > ms
	}
}

// deleteOld deletes the longest prefix of segments matching pred whose
// data is all below the high watermark. l.mu must be held.
func (l *Log) deleteOld(pred deletePredicate, now time.Time) (int, error) {
	hw, leo := l.hw.Load(), l.leo.Load()
	n := 0
	for i, s := range l.segs {
		var next *segment
		nextBase := leo
		if i+1 < len(l.segs) {
			next, nextBase = l.segs[i+1], l.segs[i+1].base
		}
		if hw < nextBase || (next == nil && s.size.Load() == 0) || !pred(s, next) {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if n == len(l.segs) {
		if err := l.roll(leo, now); err != nil {
			return 0, err
		}
	}
	l.rmu.Lock()
	removed := append([]*segment(nil), l.segs[:n]...)
	l.segs = append([]*segment(nil), l.segs[n:]...)
	l.rmu.Unlock()
	l.log.WithFields(logrus.Fields{"segments": n, "offset": l.segs[0].base}).Info("deleting old log segments")
	l.scheduleDelete(removed)
	if start := l.segs[0].base; start > l.logStart.Load() {
		return n, l.incrementLogStart(start)
	}
	return n, nil
}
