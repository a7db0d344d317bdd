package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/sirupsen/logrus"
)

// ProducerIDExpiration is how long an idle producer id's state is kept
// (transactional.id.expiration.ms, which 3.1 uses for it: 7 days).
var ProducerIDExpiration = 7 * 24 * time.Hour

// numBatchesToRetain is how many recent batches per producer are kept for
// duplicate detection (ProducerStateEntry.NumBatchesToRetain; the
// producer's max.in.flight.requests.per.connection limit is also 5).
const numBatchesToRetain = 5

// batchMeta describes one appended batch of a producer.
type batchMeta struct {
	lastSeq     int32
	lastOffset  int64
	offsetDelta int32
	timestamp   int64
}

func (b batchMeta) firstSeq() int32    { return decrementSequence(b.lastSeq, b.offsetDelta) }
func (b batchMeta) firstOffset() int64 { return b.lastOffset - int64(b.offsetDelta) }

func decrementSequence(seq, dec int32) int32 {
	if seq < dec {
		return 1<<31 - 1 - (dec - seq) + 1
	}
	return seq - dec
}

// producerEntry is one producer id's state (ProducerStateEntry).
type producerEntry struct {
	batches          []batchMeta // oldest first, at most numBatchesToRetain
	epoch            int16
	coordinatorEpoch int32
	lastTimestamp    int64
	txnFirstOffset   int64 // first offset of the open transaction, -1 if none
}

func newProducerEntry() *producerEntry {
	return &producerEntry{epoch: record.NoProducerEpoch, coordinatorEpoch: -1, lastTimestamp: -1, txnFirstOffset: -1}
}

func (e *producerEntry) lastSeq() int32 {
	if len(e.batches) == 0 {
		return record.NoSequence
	}
	return e.batches[len(e.batches)-1].lastSeq
}

func (e *producerEntry) last() (batchMeta, bool) {
	if len(e.batches) == 0 {
		return batchMeta{lastSeq: -1, lastOffset: -1}, false
	}
	return e.batches[len(e.batches)-1], true
}

// setEpoch moves to a new producer epoch, forgetting the old epoch's
// batches.
func (e *producerEntry) setEpoch(epoch int16) {
	if e.epoch != epoch {
		e.batches, e.epoch = nil, epoch
	}
}

func (e *producerEntry) addBatch(b batchMeta) {
	if len(e.batches) == numBatchesToRetain {
		e.batches = append(e.batches[:0], e.batches[1:]...)
	}
	e.batches = append(e.batches, b)
	e.lastTimestamp = b.timestamp
}

// duplicateOf finds a retained batch with exactly h's sequence range.
func (e *producerEntry) duplicateOf(h record.Header) (batchMeta, bool) {
	if h.ProducerEpoch != e.epoch {
		return batchMeta{}, false
	}
	for _, b := range e.batches {
		if b.firstSeq() == h.BaseSequence && b.lastSeq == h.LastSequence() {
			return b, true
		}
	}
	return batchMeta{}, false
}

// producerState is Kafka's ProducerStateManager for one partition.
type producerState struct {
	dir       string
	producers map[int64]*producerEntry
	mapEnd    int64   // offset up to which batches have been applied
	snapEnd   int64   // offset of the latest snapshot written
	snapshots []int64 // offsets of snapshot files on disk, ascending
	log       *logrus.Entry
}

func newProducerState(dir string, log *logrus.Entry) *producerState {
	ps := &producerState{dir: dir, producers: map[int64]*producerEntry{}, log: log}
	ps.snapshots = listSnapshots(dir)
	return ps
}

func listSnapshots(dir string) []int64 {
	names, _ := os.ReadDir(dir)
	var out []int64
	for _, d := range names {
		if !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), snapshotSuffix) {
			continue
		}
		if off, ok := offsetFromName(d.Name()); ok && d.Name() == offsetName(off)+snapshotSuffix {
			out = append(out, off)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (ps *producerState) entry(pid int64) *producerEntry {
	if e, ok := ps.producers[pid]; ok {
		return e
	}
	return newProducerEntry()
}

// checkClient validates a client batch (ProducerAppendInfo with origin
// Client): a retained duplicate is reported; an older epoch is
// ErrInvalidProducerEpoch; a sequence that does not continue the last one
// is ErrOutOfOrderSequence (a new epoch must start at 0, except for a
// producer with no known epoch, which may start anywhere: KIP-360).
func (ps *producerState) checkClient(h record.Header) (batchMeta, bool, error) {
	e := ps.entry(h.ProducerID)
	if dup, ok := e.duplicateOf(h); ok {
		return dup, true, nil
	}
	if err := checkEpoch(e, h); err != nil {
		return batchMeta{}, false, err
	}
	if h.ProducerEpoch != e.epoch {
		if h.BaseSequence != 0 && e.epoch != record.NoProducerEpoch {
			return batchMeta{}, false, fmt.Errorf("%w: producer %d new epoch %d starts at sequence %d",
				ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence)
		}
	} else if e.epoch != record.NoProducerEpoch && !inSequence(e.lastSeq(), h.BaseSequence) {
		return batchMeta{}, false, fmt.Errorf("%w: producer %d sequence %d after %d",
			ErrOutOfOrderSequence, h.ProducerID, h.BaseSequence, e.lastSeq())
	}
	if e.txnFirstOffset >= 0 && !h.IsTransactional() {
		return batchMeta{}, false, fmt.Errorf("%w: producer %d wrote outside its open transaction", ErrInvalidTxnState, h.ProducerID)
	}
	return batchMeta{}, false, nil
}

func checkEpoch(e *producerEntry, h record.Header) error {
	if h.ProducerEpoch < e.epoch {
		return fmt.Errorf("%w: producer %d epoch %d below %d", ErrInvalidProducerEpoch, h.ProducerID, h.ProducerEpoch, e.epoch)
	}
	return nil
}

func inSequence(last, next int32) bool {
	return int64(next) == int64(last)+1 || (next == 0 && last == 1<<31-1)
}

// apply records an appended batch (already validated, or replicated and
// trusted). control is the decoded marker of a control batch.
func (ps *producerState) apply(h record.Header, control *controlMarker) {
	if h.HasProducerID() {
		e, ok := ps.producers[h.ProducerID]
		if !ok {
			e = newProducerEntry()
			ps.producers[h.ProducerID] = e
		}
		if h.ProducerEpoch < e.epoch {
			ps.log.WithFields(logrus.Fields{"producer_id": h.ProducerID, "offset": h.BaseOffset}).
				Warn("replicated batch has an older producer epoch")
		}
		if h.IsControl() {
			ps.applyMarker(e, h, control)
		} else {
			e.setEpoch(h.ProducerEpoch)
			e.addBatch(batchMeta{h.LastSequence(), h.LastOffset(), h.LastOffsetDelta, h.MaxTimestamp})
			if h.IsTransactional() && e.txnFirstOffset < 0 {
				e.txnFirstOffset = h.BaseOffset
			}
		}
	}
	ps.mapEnd = h.NextOffset()
}

// applyMarker ends the producer's transaction (appendEndTxnMarker). An
// empty control batch (all cleaned away) changes nothing.
func (ps *producerState) applyMarker(e *producerEntry, h record.Header, m *controlMarker) {
	if m == nil {
		return
	}
	e.setEpoch(h.ProducerEpoch)
	e.txnFirstOffset = -1
	e.coordinatorEpoch = m.coordinatorEpoch
	e.lastTimestamp = m.timestamp
}

// firstUnstableOffset is the first offset of the oldest open transaction.
func (ps *producerState) firstUnstableOffset() (int64, bool) {
	first, ok := int64(0), false
	for _, e := range ps.producers {
		if e.txnFirstOffset >= 0 && (!ok || e.txnFirstOffset < first) {
			first, ok = e.txnFirstOffset, true
		}
	}
	return first, ok
}

// removeExpired drops producers idle for longer than ProducerIDExpiration
// that have no open transaction.
func (ps *producerState) removeExpired(nowMs int64) {
	for pid, e := range ps.producers {
		if expired(e, nowMs) {
			delete(ps.producers, pid)
		}
	}
}

func expired(e *producerEntry, nowMs int64) bool {
	return e.txnFirstOffset < 0 && nowMs-e.lastTimestamp >= ProducerIDExpiration.Milliseconds()
}

// controlMarker is the content of a transaction marker record: key
// (version int16, type int16: 0 abort, 1 commit), value (version int16,
// coordinator epoch int32).
type controlMarker struct {
	commit           bool
	coordinatorEpoch int32
	timestamp        int64
}

// decodeMarker reads the first record of a control batch; nil if the
// batch is empty or not a transaction marker.
func decodeMarker(b []byte, h record.Header) *controlMarker {
	var m *controlMarker
	record.ForEach(b, func(r *record.Record) error {
		if len(r.Key) >= 4 && len(r.Value) >= 6 {
			m = &controlMarker{
				commit:           binary.BigEndian.Uint16(r.Key[2:]) == 1,
				coordinatorEpoch: int32(binary.BigEndian.Uint32(r.Value[2:])),
				timestamp:        h.Timestamp(r),
			}
		}
		return errStop
	})
	return m
}

var errStop = errors.New("stop")

// Snapshot format (ProducerStateManager.writeSnapshot), big-endian:
//
//	version int16 (1) | crc uint32 (CRC-32C of everything after it) |
//	count int32 | count x entry (46 bytes):
//	  producer id int64 | epoch int16 | last sequence int32 |
//	  last offset int64 | offset delta int32 | timestamp int64 |
//	  coordinator epoch int32 | current txn first offset int64
const (
	snapshotVersion   = 1
	snapshotEntrySize = 46
)

func snapshotPath(dir string, offset int64) string {
	return filepath.Join(dir, offsetName(offset)+snapshotSuffix)
}

func encodeSnapshot(producers map[int64]*producerEntry) []byte {
	pids := make([]int64, 0, len(producers))
	for pid := range producers {
		pids = append(pids, pid)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	b := make([]byte, 10, 10+snapshotEntrySize*len(pids))
	binary.BigEndian.PutUint16(b, snapshotVersion)
	binary.BigEndian.PutUint32(b[6:], uint32(len(pids)))
	for _, pid := range pids {
		e := producers[pid]
		last, _ := e.last()
		b = binary.BigEndian.AppendUint64(b, uint64(pid))
		b = binary.BigEndian.AppendUint16(b, uint16(e.epoch))
		b = binary.BigEndian.AppendUint32(b, uint32(last.lastSeq))
		b = binary.BigEndian.AppendUint64(b, uint64(last.lastOffset))
		b = binary.BigEndian.AppendUint32(b, uint32(last.offsetDelta))
		b = binary.BigEndian.AppendUint64(b, uint64(e.lastTimestamp))
		b = binary.BigEndian.AppendUint32(b, uint32(e.coordinatorEpoch))
		b = binary.BigEndian.AppendUint64(b, uint64(e.txnFirstOffset))
	}
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[6:], castagnoli))
	return b
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptSnapshot marks an unreadable producer snapshot; loading falls
// back to the previous snapshot.
var ErrCorruptSnapshot = errors.New("log: corrupt producer snapshot")

func decodeSnapshot(b []byte) (map[int64]*producerEntry, error) {
	if len(b) < 10 || binary.BigEndian.Uint16(b) != snapshotVersion {
		return nil, fmt.Errorf("%w: bad header", ErrCorruptSnapshot)
	}
	if crc32.Checksum(b[6:], castagnoli) != binary.BigEndian.Uint32(b[2:]) {
		return nil, fmt.Errorf("%w: crc mismatch", ErrCorruptSnapshot)
	}
	n := int64(int32(binary.BigEndian.Uint32(b[6:])))
	if n < 0 || 10+n*snapshotEntrySize != int64(len(b)) {
		return nil, fmt.Errorf("%w: %d entries in %d bytes", ErrCorruptSnapshot, n, len(b))
	}
	out := make(map[int64]*producerEntry, n)
	for p := b[10:]; len(p) > 0; p = p[snapshotEntrySize:] {
		e := &producerEntry{
			epoch:            int16(binary.BigEndian.Uint16(p[8:])),
			lastTimestamp:    int64(binary.BigEndian.Uint64(p[26:])),
			coordinatorEpoch: int32(binary.BigEndian.Uint32(p[34:])),
			txnFirstOffset:   int64(binary.BigEndian.Uint64(p[38:])),
		}
		if off := int64(binary.BigEndian.Uint64(p[14:])); off >= 0 {
			e.batches = []batchMeta{{int32(binary.BigEndian.Uint32(p[10:])), off, int32(binary.BigEndian.Uint32(p[22:])), e.lastTimestamp}}
		}
		if e.txnFirstOffset < 0 {
			e.txnFirstOffset = -1
		}
		out[int64(binary.BigEndian.Uint64(p))] = e
	}
	return out, nil
}

// takeSnapshot writes a snapshot at mapEnd unless one is already there.
func (ps *producerState) takeSnapshot() error {
	if ps.mapEnd <= ps.snapEnd {
		return nil
	}
	if err := writeFileAtomic(snapshotPath(ps.dir, ps.mapEnd), encodeSnapshot(ps.producers)); err != nil {
		return err
	}
	ps.addSnapshot(ps.mapEnd)
	ps.snapEnd = ps.mapEnd
	return nil
}

func (ps *producerState) addSnapshot(off int64) {
	i := sort.Search(len(ps.snapshots), func(i int) bool { return ps.snapshots[i] >= off })
	if i < len(ps.snapshots) && ps.snapshots[i] == off {
		return
	}
	ps.snapshots = append(ps.snapshots[:i], append([]int64{off}, ps.snapshots[i:]...)...)
}

func (ps *producerState) removeSnapshot(off int64) {
	os.Remove(snapshotPath(ps.dir, off))
	for i, s := range ps.snapshots {
		if s == off {
			ps.snapshots = append(ps.snapshots[:i], ps.snapshots[i+1:]...)
			return
		}
	}
}

// removeStraySnapshots deletes snapshots that match no segment, except the
// largest one if it is beyond every segment (the one a clean shutdown
// wrote at the log end).
func (ps *producerState) removeStraySnapshots(bases []int64) {
	isBase := map[int64]bool{}
	maxBase := int64(-1)
	for _, b := range bases {
		isBase[b], maxBase = true, max(maxBase, b)
	}
	var strays []int64
	for _, s := range ps.snapshots {
		if !isBase[s] {
			strays = append(strays, s)
		}
	}
	for i, s := range strays {
		if i < len(strays)-1 || s < maxBase {
			ps.removeSnapshot(s)
		}
	}
}

// truncateAndReload drops snapshots outside (logStart, leo] and, unless
// the state already ends at leo, reloads from the newest good snapshot;
// the caller then replays batches from mapEnd to leo.
func (ps *producerState) truncateAndReload(logStart, leo, nowMs int64) {
	for _, s := range append([]int64(nil), ps.snapshots...) {
		if s > leo || s <= logStart {
			ps.removeSnapshot(s)
		}
	}
	if leo == ps.mapEnd {
		ps.onLogStartIncremented(logStart)
		return
	}
	ps.producers = map[int64]*producerEntry{}
	for len(ps.snapshots) > 0 {
		off := ps.snapshots[len(ps.snapshots)-1]
		if ps.loadSnapshot(off, nowMs) {
			ps.mapEnd, ps.snapEnd = off, off
			return
		}
		ps.removeSnapshot(off)
	}
	ps.mapEnd, ps.snapEnd = logStart, logStart
}

func (ps *producerState) loadSnapshot(off, nowMs int64) bool {
	data, err := os.ReadFile(snapshotPath(ps.dir, off))
	if err == nil {
		var producers map[int64]*producerEntry
		if producers, err = decodeSnapshot(data); err == nil {
			for pid, e := range producers {
				if !expired(e, nowMs) {
					ps.producers[pid] = e
				}
			}
			return true
		}
	}
	ps.log.WithError(err).WithField("offset", off).Warn("ignoring unreadable producer snapshot")
	return false
}

func (ps *producerState) onLogStartIncremented(logStart int64) {
	ps.mapEnd = max(ps.mapEnd, logStart)
	ps.snapEnd = logStart
	if n := len(ps.snapshots); n > 0 {
		ps.snapEnd = ps.snapshots[n-1]
	}
}

// truncateFullyAndStartAt forgets every producer and snapshot.
func (ps *producerState) truncateFullyAndStartAt(offset int64) {
	ps.producers = map[int64]*producerEntry{}
	for _, s := range append([]int64(nil), ps.snapshots...) {
		ps.removeSnapshot(s)
	}
	ps.snapEnd, ps.mapEnd = 0, offset
}

// states returns the public view of every producer, by id.
func (ps *producerState) states() []ProducerState {
	out := make([]ProducerState, 0, len(ps.producers))
	for pid, e := range ps.producers {
		last, _ := e.last()
		out = append(out, ProducerState{
			ProducerID: pid, ProducerEpoch: e.epoch, LastSequence: last.lastSeq, LastOffset: last.lastOffset,
			LastTimestamp: e.lastTimestamp, CoordinatorEpoch: e.coordinatorEpoch, CurrentTxnStartOffset: e.txnFirstOffset,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProducerID < out[j].ProducerID })
	return out
}
