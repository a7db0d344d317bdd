package record

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// errShort is returned when b ends inside a batch.
var errShort = io.ErrUnexpectedEOF

// minRecordSize is the smallest encoded record: a length varint and six
// one-byte fields (attributes, timestamp delta, offset delta, key length,
// value length, header count).
const minRecordSize = 7

// Validate checks that b is exactly one well-formed v2 batch: the length
// field matches len(b), the magic is 2, the CRC32C over attributes..end
// matches, and the record count and offset deltas are consistent. For an
// uncompressed batch it also walks the record framing, without allocating;
// compressed payloads are checked when Records inflates them.
func Validate(b []byte) (Header, error) {
	s, err := Inspect(b)
	return s.Header, err
}

// Summary is a batch's header plus what Inspect's walk over its records
// learned, so a leader validates and stamps a batch in one pass.
type Summary struct {
	Header
	// Walked says the fields below describe the records: set for
	// uncompressed batches; Inspect does not inflate compressed ones.
	Walked bool
	// MaxRecordTimestamp is the largest record timestamp
	// (FirstTimestamp+delta) above NoTimestamp, else NoTimestamp;
	// MaxTimestampDelta is the offset delta of the first record with it
	// (0 if none).
	MaxRecordTimestamp int64
	MaxTimestampDelta  int32
	NullKey            bool // some record has a null key
}

// Inspect is Validate returning a Summary: for an uncompressed batch the
// same walk that checks the record framing also collects the largest
// timestamp and whether any key is null.
func Inspect(b []byte) (Summary, error) {
	h, err := ParseHeader(b)
	s := Summary{Header: h, MaxRecordTimestamp: NoTimestamp}
	if err != nil {
		return s, err
	}
	if h.Length < HeaderSize-lengthOverhead {
		return s, fmt.Errorf("%w: length %d below the header size", ErrCorrupt, h.Length)
	}
	if len(b) != h.Size() {
		if len(b) < h.Size() {
			return s, errShort
		}
		return s, fmt.Errorf("%w: %d bytes after the batch", ErrCorrupt, len(b)-h.Size())
	}
	if crc := crc32.Checksum(b[offAttributes:], castagnoli); crc != h.CRC {
		return s, fmt.Errorf("%w: crc %08x, computed %08x", ErrCorrupt, h.CRC, crc)
	}
	if err := checkCounts(h, len(b)-HeaderSize); err != nil {
		return s, err
	}
	if h.Compression() == CodecNone {
		return s, walkRecords(b[HeaderSize:], &s)
	}
	if h.Compression() > CodecZstd {
		return s, fmt.Errorf("%w: codec %d", ErrUnsupportedCodec, h.Compression())
	}
	return s, nil
}

// checkCounts checks the record count against the offset range and, for
// uncompressed data, against the bytes available. Compaction may leave
// fewer records than the offset range (even none), never more.
func checkCounts(h Header, payload int) error {
	switch {
	case h.NumRecords < 0:
		return fmt.Errorf("%w: record count %d", ErrInvalidRecord, h.NumRecords)
	case h.LastOffsetDelta < 0:
		return fmt.Errorf("%w: last offset delta %d", ErrInvalidRecord, h.LastOffsetDelta)
	case int64(h.NumRecords) > int64(h.LastOffsetDelta)+1:
		return fmt.Errorf("%w: %d records for offset delta %d", ErrInvalidRecord, h.NumRecords, h.LastOffsetDelta)
	case h.Compression() == CodecNone && int64(h.NumRecords)*minRecordSize > int64(payload):
		return fmt.Errorf("%w: %d records in %d bytes", ErrInvalidRecord, h.NumRecords, payload)
	}
	return nil
}

// walkRecords checks the framing of NumRecords uncompressed records in p:
// each record's length covers exactly its fields, offset deltas strictly
// increase within [0, LastOffsetDelta], and nothing is left over. It fills
// s's record fields on the way.
func walkRecords(p []byte, s *Summary) error {
	prev := int64(-1)
	for i := int32(0); i < s.NumRecords; i++ {
		n, tsDelta, offDelta, nullKey, ok := scanRecord(p)
		if !ok {
			var r Record
			var err error
			if n, err = decodeRecord(p, &r, false); err != nil {
				return err
			}
			tsDelta, offDelta, nullKey = r.TimestampDelta, r.OffsetDelta, r.Key == nil
		}
		d := int64(offDelta)
		if d <= prev || d > int64(s.LastOffsetDelta) {
			return fmt.Errorf("%w: offset delta %d after %d (last %d)", ErrInvalidRecord, d, prev, s.LastOffsetDelta)
		}
		prev = d
		if ts := s.FirstTimestamp + tsDelta; ts > s.MaxRecordTimestamp {
			s.MaxRecordTimestamp, s.MaxTimestampDelta = ts, offDelta
		}
		s.NullKey = s.NullKey || nullKey
		p = p[n:]
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: %d bytes after the last record", ErrInvalidRecord, len(p))
	}
	s.Walked = true
	return nil
}

// Next splits the first batch off b. It checks only the framing (length
// and magic), not the CRC: call Validate on the batch. An empty b yields
// io.EOF; b ending inside a batch yields io.ErrUnexpectedEOF, which a fetch
// reader treats as the end of the data (Kafka may return a partial batch).
func Next(b []byte) (batch, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, io.EOF
	}
	if len(b) < offMagic+1 {
		return nil, b, errShort
	}
	length := int32(binary.BigEndian.Uint32(b[offLength:]))
	if b[offMagic] != 2 {
		return nil, b, fmt.Errorf("%w: %d", ErrUnsupportedMagic, int8(b[offMagic]))
	}
	if length < HeaderSize-lengthOverhead {
		return nil, b, fmt.Errorf("%w: length %d below the header size", ErrCorrupt, length)
	}
	size := int64(length) + lengthOverhead
	if size > int64(len(b)) {
		return nil, b, errShort
	}
	return b[:size], b[size:], nil
}

// SetBaseOffset rewrites the base offset in place. The base offset is not
// covered by the CRC.
func SetBaseOffset(b []byte, offset int64) {
	binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(offset))
}

// SetPartitionLeaderEpoch rewrites the leader epoch in place. The epoch is
// not covered by the CRC, so the leader can stamp it without re-checksumming.
func SetPartitionLeaderEpoch(b []byte, epoch int32) {
	binary.BigEndian.PutUint32(b[offLeaderEpoch:], uint32(epoch))
}

// SetLogAppendTime sets MaxTimestamp to ts, sets the LogAppendTime
// attribute bit and recomputes the CRC, as a broker configured with
// message.timestamp.type=LogAppendTime does. FirstTimestamp is kept, as in
// Kafka; readers take every record's timestamp from MaxTimestamp.
func SetLogAppendTime(b []byte, ts int64) {
	SetMaxTimestamp(b, ts, true)
}

// SetMaxTimestamp sets MaxTimestamp and the timestamp type bit and
// recomputes the CRC if either changed (Kafka's setMaxTimestamp).
func SetMaxTimestamp(b []byte, ts int64, logAppendTime bool) {
	attrs := binary.BigEndian.Uint16(b[offAttributes:])
	newAttrs := attrs &^ timestampTypeBit
	if logAppendTime {
		newAttrs |= timestampTypeBit
	}
	if newAttrs == attrs && int64(binary.BigEndian.Uint64(b[offMaxTS:])) == ts {
		return
	}
	binary.BigEndian.PutUint16(b[offAttributes:], newAttrs)
	binary.BigEndian.PutUint64(b[offMaxTS:], uint64(ts))
	UpdateCRC(b)
}

// UpdateCRC recomputes the CRC of the batch b after an in-place change to
// a field it covers.
func UpdateCRC(b []byte) {
	binary.BigEndian.PutUint32(b[offCRC:], crc32.Checksum(b[offAttributes:], castagnoli))
}

// Records decodes the records of the batch b (which should have passed
// Validate), decompressing if needed. Keys, values and header values alias
// b or the decompressed buffer.
func Records(b []byte) ([]Record, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if len(b) < h.Size() || h.Length < HeaderSize-lengthOverhead {
		return nil, errShort
	}
	payload := b[HeaderSize:h.Size()]
	if h.Compression() != CodecNone {
		if payload, err = decompress(h.Compression(), payload); err != nil {
			return nil, err
		}
	}
	if h.NumRecords < 0 || int64(h.NumRecords)*minRecordSize > int64(len(payload)) {
		return nil, fmt.Errorf("%w: %d records in %d bytes", ErrInvalidRecord, h.NumRecords, len(payload))
	}
	recs := make([]Record, h.NumRecords)
	for i := range recs {
		n, err := decodeRecord(payload, &recs[i], true)
		if err != nil {
			return nil, err
		}
		payload = payload[n:]
	}
	if len(payload) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last record", ErrInvalidRecord, len(payload))
	}
	return recs, nil
}

// Timestamp is the timestamp of r in the batch with header h: the batch's
// MaxTimestamp for LogAppendTime batches, else FirstTimestamp+delta.
func (h Header) Timestamp(r *Record) int64 {
	if h.LogAppendTime() {
		return h.MaxTimestamp
	}
	return h.FirstTimestamp + r.TimestampDelta
}

// Record is one record of a v2 batch. A nil Key or Value (length -1 on the
// wire) is distinct from an empty one.
type Record struct {
	OffsetDelta    int32
	TimestampDelta int64
	Key, Value     []byte
	Headers        []RecordHeader
}

// RecordHeader is one record header.
type RecordHeader struct {
	Key   string
	Value []byte
}

// Build encodes an uncompressed v2 batch. See Encode for the fields taken
// from h.
func Build(h Header, recs []Record) []byte {
	b, _ := Encode(h, recs, CodecNone)
	return b
}

// Encode encodes a v2 batch compressed with codec. From h it takes
// BaseOffset, PartitionLeaderEpoch, Attributes (the codec bits are replaced
// by codec), FirstTimestamp, ProducerID, ProducerEpoch and BaseSequence; it
// computes Length, Magic, CRC and NumRecords. LastOffsetDelta is the last
// record's offset delta, or h.LastOffsetDelta if that is larger (a
// compacted batch keeps its original range) or there are no records.
// MaxTimestamp is the largest record timestamp, or h.MaxTimestamp for
// LogAppendTime batches and empty ones.
func Encode(h Header, recs []Record, codec int) ([]byte, error) {
	payload := make([]byte, 0, encodedSize(recs))
	for i := range recs {
		payload = appendRecord(payload, &recs[i])
	}
	if codec != CodecNone {
		var err error
		if payload, err = compress(codec, payload); err != nil {
			return nil, err
		}
	}
	h.Attributes = h.Attributes&^codecMask | int16(codec)
	h.NumRecords = int32(len(recs))
	if n := len(recs); n > 0 {
		h.LastOffsetDelta = max(h.LastOffsetDelta, recs[n-1].OffsetDelta)
		if !h.LogAppendTime() {
			h.MaxTimestamp = h.FirstTimestamp + maxTimestampDelta(recs)
		}
	}
	b := make([]byte, HeaderSize, HeaderSize+len(payload))
	h.Length = int32(HeaderSize - lengthOverhead + len(payload))
	putHeader(b, h)
	b = append(b, payload...)
	UpdateCRC(b)
	return b, nil
}

func maxTimestampDelta(recs []Record) int64 {
	m := recs[0].TimestampDelta
	for i := range recs[1:] {
		m = max(m, recs[i+1].TimestampDelta)
	}
	return m
}

// putHeader writes every header field but the CRC.
func putHeader(b []byte, h Header) {
	binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(h.BaseOffset))
	binary.BigEndian.PutUint32(b[offLength:], uint32(h.Length))
	binary.BigEndian.PutUint32(b[offLeaderEpoch:], uint32(h.PartitionLeaderEpoch))
	b[offMagic] = 2
	binary.BigEndian.PutUint16(b[offAttributes:], uint16(h.Attributes))
	binary.BigEndian.PutUint32(b[offLastDelta:], uint32(h.LastOffsetDelta))
	binary.BigEndian.PutUint64(b[offFirstTS:], uint64(h.FirstTimestamp))
	binary.BigEndian.PutUint64(b[offMaxTS:], uint64(h.MaxTimestamp))
	binary.BigEndian.PutUint64(b[offProducerID:], uint64(h.ProducerID))
	binary.BigEndian.PutUint16(b[offProducerEp:], uint16(h.ProducerEpoch))
	binary.BigEndian.PutUint32(b[offBaseSequence:], uint32(h.BaseSequence))
	binary.BigEndian.PutUint32(b[offNumRecords:], uint32(h.NumRecords))
}

// ForEach calls fn for every record of the batch b, decompressing if
// needed, without allocating per record: r is reused between calls and
// its Headers are not decoded (nil). Keys and values alias b or the
// decompressed buffer. fn's error stops the walk and is returned.
func ForEach(b []byte, fn func(r *Record) error) error {
	h, err := ParseHeader(b)
	if err != nil {
		return err
	}
	if len(b) < h.Size() || h.Length < HeaderSize-lengthOverhead {
		return errShort
	}
	payload := b[HeaderSize:h.Size()]
	if h.Compression() != CodecNone {
		if payload, err = decompress(h.Compression(), payload); err != nil {
			return err
		}
	}
	var r Record
	for i := int32(0); i < h.NumRecords; i++ {
		n, err := decodeRecord(payload, &r, false)
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		payload = payload[n:]
	}
	if len(payload) != 0 {
		return fmt.Errorf("%w: %d bytes after the last record", ErrInvalidRecord, len(payload))
	}
	return nil
}
