package log

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/sirupsen/logrus"
)

// ErrInconsistentTopicID is returned by Open when partition.metadata names
// a different topic id (a topic was deleted and recreated).
var ErrInconsistentTopicID = errors.New("log: inconsistent topic id")

// Open loads the log in dir (created if missing), recovering as Kafka's
// LogLoader does:
//
//   - .deleted and .cleaned files are removed and an interrupted cleaner
//     swap is completed from its .swap files;
//   - segments whose indexes are missing or fail their sanity check are
//     rebuilt by scanning the .log;
//   - every segment from the one containing recoveryPoint on is scanned
//     and validated (CRC, framing, increasing offsets); at the first torn
//     or corrupt batch the file is truncated (logged at Warn with the file,
//     byte position and offset) and later segments are deleted. Passing a
//     recoveryPoint at or past the end (math.MaxInt64 after a clean
//     shutdown) skips the scan;
//   - the leader epoch cache is loaded and cut to the log's range; the
//     producer state comes from the newest snapshot, then the batches
//     after it are replayed.
//
// A non-zero topicID is written to partition.metadata if absent and must
// match it if present; a zero topicID adopts the file's.
func Open(dir string, topicID [16]byte, cfg Config, recoveryPoint, logStartOffset int64, log *logrus.Entry) (*Log, error) {
	if log == nil {
		log = discardLogger()
	}
	if tp, ok := ParseDirName(filepath.Base(dir)); ok {
		log = log.WithFields(logrus.Fields{"topic": tp.Topic, "partition": tp.Partition})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Log{dir: dir, log: log, now: time.Now, cleanerCkpt: -1}
	l.cfg.Store(&cfg)
	if err := l.initTopicID(topicID); err != nil {
		return nil, err
	}
	var err error
	if l.epochs, err = openEpochCache(dir, log); err != nil {
		return nil, err
	}
	l.ps = newProducerState(dir, log)
	if err := l.load(recoveryPoint, max(logStartOffset, 0)); err != nil {
		for _, s := range l.segs {
			s.close()
		}
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	return l, nil
}

func (l *Log) initTopicID(id [16]byte) error {
	path := filepath.Join(l.dir, partitionMetadataFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		l.topicID = id
		if id == ([16]byte{}) {
			return nil
		}
		return writeFileAtomic(path, encodePartitionMetadata(id))
	}
	if err != nil {
		return err
	}
	fileID, err := parsePartitionMetadata(data)
	if err != nil {
		return err
	}
	if id != ([16]byte{}) && id != fileID {
		return fmt.Errorf("%w: %s has %x, want %x", ErrInconsistentTopicID, path, fileID, id)
	}
	l.topicID = fileID
	return nil
}

// assignTopicID records a topic id for a log created without one; a
// different id than the recorded one is an error.
func (l *Log) assignTopicID(id [16]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case id == ([16]byte{}) || id == l.topicID:
		return nil
	case l.topicID != ([16]byte{}):
		return fmt.Errorf("%w: log %s has %x, got %x", ErrInconsistentTopicID, l.dir, l.topicID, id)
	}
	if err := writeFileAtomic(filepath.Join(l.dir, partitionMetadataFile), encodePartitionMetadata(id)); err != nil {
		return err
	}
	l.topicID = id
	return nil
}

func (l *Log) firstBase() int64 {
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	return l.segs[0].base
}

func (l *Log) load(recoveryPoint, logStart int64) error {
	if err := l.cleanupFiles(); err != nil {
		return err
	}
	if err := l.loadSegments(); err != nil {
		return err
	}
	if err := l.recoverFrom(recoveryPoint); err != nil {
		return err
	}
	leo, err := l.endOffset()
	if err != nil {
		return err
	}
	if len(l.segs) > 0 && leo < logStart {
		l.log.WithFields(logrus.Fields{"leo": leo, "log_start_offset": logStart}).
			Warn("deleting all segments: log end offset is below the log start offset")
		if err := l.dropAll(logStart); err != nil {
			return err
		}
		leo = logStart
	}
	if len(l.segs) == 0 {
		s, err := createSegment(l.dir, logStart, "", l.Config(), l.now())
		if err != nil {
			return err
		}
		l.segs, leo = []*segment{s}, logStart
	}
	return l.finishLoad(leo, logStart, recoveryPoint)
}

// finishLoad sets the offsets and rebuilds the epoch cache bounds and the
// producer state once the segments are final.
func (l *Log) finishLoad(leo, logStart, recoveryPoint int64) error {
	if err := l.active().resizeIndexes(int64(l.Config().SegmentIndexBytes)); err != nil {
		return err
	}
	l.leo.Store(leo)
	logStart = max(logStart, l.segs[0].base)
	l.logStart.Store(logStart)
	l.hw.Store(logStart)
	l.recoveryPoint.Store(min(recoveryPoint, leo))
	l.lastFlush.Store(l.now().UnixMilli())
	if err := l.epochs.truncateFromEnd(leo); err != nil {
		return err
	}
	if err := l.epochs.truncateFromStart(logStart); err != nil {
		return err
	}
	l.ps.removeStraySnapshots(l.bases())
	return l.rebuildProducerState(leo)
}

// cleanupFiles removes leftovers of interrupted deletes and cleanings and
// completes interrupted swaps (LogLoader.removeTempFilesAndCollectSwapFiles
// and the swap passes of LogLoader.load).
func (l *Log) cleanupFiles() error {
	names, err := dirFiles(l.dir)
	if err != nil {
		return err
	}
	var swaps []string
	minCleaned := int64(math.MaxInt64)
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, deletedSuffix):
			os.Remove(filepath.Join(l.dir, n))
		case strings.HasSuffix(n, cleanedSuffix):
			if off, ok := offsetFromName(n); ok {
				minCleaned = min(minCleaned, off)
			}
			os.Remove(filepath.Join(l.dir, n))
		case strings.HasSuffix(n, swapSuffix):
			swaps = append(swaps, n)
		}
	}
	return l.completeSwaps(swaps, minCleaned)
}

// completeSwaps renames .swap files into place after deleting the
// segments they replace: those with base offsets in [lowest swap base,
// highest swap next offset). Swaps at or above a .cleaned file belong to
// an unfinished split and are dropped.
func (l *Log) completeSwaps(swaps []string, minCleaned int64) error {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	var keep []string
	for _, n := range swaps {
		off, ok := offsetFromName(n)
		if !ok || off >= minCleaned {
			os.Remove(filepath.Join(l.dir, n))
			continue
		}
		keep = append(keep, n)
		if n == offsetName(off)+logSuffix+swapSuffix {
			lo = min(lo, off)
			hi = max(hi, l.swapNextOffset(off))
		}
	}
	if len(keep) == 0 {
		return nil
	}
	names, err := dirFiles(l.dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if off, ok := offsetFromName(n); ok && isSegmentFile(n) && off >= lo && off < hi {
			os.Remove(filepath.Join(l.dir, n))
		}
	}
	for _, n := range keep {
		l.log.WithField("file", n).Info("completing interrupted segment swap")
		if err := os.Rename(filepath.Join(l.dir, n), filepath.Join(l.dir, strings.TrimSuffix(n, swapSuffix))); err != nil {
			return err
		}
	}
	return syncDir(l.dir)
}

func (l *Log) swapNextOffset(base int64) int64 {
	f, err := os.Open(segmentPath(l.dir, base, logSuffix, swapSuffix))
	if err != nil {
		return base
	}
	defer f.Close()
	st, _ := f.Stat()
	next := base
	sc := newScanner(f, 0, st.Size())
	for {
		h, err := sc.header()
		if err != nil || sc.skip(h) != nil {
			return next
		}
		next = h.NextOffset()
	}
}

func isSegmentFile(n string) bool {
	for _, ext := range []string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

func dirFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// loadSegments opens every <base>.log; orphaned index files are deleted,
// and segments with missing or inconsistent indexes are rebuilt.
func (l *Log) loadSegments() error {
	names, err := dirFiles(l.dir)
	if err != nil {
		return err
	}
	var cutBases []int64
	for _, n := range names {
		off, ok := offsetFromName(n)
		if !ok || !strings.HasPrefix(n, offsetName(off)) {
			continue // only canonical 20-digit names are segments
		}
		ext := strings.TrimPrefix(n, offsetName(off))
		switch ext {
		case indexSuffix, timeIndexSuffix, txnIndexSuffix:
			if _, err := os.Stat(segmentPath(l.dir, off, logSuffix, "")); errors.Is(err, os.ErrNotExist) {
				l.log.WithField("file", n).Warn("deleting orphaned index file")
				os.Remove(filepath.Join(l.dir, n))
			}
		case logSuffix:
			cut, err := l.loadSegment(off)
			if err != nil {
				return err
			}
			if cut > 0 {
				cutBases = append(cutBases, off)
			}
		}
	}
	sort.Slice(l.segs, func(i, j int) bool { return l.segs[i].base < l.segs[j].base })
	if len(cutBases) > 0 {
		l.dropAfter(l.floorIndex(slices.Min(cutBases)))
	}
	return nil
}

// dropAfter deletes the segments after index i: data following a cut
// segment would leave a hole in the offsets.
func (l *Log) dropAfter(i int) {
	if i+1 >= len(l.segs) {
		return
	}
	rest := l.segs[i+1:]
	l.segs = l.segs[:i+1]
	l.log.WithField("segments", len(rest)).Warn("deleting segments after a corrupt segment")
	for _, s := range rest {
		s.removeFiles()
		l.ps.removeSnapshot(s.base)
	}
}

func (l *Log) loadSegment(base int64) (int64, error) {
	missing := !exists(segmentPath(l.dir, base, indexSuffix, "")) || !exists(segmentPath(l.dir, base, timeIndexSuffix, ""))
	s, err := openSegment(l.dir, base, "", l.Config(), l.now())
	if err != nil {
		return 0, err
	}
	l.segs = append(l.segs, s)
	entry := l.log.WithFields(logrus.Fields{"file": s.path(logSuffix)})
	if !missing {
		if err = s.loadIndexes(); err == nil {
			return 0, nil
		}
		entry = entry.WithError(err)
	}
	entry.Warn("rebuilding segment indexes")
	return l.recoverSegment(s)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// recoverFrom scans the segments from the one containing recoveryPoint;
// after the first one that had to be cut, the rest are deleted.
func (l *Log) recoverFrom(recoveryPoint int64) error {
	if len(l.segs) == 0 {
		return nil
	}
	if recoveryPoint >= math.MaxInt64 {
		return nil
	}
	for i := l.floorIndex(recoveryPoint); i < len(l.segs); i++ {
		cut, err := l.recoverSegment(l.segs[i])
		if err != nil {
			return err
		}
		if cut > 0 {
			l.dropAfter(i)
			return nil
		}
	}
	return nil
}

// recoverSegment rebuilds one segment, feeding the epoch cache as Kafka's
// LogSegment.recover does, and reports a cut tail.
func (l *Log) recoverSegment(s *segment) (int64, error) {
	onBatch := func(h record.Header) {
		latest, ok := l.epochs.latest()
		if h.PartitionLeaderEpoch >= 0 && (!ok || h.PartitionLeaderEpoch > latest.Epoch) {
			l.epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset)
		}
	}
	cut, cause, err := s.recover(l.Config(), onBatch)
	if err != nil {
		return 0, err
	}
	if cut > 0 {
		next, _ := s.nextOffset()
		l.log.WithError(cause).WithFields(logrus.Fields{
			"file": s.path(logSuffix), "position": s.size.Load(), "offset": next, "bytes": cut,
		}).Warn("truncated torn or corrupt log tail")
	}
	return cut, nil
}

// endOffset is the next offset of the last segment.
func (l *Log) endOffset() (int64, error) {
	if len(l.segs) == 0 {
		return 0, nil
	}
	return l.active().nextOffset()
}

// dropAll deletes every segment and producer snapshot and forgets the
// epochs (the log restarts at offset).
func (l *Log) dropAll(offset int64) error {
	for _, s := range l.segs {
		if err := s.removeFiles(); err != nil {
			return err
		}
	}
	l.segs = nil
	l.ps.truncateFullyAndStartAt(offset)
	return l.epochs.clear()
}

// rebuildProducerState reloads the producer state from the newest snapshot
// at or below leo and replays the batches after it (rebuildProducerState).
func (l *Log) rebuildProducerState(leo int64) error {
	l.ps.truncateAndReload(l.logStart.Load(), leo, l.now().UnixMilli())
	for _, s := range l.segs {
		if s.base >= leo {
			break
		}
		if err := l.replaySegment(s, max(s.base, l.ps.mapEnd, l.logStart.Load()), leo); err != nil {
			return err
		}
	}
	l.ps.mapEnd = leo
	return l.ps.takeSnapshot()
}

// replaySegment applies the producer batches of s in [from, to).
func (l *Log) replaySegment(s *segment, from, to int64) error {
	if nxt := l.nextBase(s); nxt <= from {
		return nil
	}
	pos, err := s.oidx.lookup(from)
	if err != nil {
		return err
	}
	sc := newScanner(s.log, pos, s.size.Load())
	for {
		h, err := sc.header()
		if err != nil || h.BaseOffset >= to {
			return nil
		}
		var b []byte
		if h.IsControl() && h.HasProducerID() {
			if h, b, err = sc.batch(); err != nil {
				return nil
			}
		} else if err := sc.skip(h); err != nil {
			return nil
		}
		if h.LastOffset() >= from && h.HasProducerID() {
			l.applyProducer(h, b)
		}
	}
}

// applyProducer updates the producer state for an appended batch; b is
// needed only for control batches.
func (l *Log) applyProducer(h record.Header, b []byte) {
	var m *controlMarker
	if h.IsControl() && b != nil {
		m = decodeMarker(b, h)
	}
	l.ps.apply(h, m)
}

// nextBase is the base of the segment after s, or the log end.
func (l *Log) nextBase(s *segment) int64 {
	for i, x := range l.segs {
		if x == s && i+1 < len(l.segs) {
			return l.segs[i+1].base
		}
	}
	return math.MaxInt64
}
