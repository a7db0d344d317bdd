package zkproto

import (
	"encoding/binary"
	"errors"
	"io"
)

// ErrCorrupt marks input that is well-framed but cannot be a valid record:
// a negative length other than -1, or a length larger than the bytes left.
var ErrCorrupt = errors.New("zkproto: corrupt record")

// Encoder appends jute-encoded values to B. It never fails: encoding into
// memory cannot go wrong, so callers check nothing.
type Encoder struct {
	B []byte
}

// Int appends a big-endian int32.
func (e *Encoder) Int(v int32) { e.B = binary.BigEndian.AppendUint32(e.B, uint32(v)) }

// Long appends a big-endian int64.
func (e *Encoder) Long(v int64) { e.B = binary.BigEndian.AppendUint64(e.B, uint64(v)) }

// Bool appends one byte, 1 for true.
func (e *Encoder) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
		return
	}
	e.B = append(e.B, 0)
}

// Buffer appends a length-prefixed byte slice; nil is encoded as length -1,
// which is how ZooKeeper tells null data from empty data.
func (e *Encoder) Buffer(v []byte) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	e.B = append(e.B, v...)
}

// String appends a length-prefixed UTF-8 string.
func (e *Encoder) String(v string) {
	e.Int(int32(len(v)))
	e.B = append(e.B, v...)
}

// Strings appends a vector of strings; nil is encoded as count -1.
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// Decoder reads jute values from B. Errors are sticky: after the first
// failure every read returns a zero value and Err stays set, so a record
// decoder can read all its fields and check Err once at the end.
type Decoder struct {
	B   []byte
	Off int
	Err error
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{B: b} }

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.B) - d.Off }

func (d *Decoder) take(n int) []byte {
	if d.Err != nil {
		return nil
	}
	if n < 0 || n > d.Remaining() {
		d.Err = io.ErrUnexpectedEOF
		return nil
	}
	b := d.B[d.Off : d.Off+n]
	d.Off += n
	return b
}

// Int reads a big-endian int32.
func (d *Decoder) Int() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Long reads a big-endian int64.
func (d *Decoder) Long() int64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads one byte; any non-zero value is true, as in Java's readBoolean.
func (d *Decoder) Bool() bool {
	b := d.take(1)
	if b == nil {
		return false
	}
	return b[0] != 0
}

// length reads a length prefix and checks it against the bytes left, so a
// hostile length can never make us allocate more than the frame holds.
func (d *Decoder) length(unit int) (int, bool) {
	n := d.Int()
	if d.Err != nil {
		return 0, false
	}
	if n == -1 {
		return -1, true
	}
	if n < 0 {
		d.Err = ErrCorrupt
		return 0, false
	}
	if int64(n)*int64(unit) > int64(d.Remaining()) {
		d.Err = io.ErrUnexpectedEOF
		return 0, false
	}
	return int(n), true
}

// Buffer reads a length-prefixed byte slice. Length -1 yields nil. The
// result is a copy, so the frame buffer can be reused.
func (d *Decoder) Buffer() []byte {
	n, ok := d.length(1)
	if !ok || n < 0 {
		return nil
	}
	b := d.take(n)
	out := make([]byte, n)
	copy(out, b)
	return out
}

// String reads a length-prefixed string. Length -1 yields "".
func (d *Decoder) String() string {
	n, ok := d.length(1)
	if !ok || n < 0 {
		return ""
	}
	return string(d.take(n))
}

// Strings reads a vector of strings. Count -1 yields nil.
func (d *Decoder) Strings() []string {
	n, ok := d.length(4) // every element needs at least its 4-byte length
	if !ok || n < 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.Err == nil; i++ {
		out = append(out, d.String())
	}
	return out
}

// VectorLen reads a vector count for elements of at least minSize bytes.
// It returns -1 for a null vector.
func (d *Decoder) VectorLen(minSize int) int {
	n, ok := d.length(minSize)
	if !ok {
		return 0
	}
	return n
}

// Record is a jute record: a fixed sequence of fields with no tags.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Marshal encodes r into a new slice.
func Marshal(r Record) []byte {
	e := Encoder{}
	r.Encode(&e)
	return e.B
}

// Unmarshal decodes r from b and requires b to be consumed exactly.
func Unmarshal(b []byte, r Record) error {
	d := NewDecoder(b)
	r.Decode(d)
	if d.Err != nil {
		return d.Err
	}
	if d.Remaining() != 0 {
		return ErrCorrupt
	}
	return nil
}
