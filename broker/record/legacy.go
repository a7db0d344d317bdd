package record

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Legacy message (magic 0 and 1) layout, all big-endian:
//
//	offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 |
//	[timestamp int64, magic 1 only] | key (int32 len, -1 = null) | value (same)
//
// size counts from crc to the end; crc is CRC-32 (IEEE) from magic to the
// end. A compressed "wrapper" message carries a whole inner message set,
// compressed, as its value.
const (
	legacyLogOverhead = 12 // offset + size
	legacyMinSizeV0   = 14 // crc, magic, attributes, key and value lengths
	legacyMinSizeV1   = legacyMinSizeV0 + 8
)

// legacyMsg is one decoded legacy message.
type legacyMsg struct {
	magic      int8
	attributes int8
	timestamp  int64
	key, value []byte
}

// ConvertLegacy converts a v0/v1 message set (as sent by Produce v0-v2) to
// a single uncompressed v2 batch, as Kafka's LogValidator does when a
// producer's format is older than the topic's. Compressed wrapper messages
// (gzip, snappy, lz4) are inflated and their inner messages flattened.
// Producer fields are -1 (legacy messages are never idempotent); timestamps
// are kept (v0 has none: -1), a v1 wrapper's LogAppendTime applying to its
// inner messages. A partial trailing message is ignored, as Kafka does.
func ConvertLegacy(b []byte) ([]byte, error) {
	var recs []Record
	var stamps []int64
	add := func(m legacyMsg, ts int64) {
		recs = append(recs, Record{OffsetDelta: int32(len(recs)), Key: m.key, Value: m.value})
		stamps = append(stamps, ts)
	}
	err := eachLegacy(b, true, func(m legacyMsg) error {
		codec := int(m.attributes & codecMask)
		if codec == CodecNone {
			add(m, m.timestamp)
			return nil
		}
		inner, err := decompress(codec, m.value)
		if err != nil {
			return err
		}
		return eachLegacy(inner, false, func(im legacyMsg) error {
			if im.attributes&codecMask != 0 {
				return fmt.Errorf("%w: nested compressed message", ErrInvalidRecord)
			}
			ts := im.timestamp
			if m.magic == 1 && m.attributes&timestampTypeBit != 0 {
				ts = m.timestamp
			}
			add(im, ts)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: empty message set", ErrInvalidRecord)
	}
	h := NewHeader(stamps[0])
	for i := range recs {
		recs[i].TimestampDelta = stamps[i] - stamps[0]
	}
	return Build(h, recs), nil
}

// eachLegacy calls fn for every message of a legacy message set. When
// outer is set, a partial trailing message ends the set silently (a
// produce request may be cut); inside a decompressed wrapper it is an
// error.
func eachLegacy(b []byte, outer bool, fn func(legacyMsg) error) error {
	for len(b) > 0 {
		if len(b) < legacyLogOverhead {
			return partial(outer)
		}
		size := int32(binary.BigEndian.Uint32(b[8:]))
		if size < legacyMinSizeV0 {
			return fmt.Errorf("%w: legacy message size %d", ErrCorrupt, size)
		}
		if int64(size) > int64(len(b)-legacyLogOverhead) {
			return partial(outer)
		}
		m, err := parseLegacy(b[legacyLogOverhead : legacyLogOverhead+int(size)])
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
		b = b[legacyLogOverhead+int(size):]
	}
	return nil
}

func partial(outer bool) error {
	if outer {
		return nil
	}
	return fmt.Errorf("%w: truncated inner message", ErrInvalidRecord)
}

// parseLegacy decodes one message body (from the crc to the end).
func parseLegacy(p []byte) (legacyMsg, error) {
	var m legacyMsg
	if crc := crc32.ChecksumIEEE(p[4:]); crc != binary.BigEndian.Uint32(p) {
		return m, fmt.Errorf("%w: legacy message crc", ErrCorrupt)
	}
	m.magic, m.attributes = int8(p[4]), int8(p[5])
	pos := 6
	switch m.magic {
	case 0:
		m.timestamp = NoTimestamp
	case 1:
		if len(p) < legacyMinSizeV1 {
			return m, fmt.Errorf("%w: legacy v1 message too short", ErrCorrupt)
		}
		m.timestamp = int64(binary.BigEndian.Uint64(p[pos:]))
		pos += 8
	default:
		return m, fmt.Errorf("%w: %d", ErrUnsupportedMagic, m.magic)
	}
	var err error
	if m.key, pos, err = legacyBytes(p, pos); err != nil {
		return m, err
	}
	if m.value, pos, err = legacyBytes(p, pos); err != nil {
		return m, err
	}
	if pos != len(p) {
		return m, fmt.Errorf("%w: %d bytes after legacy message", ErrCorrupt, len(p)-pos)
	}
	return m, nil
}

// legacyBytes reads an int32-length-prefixed byte string (-1 = null).
func legacyBytes(p []byte, pos int) ([]byte, int, error) {
	if len(p)-pos < 4 {
		return nil, 0, fmt.Errorf("%w: legacy message truncated", ErrCorrupt)
	}
	n := int32(binary.BigEndian.Uint32(p[pos:]))
	pos += 4
	if n == -1 {
		return nil, pos, nil
	}
	if n < 0 || int64(n) > int64(len(p)-pos) {
		return nil, 0, fmt.Errorf("%w: legacy length %d", ErrCorrupt, n)
	}
	return p[pos : pos+int(n) : pos+int(n)], pos + int(n), nil
}
