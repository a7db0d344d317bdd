package record

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Records use zigzag varints (Kafka's ByteUtils.readVarint/readVarlong);
// encoding/binary's Varint is the same encoding. Kafka rejects int32
// varints longer than 5 bytes; we reject values outside int32 instead,
// which accepts the same well-formed inputs.

// varint decodes a zigzag varint like binary.Varint (same results for
// every input, non-minimal encodings included), with the one- and
// two-byte encodings that almost every record field uses (lengths below
// 8192, small deltas) decoded inline: record walks run once per record on
// every produce.
func varint(p []byte) (int64, int) {
	if len(p) > 0 && p[0] < 0x80 {
		u := uint64(p[0])
		return int64(u>>1) ^ -int64(u&1), 1
	}
	return varintLong(p)
}

// varintLong is varint past the first byte, kept out of line so that
// varint inlines.
func varintLong(p []byte) (int64, int) {
	if len(p) > 1 && p[1] < 0x80 {
		u := uint64(p[0]&0x7f) | uint64(p[1])<<7
		return int64(u>>1) ^ -int64(u&1), 2
	}
	return binary.Varint(p)
}

func varint32(p []byte) (int32, int, error) {
	v, n := varint(p)
	if n <= 0 || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, 0, fmt.Errorf("%w: bad varint", ErrInvalidRecord)
	}
	return int32(v), n, nil
}

func varint64(p []byte) (int64, int, error) {
	v, n := varint(p)
	if n <= 0 {
		return 0, 0, fmt.Errorf("%w: bad varlong", ErrInvalidRecord)
	}
	return v, n, nil
}

// lenBytes reads a varint length and that many bytes; -1 means nil.
func lenBytes(p []byte) ([]byte, int, error) {
	l, n, err := varint32(p)
	if err != nil {
		return nil, 0, err
	}
	if l < 0 {
		if l != -1 {
			return nil, 0, fmt.Errorf("%w: length %d", ErrInvalidRecord, l)
		}
		return nil, n, nil
	}
	if int(l) > len(p)-n {
		return nil, 0, fmt.Errorf("%w: length %d past the record", ErrInvalidRecord, l)
	}
	return p[n : n+int(l) : n+int(l)], n + int(l), nil
}

// decodeRecord decodes the record at the start of p into r and returns its
// encoded size. With full unset it skips header allocation (used by
// Validate, which only needs the framing).
func decodeRecord(p []byte, r *Record, full bool) (int, error) {
	length, n, err := varint32(p)
	if err != nil {
		return 0, err
	}
	if length < minRecordSize-1 || int(length) > len(p)-n {
		return 0, fmt.Errorf("%w: record length %d", ErrInvalidRecord, length)
	}
	body := p[n : n+int(length)]
	used, err := decodeBody(body, r, full)
	if err != nil {
		return 0, err
	}
	if used != len(body) {
		return 0, fmt.Errorf("%w: record length %d, fields use %d", ErrInvalidRecord, length, used)
	}
	return n + int(length), nil
}

// decodeBody decodes the fields after the length prefix.
func decodeBody(p []byte, r *Record, full bool) (int, error) {
	pos := 1 // attributes: unused in v2
	var n int
	var err error
	if r.TimestampDelta, n, err = varint64(p[pos:]); err != nil {
		return 0, err
	}
	pos += n
	if r.OffsetDelta, n, err = varint32(p[pos:]); err != nil {
		return 0, err
	}
	pos += n
	if r.Key, n, err = lenBytes(p[pos:]); err != nil {
		return 0, err
	}
	pos += n
	if r.Value, n, err = lenBytes(p[pos:]); err != nil {
		return 0, err
	}
	pos += n
	n, err = decodeHeaders(p[pos:], r, full)
	return pos + n, err
}

// decodeHeaders decodes the header count and headers. The count is checked
// against the bytes left (each header takes at least two) before
// allocating.
func decodeHeaders(p []byte, r *Record, full bool) (int, error) {
	count, pos, err := varint32(p)
	if err != nil {
		return 0, err
	}
	if count < 0 || int64(count)*2 > int64(len(p)-pos) {
		return 0, fmt.Errorf("%w: header count %d", ErrInvalidRecord, count)
	}
	if full && count > 0 {
		r.Headers = make([]RecordHeader, count)
	}
	for i := 0; i < int(count); i++ {
		k, n, err := lenBytes(p[pos:])
		if err != nil || k == nil {
			return 0, fmt.Errorf("%w: header key", ErrInvalidRecord)
		}
		pos += n
		v, n, err := lenBytes(p[pos:])
		if err != nil {
			return 0, err
		}
		pos += n
		if full {
			r.Headers[i] = RecordHeader{Key: string(k), Value: v}
		}
	}
	return pos, nil
}

// encodedSize is an upper bound of the encoded size of recs.
func encodedSize(recs []Record) int {
	n := 0
	for i := range recs {
		r := &recs[i]
		n += 5 + 1 + 10 + 5 + 5 + len(r.Key) + 5 + len(r.Value) + 5
		for _, h := range r.Headers {
			n += 10 + len(h.Key) + len(h.Value)
		}
	}
	return n
}

func appendLenBytes(b, v []byte) []byte {
	if v == nil {
		return binary.AppendVarint(b, -1)
	}
	return append(binary.AppendVarint(b, int64(len(v))), v...)
}

// appendRecord appends r, length-prefixed. The body is encoded after a
// 5-byte gap and moved down once its length is known.
func appendRecord(b []byte, r *Record) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0)
	body := len(b)
	b = append(b, 0) // attributes
	b = binary.AppendVarint(b, r.TimestampDelta)
	b = binary.AppendVarint(b, int64(r.OffsetDelta))
	b = appendLenBytes(b, r.Key)
	b = appendLenBytes(b, r.Value)
	b = binary.AppendVarint(b, int64(len(r.Headers)))
	for _, h := range r.Headers {
		b = binary.AppendVarint(b, int64(len(h.Key))) // keys are never null
		b = append(b, h.Key...)
		b = appendLenBytes(b, h.Value)
	}
	var lenBuf [binary.MaxVarintLen32]byte
	ln := binary.PutVarint(lenBuf[:], int64(len(b)-body))
	copy(b[start:], lenBuf[:ln])
	n := copy(b[start+ln:], b[body:])
	return b[:start+ln+n]
}

// Record walking without per-field error values: scanRecord is the
// produce path's hot loop (once per record of every appended batch).

// short decodes a zigzag varint of one or two bytes at p[pos:] (values
// within ±8191: record lengths, small deltas, key and value lengths) and
// returns it with the position after it; pos -1 for anything else,
// including longer valid encodings, which scanRecord leaves to
// decodeRecord. Small enough to inline.
func short(p []byte, pos int) (int64, int) {
	if uint(pos) >= uint(len(p)) {
		return 0, -1
	}
	u := uint64(p[pos])
	if u >= 0x80 {
		if uint(pos+1) >= uint(len(p)) || p[pos+1] >= 0x80 {
			return 0, -1
		}
		pos++
		u = u&0x7f | uint64(p[pos])<<7
	}
	return int64(u>>1) ^ -int64(u&1), pos + 1
}

// scanRecord walks the record at the start of p as decodeRecord does,
// without decoding headers or building errors. ok true means decodeRecord
// accepts the record with the same size and fields; ok false means the
// record is malformed or uses a varint longer than two bytes, and
// decodeRecord must decide.
func scanRecord(p []byte) (size int, tsDelta int64, offDelta int32, nullKey, ok bool) {
	length, pos := short(p, 0)
	if pos < 0 || length < minRecordSize-1 || length > int64(len(p)-pos) {
		return 0, 0, 0, false, false
	}
	size = pos + int(length)
	body := p[pos:size]
	tsDelta, pos = short(body, 1) // after the attributes byte
	od, pos := short(body, pos)
	kl, pos := short(body, pos)
	if pos < 0 || kl < -1 || kl > int64(len(body)-pos) {
		return 0, 0, 0, false, false
	}
	nullKey = kl == -1
	pos += int(max(kl, 0))
	vl, pos := short(body, pos)
	if pos < 0 || vl < -1 || vl > int64(len(body)-pos) {
		return 0, 0, 0, false, false
	}
	pos += int(max(vl, 0))
	count, pos := short(body, pos)
	if pos < 0 || count < 0 || count*2 > int64(len(body)-pos) {
		return 0, 0, 0, false, false
	}
	for range count {
		hk, p := short(body, pos)
		if p < 0 || hk < 0 || hk > int64(len(body)-p) {
			return 0, 0, 0, false, false
		}
		hv, p := short(body, p+int(hk))
		if p < 0 || hv < -1 || hv > int64(len(body)-p) {
			return 0, 0, 0, false, false
		}
		pos = p + int(max(hv, 0))
	}
	if pos != len(body) {
		return 0, 0, 0, false, false
	}
	return size, tsDelta, int32(od), nullKey, true
}
