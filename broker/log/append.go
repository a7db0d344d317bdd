package log

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/sirupsen/logrus"
)

// AppendAsLeader appends a client's produce data (Kafka's appendAsLeader
// with origin Client). batches must hold exactly one v2 batch (a partial
// trailing batch is ignored, as Kafka trims it); v0/v1 message sets are
// converted first (record.ConvertLegacy). The batch is checked and then
// rewritten in place: base offset = LogEndOffset, partition leader epoch =
// leaderEpoch, MaxTimestamp recomputed from the records (or set to now for
// LogAppendTime topics). Errors:
//
//   - ErrMessageTooLarge: batch over max.message.bytes;
//   - ErrRecordListTooLarge: batch over segment.bytes;
//   - ErrCorrupt: CRC or framing;
//   - ErrInvalidRecord: more than one batch, base offset not 0, count not
//     matching the offset range, control batch, idempotent batch without
//     sequence, null key on a compacted topic, bad record encoding;
//   - ErrInvalidTimestamp: the producer set the LogAppendTime bit;
//   - ErrInvalidProducerEpoch, ErrOutOfOrderSequence, ErrInvalidTxnState:
//     idempotence checks. A duplicate of one of the producer's last five
//     batches is not appended: AppendInfo.Duplicate is set and the
//     offsets (and LogAppendTime, the stored batch timestamp) are the
//     original ones.
func (l *Log) AppendAsLeader(batches []byte, leaderEpoch int32, now time.Time) (AppendInfo, error) {
	return l.appendLeader(batches, leaderEpoch, now, true)
}

// AppendAsCoordinator appends a batch written by the broker itself (group
// or transaction coordinator): like AppendAsLeader without the client-only
// checks, so control batches are allowed and only the producer epoch of
// idempotent batches is checked (origin Coordinator in Kafka).
func (l *Log) AppendAsCoordinator(batches []byte, leaderEpoch int32, now time.Time) (AppendInfo, error) {
	return l.appendLeader(batches, leaderEpoch, now, false)
}

func (l *Log) appendLeader(batches []byte, leaderEpoch int32, now time.Time, client bool) (AppendInfo, error) {
	cfg := l.Config()
	p, err := prepareLeader(batches, cfg, client)
	if err != nil {
		return AppendInfo{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return AppendInfo{}, ErrClosed
	}
	if dup, ok, err := l.checkProducer(p.v.h, client); err != nil || ok {
		return dup, err
	}
	return l.assignAndAppend(p, leaderEpoch, now, cfg)
}

// prepared is a leader batch that passed the checks that need no lock.
type prepared struct {
	batch []byte
	v     validated
}

// prepareLeader runs the checks of a leader append that do not depend on
// the log's state: framing, size, CRC, the client-only rules and the
// per-record validation.
func prepareLeader(batches []byte, cfg Config, client bool) (prepared, error) {
	batch, err := singleBatch(batches)
	if err != nil {
		return prepared{}, err
	}
	if len(batch) > int(cfg.MaxMessageBytes) {
		return prepared{}, fmt.Errorf("%w: batch of %d bytes, max.message.bytes %d", ErrMessageTooLarge, len(batch), cfg.MaxMessageBytes)
	}
	sum, err := record.Inspect(batch)
	if err != nil {
		return prepared{}, err
	}
	if client {
		if err := checkClientBatch(sum.Header); err != nil {
			return prepared{}, err
		}
	}
	batch, v, err := validateRecords(batch, sum, cfg)
	if err != nil {
		return prepared{}, err
	}
	if len(batch) > int(cfg.SegmentBytes) {
		return prepared{}, fmt.Errorf("%w: batch of %d bytes, segment.bytes %d", ErrRecordListTooLarge, len(batch), cfg.SegmentBytes)
	}
	return prepared{batch, v}, nil
}

// singleBatch converts legacy input and returns the one v2 batch.
func singleBatch(batches []byte) ([]byte, error) {
	if len(batches) > 16 && batches[16] < 2 {
		var err error
		if batches, err = record.ConvertLegacy(batches); err != nil {
			return nil, err
		}
	}
	batch, rest, err := record.Next(batches)
	switch {
	case err == io.EOF:
		return nil, fmt.Errorf("%w: no record batch", ErrInvalidRecord)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%w: truncated record batch", ErrCorrupt)
	case err != nil:
		return nil, err
	}
	if _, _, err := record.Next(rest); err == nil {
		return nil, fmt.Errorf("%w: more than one record batch", ErrInvalidRecord)
	} else if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return batch, nil
}

// checkClientBatch is LogValidator.validateBatch for client appends.
func checkClientBatch(h record.Header) error {
	switch {
	case h.BaseOffset != 0:
		return fmt.Errorf("%w: base offset %d, should be 0", ErrInvalidRecord, h.BaseOffset)
	case h.NumRecords <= 0 || int64(h.NumRecords) != int64(h.LastOffsetDelta)+1:
		return fmt.Errorf("%w: %d records for offset delta %d", ErrInvalidRecord, h.NumRecords, h.LastOffsetDelta)
	case h.IsControl():
		return fmt.Errorf("%w: clients may not write control records", ErrInvalidRecord)
	case h.HasProducerID() && h.BaseSequence < 0:
		return fmt.Errorf("%w: producer %d without a sequence number", ErrInvalidRecord, h.ProducerID)
	}
	return nil
}

// validated is what validateRecords learns about a batch.
type validated struct {
	h          record.Header
	maxTS      int64 // largest record timestamp
	maxTSDelta int32 // its offset delta (the last one for compressed batches)
}

// validateRecords checks every record (LogValidator.validateRecord): keys
// on compacted topics, no producer-set LogAppendTime. An uncompressed
// batch was already walked by record.Inspect, whose summary says all
// this; a compressed one is inflated and walked here. A compressed batch
// whose inner offset deltas are not 0, 1, 2... is re-encoded, as Kafka
// re-builds it instead of rejecting it.
func validateRecords(batch []byte, sum record.Summary, cfg Config) ([]byte, validated, error) {
	h := sum.Header
	v := validated{h: h, maxTS: record.NoTimestamp}
	if h.LogAppendTime() && !h.IsControl() {
		return nil, v, fmt.Errorf("%w: producer set the LogAppendTime timestamp type", ErrInvalidTimestamp)
	}
	compacted := cfg.Compact()
	if sum.Walked {
		if compacted && sum.NullKey && !h.IsControl() {
			return nil, v, errNullKey
		}
		v.maxTS, v.maxTSDelta = sum.MaxRecordTimestamp, sum.MaxTimestampDelta
		return batch, v, nil
	}
	inPlace, i := true, int32(0)
	err := record.ForEach(batch, func(r *record.Record) error {
		if compacted && r.Key == nil && !h.IsControl() {
			return errNullKey
		}
		if ts := h.FirstTimestamp + r.TimestampDelta; ts > v.maxTS {
			v.maxTS, v.maxTSDelta = ts, r.OffsetDelta
		}
		inPlace = inPlace && r.OffsetDelta == i
		i++
		return nil
	})
	if err != nil {
		return nil, v, err
	}
	if h.Compression() != record.CodecNone {
		v.maxTSDelta = h.LastOffsetDelta
		if !inPlace {
			return rebuildOffsets(batch, h, cfg, v)
		}
	}
	return batch, v, nil
}

var errNullKey = fmt.Errorf("%w: compacted topic cannot accept a record without key", ErrInvalidRecord)

// rebuildOffsets re-encodes a compressed batch with offset deltas 0..n-1.
func rebuildOffsets(batch []byte, h record.Header, cfg Config, v validated) ([]byte, validated, error) {
	recs, err := record.Records(batch)
	if err != nil {
		return nil, v, err
	}
	for i := range recs {
		recs[i].OffsetDelta = int32(i)
	}
	h.LastOffsetDelta = int32(len(recs) - 1)
	out, err := record.Encode(h, recs, h.Compression())
	if err != nil {
		return nil, v, err
	}
	if len(out) > int(cfg.MaxMessageBytes) {
		return nil, v, fmt.Errorf("%w: re-encoded batch of %d bytes", ErrMessageTooLarge, len(out))
	}
	v.h, _ = record.ParseHeader(out)
	v.maxTSDelta = v.h.LastOffsetDelta
	return out, v, nil
}

// checkProducer runs the idempotence checks; a duplicate returns the
// original batch's AppendInfo and ok.
func (l *Log) checkProducer(h record.Header, client bool) (AppendInfo, bool, error) {
	if !h.HasProducerID() {
		return AppendInfo{}, false, nil
	}
	if !client {
		return AppendInfo{}, false, checkEpoch(l.ps.entry(h.ProducerID), h)
	}
	dup, ok, err := l.ps.checkClient(h)
	if err != nil || !ok {
		return AppendInfo{}, false, err
	}
	return AppendInfo{FirstOffset: dup.firstOffset(), LastOffset: dup.lastOffset, LogAppendTime: dup.timestamp,
		NumMessages: int(h.NumRecords), Duplicate: true}, true, nil
}

// assignAndAppend stamps offsets, epoch and timestamps and appends. l.mu
// must be held.
func (l *Log) assignAndAppend(p prepared, epoch int32, now time.Time, cfg Config) (AppendInfo, error) {
	leo := l.leo.Load()
	st := stamp(p, leo, epoch, now, cfg)
	if err := l.epochs.assign(epoch, leo); err != nil {
		return AppendInfo{}, err
	}
	if err := l.appendBatch(p.batch, st.h, st.maxTS, st.maxTSOffset, now); err != nil {
		return AppendInfo{}, err
	}
	return st.info, nil
}

// stamped is a leader batch rewritten for its place in the log.
type stamped struct {
	info               AppendInfo
	h                  record.Header
	maxTS, maxTSOffset int64
}

// stamp rewrites a prepared batch in place for offset leo: base offset,
// partition leader epoch, and MaxTimestamp (or LogAppendTime).
func stamp(p prepared, leo int64, epoch int32, now time.Time, cfg Config) stamped {
	batch, v := p.batch, p.v
	record.SetBaseOffset(batch, leo)
	record.SetPartitionLeaderEpoch(batch, epoch)
	info := AppendInfo{FirstOffset: leo, LastOffset: leo + int64(v.h.LastOffsetDelta), LogAppendTime: -1, NumMessages: int(v.h.NumRecords)}
	maxTS, maxTSOffset := v.maxTS, leo+int64(v.maxTSDelta)
	if cfg.LogAppendTime() {
		info.LogAppendTime = now.UnixMilli()
		record.SetLogAppendTime(batch, info.LogAppendTime)
		maxTS, maxTSOffset = info.LogAppendTime, info.LastOffset
	} else {
		record.SetMaxTimestamp(batch, maxTS, false)
	}
	h, _ := record.ParseHeader(batch)
	return stamped{info, h, maxTS, maxTSOffset}
}

// AppendAsFollower appends batches fetched from the leader, keeping their
// offsets and leader epochs. Each complete batch is validated (a partial
// trailing batch, normal in fetch responses, is ignored). The first batch
// must not start below LogEndOffset and offsets must increase, else
// ErrOffsetMismatch; a gap above the log end is accepted (the leader's log
// may have been compacted). New epochs go to the epoch cache; producer
// state is updated without sequence checks (origin Replication).
func (l *Log) AppendAsFollower(batches []byte) (AppendInfo, error) {
	list, hs, err := splitFollower(batches, l.Config())
	info := AppendInfo{FirstOffset: -1, LastOffset: -1, LogAppendTime: -1}
	if err != nil || len(list) == 0 {
		return info, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return AppendInfo{}, ErrClosed
	}
	if err := checkFollowerOffsets(hs, l.leo.Load()); err != nil {
		return AppendInfo{}, err
	}
	now := l.now()
	for i, b := range list {
		h := hs[i]
		if err := l.epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset); err != nil {
			return AppendInfo{}, err
		}
		if err := l.appendBatch(b, h, h.MaxTimestamp, h.LastOffset(), now); err != nil {
			return AppendInfo{}, err
		}
		info.NumMessages += int(h.NumRecords)
	}
	info.FirstOffset, info.LastOffset = hs[0].BaseOffset, hs[len(hs)-1].LastOffset()
	return info, nil
}

// splitFollower splits and validates the complete batches of a fetch
// response, dropping a partial trailing batch.
func splitFollower(batches []byte, cfg Config) ([][]byte, []record.Header, error) {
	var list [][]byte
	var hs []record.Header
	for rest := batches; ; {
		b, r, err := record.Next(rest)
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return list, hs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		h, err := record.Validate(b)
		if err != nil {
			return nil, nil, err
		}
		if len(b) > int(cfg.MaxMessageBytes) {
			return nil, nil, fmt.Errorf("%w: batch of %d bytes", ErrMessageTooLarge, len(b))
		}
		list, hs, rest = append(list, b), append(hs, h), r
	}
}

func checkFollowerOffsets(hs []record.Header, leo int64) error {
	next := leo
	for _, h := range hs {
		if h.BaseOffset < next {
			return fmt.Errorf("%w: batch at offset %d, expected >= %d", ErrOffsetMismatch, h.BaseOffset, next)
		}
		next = h.NextOffset()
	}
	return nil
}

// appendBatch writes one batch whose offsets are final: roll if needed,
// write, publish the new log end, update producer state, maybe flush.
// l.mu must be held.
func (l *Log) appendBatch(b []byte, h record.Header, maxTS, maxTSOffset int64, now time.Time) error {
	cfg := l.Config()
	if l.active().shouldRoll(cfg, len(b), maxTS, h.LastOffset(), now) {
		if err := l.roll(max(h.BaseOffset, l.leo.Load()), now); err != nil {
			return err
		}
	}
	if err := l.active().write(b, h.LastOffset(), maxTS, maxTSOffset); err != nil {
		return fmt.Errorf("append to %s: %w", l.dir, err)
	}
	l.leo.Store(h.NextOffset())
	l.applyProducer(h, b)
	if l.leo.Load()-l.recoveryPoint.Load() >= cfg.FlushMessages {
		return l.flushTo(l.leo.Load())
	}
	return nil
}

// roll starts a new active segment at base (LocalLog.roll plus the
// producer snapshot UnifiedLog.roll takes), then flushes the finished
// segments in the background. l.mu must be held.
func (l *Log) roll(base int64, now time.Time) error {
	old := l.active()
	if old.base == base && old.size.Load() == 0 {
		return nil // nothing written yet: keep using it (KAFKA-6388)
	}
	if old.base >= base {
		return fmt.Errorf("roll %s: new segment %d not above active segment %d", l.dir, base, old.base)
	}
	if err := old.inactive(); err != nil {
		return err
	}
	s, err := createSegment(l.dir, base, "", l.Config(), now)
	if err != nil {
		return err
	}
	l.rmu.Lock()
	l.segs = append(l.segs, s)
	l.rmu.Unlock()
	l.newFiles.Store(true)
	l.ps.mapEnd = base
	if err := l.ps.takeSnapshot(); err != nil {
		l.log.WithError(err).Warn("cannot write producer snapshot")
	}
	l.log.WithFields(logrus.Fields{"offset": base}).Info("rolled new log segment")
	l.deletes.wg.Add(1)
	go func() {
		defer l.deletes.wg.Done()
		if err := l.flushTo(base); err != nil {
			l.log.WithError(err).Error("cannot flush rolled segment")
		}
	}()
	return nil
}
