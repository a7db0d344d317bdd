package log

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/samsa-kafka/samsa/broker/record"
)

// Read returns raw batch bytes starting with the batch containing offset
// (which may start before offset; clients skip the earlier records).
// Only whole batches are returned, all from one segment as in Kafka: those
// ending before maxOffset (exclusive; the high watermark for consumers,
// the log end for followers; values past the log end mean the log end),
// totalling at most maxBytes, except that with minOneBatch a first batch
// larger than maxBytes is returned alone. The result is empty (nil, nil)
// at or past maxOffset, or when the first batch does not fit and
// minOneBatch is unset. ErrOffsetOutOfRange if offset is outside
// [LogStartOffset, LogEndOffset].
func (l *Log) Read(offset int64, maxBytes int32, maxOffset int64, minOneBatch bool) ([]byte, error) {
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	if l.shut.Load() {
		return nil, ErrClosed
	}
	leo, start := l.leo.Load(), l.logStart.Load()
	if offset < start || offset > leo {
		return nil, fmt.Errorf("%w: offset %d, log has [%d, %d]", ErrOffsetOutOfRange, offset, start, leo)
	}
	maxOffset = min(maxOffset, leo)
	if offset >= maxOffset || len(l.segs) == 0 {
		return nil, nil
	}
	for i := l.floorIndex(offset); i < len(l.segs); i++ {
		data, found, err := l.segs[i].read(offset, int64(max(maxBytes, 0)), maxOffset, minOneBatch)
		if err != nil {
			return nil, fmt.Errorf("read %s at offset %d: %w", l.dir, offset, err)
		}
		if found {
			if len(data) == 0 {
				return nil, nil
			}
			return data, nil
		}
	}
	return nil, nil
}

// OffsetForTimestamp answers ListOffsets for a timestamp >= 0: the first
// record at or after the log start whose timestamp is >= ts, with its
// timestamp and its batch's leader epoch (-1 if unknown). ok is false if
// no record qualifies (Kafka then answers offset -1).
func (l *Log) OffsetForTimestamp(ts int64) (offset, timestamp int64, leaderEpoch int32, ok bool) {
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	start := l.logStart.Load()
	for _, s := range l.segs {
		if s.largestTimestamp() < ts {
			continue
		}
		off, t, ep, found, err := s.findTimestamp(ts, start)
		if err != nil {
			l.log.WithError(err).Warn("timestamp lookup failed")
			return -1, -1, -1, false
		}
		return off, t, ep, found
	}
	return -1, -1, -1, false
}

// findTimestamp is LogSegment.findOffsetByTimestamp: start at the time
// index entry below ts, then check records one by one.
func (s *segment) findTimestamp(ts, startOffset int64) (int64, int64, int32, bool, error) {
	_, idxOff, err := s.tidx.lookup(ts)
	if err != nil {
		return 0, 0, 0, false, err
	}
	pos, err := s.oidx.lookup(max(idxOff, startOffset))
	if err != nil {
		return 0, 0, 0, false, err
	}
	sc := newScanner(s.log, pos, s.size.Load())
	for {
		h, err := sc.header()
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return -1, -1, -1, false, nil
		}
		if err != nil {
			return 0, 0, 0, false, err
		}
		if h.MaxTimestamp < ts || h.LastOffset() < startOffset {
			if err := sc.skip(h); err != nil {
				return 0, 0, 0, false, err
			}
			continue
		}
		_, b, err := sc.batch()
		if err != nil {
			return 0, 0, 0, false, err
		}
		if off, t, ok := firstAtOrAfter(b, h, ts, startOffset); ok {
			return off, t, h.PartitionLeaderEpoch, true, nil
		}
	}
}

func firstAtOrAfter(b []byte, h record.Header, ts, startOffset int64) (int64, int64, bool) {
	off, t := int64(-1), int64(-1)
	record.ForEach(b, func(r *record.Record) error {
		o, rt := h.BaseOffset+int64(r.OffsetDelta), h.Timestamp(r)
		if rt >= ts && o >= startOffset {
			off, t = o, rt
			return errStop
		}
		return nil
	})
	return off, t, off >= 0
}

// MaxTimestamp answers ListOffsets -3 (KIP-734): the largest timestamp in
// the log and the offset Kafka tracks for it (the exact record for
// uncompressed leader appends, else the batch's last offset), with the
// latest leader epoch. ok is false if no record has a timestamp.
func (l *Log) MaxTimestamp() (offset, timestamp int64, leaderEpoch int32, ok bool) {
	l.rmu.RLock()
	best := tsOffset{ts: math.MinInt64}
	for _, s := range l.segs {
		if cur := s.maxTS(); cur.ts > best.ts {
			best = cur
		}
	}
	l.rmu.RUnlock()
	if best.ts < 0 {
		return -1, -1, -1, false
	}
	ep, found := l.LatestEpoch()
	if !found {
		ep = -1
	}
	return best.offset, best.ts, ep, true
}
