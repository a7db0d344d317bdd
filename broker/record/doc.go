// Package record handles Kafka record batches (message format v2, magic 2)
// as raw bytes: header parsing, validation, splitting a concatenation of
// batches, in-place offset/epoch/timestamp rewrites, record decoding with
// decompression, encoding, and conversion of legacy (magic 0/1) message
// sets. It is pure: no I/O, no logging, no goroutines. Decoders never panic
// and check every length against the bytes remaining (and, for compressed
// data, against MaxDecompressedSize) before allocating.
//
// # Batch layout
//
// All integers are big-endian. The first 61 bytes are the header:
//
//	offset  size  field
//	0       8     baseOffset            first offset of the batch (assigned by the leader)
//	8       4     batchLength           bytes after this field (batch size - 12)
//	12      4     partitionLeaderEpoch  stamped by the leader; not covered by the CRC
//	16      1     magic                 2 (byte 16 is the magic in every format version)
//	17      4     crc                   CRC-32C (Castagnoli) of bytes 21..end
//	21      2     attributes            see below
//	23      4     lastOffsetDelta       last offset - baseOffset
//	27      8     firstTimestamp        (or the delete horizon, see bit 6)
//	35      8     maxTimestamp          (the append time for LogAppendTime batches)
//	43      8     producerId            -1 unless idempotent/transactional
//	51      2     producerEpoch
//	53      4     baseSequence          sequence of the first record, -1 if none
//	57      4     recordCount
//	61      ...   records               compressed as a whole if the codec is set
//
//	attributes:  bit 0-2  codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
//	             bit 3    timestamp type: 0 CreateTime, 1 LogAppendTime
//	             bit 4    transactional
//	             bit 5    control batch (transaction markers)
//	             bit 6    firstTimestamp holds the cleaner's delete horizon
//
// Because baseOffset and partitionLeaderEpoch precede the CRC'd range, the
// leader assigns offsets and stamps its epoch without recomputing the CRC.
//
// # Record layout
//
// Each record is a zigzag-varint length followed by that many bytes:
//
//	+--------+-------+----------------+-------------+--------+-----+----------+-------+---------+
//	| length | attrs | timestampDelta | offsetDelta | keyLen | key | valueLen | value | headers |
//	| varint | int8  | varlong        | varint      | varint |     | varint   |       |         |
//	+--------+-------+----------------+-------------+--------+-----+----------+-------+---------+
//
//	keyLen/valueLen -1 = null (kept distinct from empty);
//	headers: varint count, then per header varint keyLen, key (UTF-8),
//	varint valueLen (-1 = null), value.
//
// A record's offset is baseOffset+offsetDelta and its timestamp
// firstTimestamp+timestampDelta (maxTimestamp for LogAppendTime batches).
// Compaction removes records but keeps the batch's baseOffset and
// lastOffsetDelta, so recordCount may be below lastOffsetDelta+1 (even 0)
// and offset deltas may have gaps.
//
// # Compression
//
// The records section (everything after byte 61) is compressed as one
// stream: gzip; snappy in xerial framing (the 16-byte header
// 0x82 "SNAPPY" 0x00 version=1 compatible=1, then blocks of int32 length +
// raw snappy); LZ4 frame format; zstd frames.
//
// # Legacy message sets
//
// Produce v0-v2 carry magic 0/1 message sets; ConvertLegacy turns them into
// one v2 batch (see legacy.go for that format). LZ4 wrappers written with
// magic 0 by pre-0.10 clients carry a wrong frame-descriptor checksum and
// are rejected.
package record
