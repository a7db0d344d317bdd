package log

import (
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Log is one partition's log: a directory of segments plus the leader
// epoch cache and the producer state.
//
// Locking: mu serializes writers (appends, truncation, retention, the
// cleaner's swap, Close). rmu guards the segment list: readers hold it
// shared for a whole read; writers take it exclusively only to change the
// list or shrink a segment. Appends publish new bytes through atomics
// (segment size, index counts, then leo), so reads do not wait for
// appends. Lock order: mu -> rmu; flushMu is taken alone or before mu.
type Log struct {
	dir     string
	topicID [16]byte
	log     *logrus.Entry
	now     func() time.Time

	mu      sync.Mutex
	rmu     sync.RWMutex
	flushMu sync.Mutex
	segs    []*segment // ascending base offsets; the last is active (rmu)

	cfg           atomic.Pointer[Config]
	leo           atomic.Int64
	logStart      atomic.Int64
	hw            atomic.Int64
	recoveryPoint atomic.Int64
	lastFlush     atomic.Int64  // unix ms of the last flush that moved the recovery point
	newFiles      atomic.Bool   // segment files created since the last directory fsync
	gen           atomic.Uint64 // bumped (under rmu) by every truncation or deletion

	epochs      *epochCache
	ps          *producerState // mu
	cleanerCkpt int64          // first dirty offset for the cleaner, -1 unknown (mu)
	closed      bool           // mu
	shut        atomic.Bool    // closed, for paths that do not take mu
	deletes     deleter
}

// AppendInfo describes an append.
type AppendInfo struct {
	FirstOffset, LastOffset int64
	LogAppendTime           int64 // -1 unless message.timestamp.type=LogAppendTime (or a duplicate's stored timestamp)
	NumMessages             int
	Duplicate               bool // idempotent duplicate: offsets are the original ones
}

// ReadResult is reserved for the fetch path.
type ReadResult struct {
	Records           []byte
	HighWatermarkHint int64
}

// ProducerState is the idempotence state of one producer id.
type ProducerState struct {
	ProducerID            int64
	ProducerEpoch         int16
	LastSequence          int32
	LastOffset            int64
	LastTimestamp         int64
	CoordinatorEpoch      int32
	CurrentTxnStartOffset int64 // -1 when no transaction is open
}

func discardLogger() *logrus.Entry {
	l := logrus.New()
	l.Out = io.Discard
	return logrus.NewEntry(l)
}

// LogStartOffset is the first offset a reader may ask for.
func (l *Log) LogStartOffset() int64 { return l.logStart.Load() }

// LogEndOffset is the offset the next appended record gets.
func (l *Log) LogEndOffset() int64 { return l.leo.Load() }

// HighWatermark is the last value given to SetHighWatermark, kept within
// [LogStartOffset, LogEndOffset]. Retention and DeleteRecords never pass
// it; the cleaner never cleans at or past it.
func (l *Log) HighWatermark() int64 { return l.hw.Load() }

// SetHighWatermark records the partition's high watermark (the replica
// layer computes it), clamped to [LogStartOffset, LogEndOffset] as
// UnifiedLog.updateHighWatermark does. It returns the value stored.
func (l *Log) SetHighWatermark(hw int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.setHWLocked(hw)
}

func (l *Log) setHWLocked(hw int64) int64 {
	hw = min(max(hw, l.logStart.Load()), l.leo.Load())
	l.hw.Store(hw)
	return hw
}

// FlushedOffset is the recovery point: every offset below it is on disk.
func (l *Log) FlushedOffset() int64 { return l.recoveryPoint.Load() }

// LastFlushTime is when the recovery point last moved (unix ms).
func (l *Log) LastFlushTime() int64 { return l.lastFlush.Load() }

// Dir is the partition directory.
func (l *Log) Dir() string { return l.dir }

// TopicID is the topic id from partition.metadata (zero if none).
func (l *Log) TopicID() [16]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.topicID
}

// Config returns the current configuration.
func (l *Log) Config() Config { return *l.cfg.Load() }

// SetConfig replaces the configuration (topic config changes). Segment
// and index sizes apply from the next roll, as in Kafka.
func (l *Log) SetConfig(cfg Config) { l.cfg.Store(&cfg) }

// Size is the total size of the segment files' data in bytes.
func (l *Log) Size() int64 {
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	var n int64
	for _, s := range l.segs {
		n += s.size.Load()
	}
	return n
}

// NumSegments is the number of segments.
func (l *Log) NumSegments() int {
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	return len(l.segs)
}

// ProducerStates returns the state of every known producer id, by id.
func (l *Log) ProducerStates() []ProducerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ps.states()
}

// FirstUnstableOffset is the first offset of the oldest open transaction
// (the last stable offset is min(this, high watermark)).
func (l *Log) FirstUnstableOffset() (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ps.firstUnstableOffset()
}

// ExpireProducers forgets producer ids idle for ProducerIDExpiration.
func (l *Log) ExpireProducers(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ps.removeExpired(now.UnixMilli())
}

// LatestEpoch is the newest leader epoch in the epoch cache.
func (l *Log) LatestEpoch() (int32, bool) {
	e, ok := l.epochs.latest()
	return e.Epoch, ok
}

// EpochForOffset is the leader epoch under which offset was written, from
// the epoch cache (for ListOffsets' leader epoch).
func (l *Log) EpochForOffset(offset int64) (int32, bool) { return l.epochs.epochFor(offset) }

// EpochEntries returns the epoch cache.
func (l *Log) EpochEntries() []EpochEntry { return l.epochs.all() }

// EndOffsetForEpoch answers OffsetForLeaderEpoch with
// LeaderEpochFileCache.endOffsetFor semantics: the largest epoch <= epoch
// this log knows and the offset where it ended (the log end offset for
// the latest epoch); (-1, -1) if undefined.
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	return l.epochs.endOffsetFor(epoch, l.leo.Load())
}

// AssignEpochStart records that epoch starts at offset; a new leader calls
// it with its log end offset before accepting writes.
func (l *Log) AssignEpochStart(epoch int32, offset int64) {
	if err := l.epochs.assign(epoch, offset); err != nil {
		l.log.WithError(err).WithField("leader_epoch", epoch).Error("cannot write leader epoch checkpoint")
	}
}

// floorIndex returns the index of the segment containing offset (the last
// with base <= offset), or 0. rmu (or mu, for writers) must be held.
func (l *Log) floorIndex(offset int64) int {
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].base > offset })
	return max(i-1, 0)
}

func (l *Log) active() *segment { return l.segs[len(l.segs)-1] }

func (l *Log) bases() []int64 {
	out := make([]int64, len(l.segs))
	for i, s := range l.segs {
		out[i] = s.base
	}
	return out
}
