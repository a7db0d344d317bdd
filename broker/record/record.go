package record

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Errors. Corruption (a checksum or framing mismatch) is ErrCorrupt;
// recovery code truncates on it, request handlers map it to CORRUPT_MESSAGE.
// Record-level damage inside a batch whose CRC matches (bad varints, a
// count that disagrees with the data, undecodable compressed data) is
// ErrInvalidRecord, as Kafka's InvalidRecordException (INVALID_RECORD).
var (
	ErrCorrupt          = errors.New("record: corrupt batch")
	ErrUnsupportedMagic = errors.New("record: unsupported magic")
	ErrInvalidRecord    = errors.New("record: invalid record")
	ErrUnsupportedCodec = errors.New("record: unsupported compression codec")
)

// MaxDecompressedSize bounds the bytes a compressed batch may inflate to,
// so that a small hostile batch cannot make the broker allocate without
// limit. Larger batches fail with ErrInvalidRecord.
var MaxDecompressedSize = 128 << 20

// HeaderSize is the fixed size of a v2 batch header, up to and including
// the record count.
const HeaderSize = 61

// Byte offsets of the v2 header fields.
const (
	offBaseOffset   = 0
	offLength       = 8
	offLeaderEpoch  = 12
	offMagic        = 16
	offCRC          = 17
	offAttributes   = 21
	offLastDelta    = 23
	offFirstTS      = 27
	offMaxTS        = 35
	offProducerID   = 43
	offProducerEp   = 51
	offBaseSequence = 53
	offNumRecords   = 57

	// lengthOverhead is the part of a batch not counted by Length: the
	// base offset and the length field itself.
	lengthOverhead = 12
)

// Attribute bits.
const (
	codecMask        = 0x07
	timestampTypeBit = 0x08
	transactionalBit = 0x10
	controlBit       = 0x20
	deleteHorizonBit = 0x40
)

// Sentinel header values.
const (
	NoTimestamp            = -1
	NoProducerID           = -1
	NoProducerEpoch        = -1
	NoSequence             = -1
	NoPartitionLeaderEpoch = -1
)

// NewHeader returns the header of a non-idempotent batch with first
// timestamp ts: producer id, epoch, sequence and leader epoch set to -1
// (the zero values would mean producer 0, sequence 0).
func NewHeader(ts int64) Header {
	return Header{
		Magic:                2,
		FirstTimestamp:       ts,
		MaxTimestamp:         ts,
		ProducerID:           NoProducerID,
		ProducerEpoch:        NoProducerEpoch,
		BaseSequence:         NoSequence,
		PartitionLeaderEpoch: NoPartitionLeaderEpoch,
	}
}

// Compression codecs (attributes bits 0-2).
const (
	CodecNone   = 0
	CodecGzip   = 1
	CodecSnappy = 2
	CodecLZ4    = 3
	CodecZstd   = 4
)

// Header is a decoded v2 batch header.
type Header struct {
	BaseOffset           int64
	Length               int32
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	FirstTimestamp       int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// LastOffset is the offset of the batch's last record.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset following the batch.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Size is the total size of the batch in bytes.
func (h Header) Size() int { return int(h.Length) + lengthOverhead }

// Compression is the codec id from the attributes (0 none .. 4 zstd).
func (h Header) Compression() int { return int(h.Attributes & codecMask) }

// LogAppendTime reports whether MaxTimestamp is the broker's append time.
func (h Header) LogAppendTime() bool { return h.Attributes&timestampTypeBit != 0 }

// TimestampType is 0 for CreateTime and 1 for LogAppendTime.
func (h Header) TimestampType() int {
	if h.LogAppendTime() {
		return 1
	}
	return 0
}

// IsTransactional reports the transactional attribute.
func (h Header) IsTransactional() bool { return h.Attributes&transactionalBit != 0 }

// IsControl reports whether the batch holds control records (commit/abort markers).
func (h Header) IsControl() bool { return h.Attributes&controlBit != 0 }

// HasDeleteHorizon reports whether FirstTimestamp holds the cleaner's
// delete horizon (KIP-534) rather than a record timestamp.
func (h Header) HasDeleteHorizon() bool { return h.Attributes&deleteHorizonBit != 0 }

// DeleteHorizonAttr is the attribute bit marking FirstTimestamp as the
// cleaner's delete horizon; the log cleaner sets it when it rewrites a
// batch holding tombstones.
const DeleteHorizonAttr = deleteHorizonBit

// HasProducerID reports whether the batch was written by an idempotent or
// transactional producer.
func (h Header) HasProducerID() bool { return h.ProducerID >= 0 }

// LastSequence is the sequence number of the batch's last record, wrapping
// at MaxInt32 as Kafka does.
func (h Header) LastSequence() int32 {
	if h.BaseSequence < 0 {
		return -1
	}
	return incrementSequence(h.BaseSequence, h.LastOffsetDelta)
}

// incrementSequence adds delta to seq, wrapping past MaxInt32 to 0.
func incrementSequence(seq, delta int32) int32 {
	if seq > 1<<31-1-delta {
		return delta - (1<<31 - 1 - seq) - 1
	}
	return seq + delta
}

// ParseHeader decodes the header of the batch at the start of b without
// checking the CRC.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < offMagic+1 {
		return h, errShort
	}
	h.BaseOffset = int64(binary.BigEndian.Uint64(b[offBaseOffset:]))
	h.Length = int32(binary.BigEndian.Uint32(b[offLength:]))
	h.PartitionLeaderEpoch = int32(binary.BigEndian.Uint32(b[offLeaderEpoch:]))
	h.Magic = int8(b[offMagic])
	if h.Magic != 2 {
		return h, ErrUnsupportedMagic
	}
	if len(b) < HeaderSize {
		return h, errShort
	}
	h.CRC = binary.BigEndian.Uint32(b[offCRC:])
	h.Attributes = int16(binary.BigEndian.Uint16(b[offAttributes:]))
	h.LastOffsetDelta = int32(binary.BigEndian.Uint32(b[offLastDelta:]))
	h.FirstTimestamp = int64(binary.BigEndian.Uint64(b[offFirstTS:]))
	h.MaxTimestamp = int64(binary.BigEndian.Uint64(b[offMaxTS:]))
	h.ProducerID = int64(binary.BigEndian.Uint64(b[offProducerID:]))
	h.ProducerEpoch = int16(binary.BigEndian.Uint16(b[offProducerEp:]))
	h.BaseSequence = int32(binary.BigEndian.Uint32(b[offBaseSequence:]))
	h.NumRecords = int32(binary.BigEndian.Uint32(b[offNumRecords:]))
	return h, nil
}
