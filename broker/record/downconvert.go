package record

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// DownConvert rewrites v2 batches as a legacy message set of the given
// magic (0 or 1), uncompressed, for Fetch v0-v3 clients, as Kafka does
// when message.downconversion.enable is on. Control batches (transaction
// markers) are dropped: old clients cannot represent them. A trailing
// partial batch is ignored, as readers must ignore it anyway.
//
// Legacy message layout:
//
//	offset int64 | size int32 | crc uint32 (IEEE, over the rest) | magic int8 |
//	attributes int8 (bit 3: LogAppendTime, magic 1) | [timestamp int64, magic 1] |
//	key bytes (int32 length, -1 = null) | value bytes (likewise)
func DownConvert(batches []byte, magic int8) ([]byte, error) {
	if magic != 0 && magic != 1 {
		return nil, errors.New("record: down-conversion targets magic 0 or 1")
	}
	out := make([]byte, 0, len(batches))
	rest := batches
	for len(rest) > 0 {
		b, r, err := Next(rest)
		if err != nil {
			break
		}
		rest = r
		h, err := ParseHeader(b)
		if err != nil {
			return nil, err
		}
		if h.IsControl() {
			continue
		}
		recs, err := Records(b)
		if err != nil {
			return nil, err
		}
		for i := range recs {
			out = appendLegacy(out, h, &recs[i], magic)
		}
	}
	return out, nil
}

func appendLegacy(out []byte, h Header, r *Record, magic int8) []byte {
	out = binary.BigEndian.AppendUint64(out, uint64(h.BaseOffset+int64(r.OffsetDelta)))
	sizeAt := len(out)
	out = append(out, 0, 0, 0, 0, 0, 0, 0, 0) // size, crc
	crcFrom := len(out)
	var attrs byte
	if magic == 1 && h.LogAppendTime() {
		attrs = 1 << 3
	}
	out = append(out, byte(magic), attrs)
	if magic == 1 {
		out = binary.BigEndian.AppendUint64(out, uint64(h.Timestamp(r)))
	}
	out = appendNullableBytes(out, r.Key)
	out = appendNullableBytes(out, r.Value)
	binary.BigEndian.PutUint32(out[sizeAt:], uint32(len(out)-sizeAt-4))
	binary.BigEndian.PutUint32(out[sizeAt+4:], crc32.ChecksumIEEE(out[crcFrom:]))
	return out
}

func appendNullableBytes(out, b []byte) []byte {
	if b == nil {
		return binary.BigEndian.AppendUint32(out, 0xffffffff)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
	return append(out, b...)
}
