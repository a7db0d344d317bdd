package zkproto

import (
	"encoding/binary"
	"errors"
	"io"
)

// DefaultMaxBuffer is ZooKeeper's default jute.maxbuffer (1 MiB - 1). The
// Java server closes the connection on a larger frame, and the Java client
// refuses larger replies, so neither side should ever exceed it by default.
const DefaultMaxBuffer = 0xfffff

// ErrFrameTooLarge reports a frame length prefix that is negative or above
// the caller's limit. ZooKeeper answers this by closing the socket, so the
// body is deliberately left unread: the stream cannot be resynchronised.
var ErrFrameTooLarge = errors.New("zkproto: frame length out of range")

// ReadFrame reads one length-prefixed frame from r and returns its body.
// The body is read into buf when cap(buf) suffices, so a connection loop can
// pass the previous result back in and read without allocating. A max of
// zero or less means DefaultMaxBuffer. A body the header claims is
// allocated before it is read, so max also bounds what a lying peer costs.
//
// A clean end of stream before any header byte returns io.EOF; a stream
// that ends inside a frame returns io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, max int, buf []byte) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBuffer
	}
	// Read the header into buf's storage when possible: a local array would
	// escape to the heap because r is an interface.
	var hdr []byte
	if cap(buf) >= 4 {
		hdr = buf[:4]
	} else {
		hdr = make([]byte, 4)
	}
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr)))
	if n < 0 || n > int64(max) {
		return nil, ErrFrameTooLarge
	}
	if int64(cap(buf)) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendFrame appends a length prefix followed by the encoding of recs to
// dst. Nil records are skipped, so a header-only reply is simply
// AppendFrame(dst, &hdr). The prefix is patched after encoding, which avoids
// a sizing pass over every record.
//
// AppendFrame costs one small allocation (the Encoder escapes through the
// Record interface); a connection that keeps its own Encoder and uses
// StartFrame/EndFrame allocates nothing in the steady state.
func AppendFrame(dst []byte, recs ...Record) []byte {
	e := Encoder{B: dst}
	start := e.StartFrame()
	for _, r := range recs {
		if r != nil {
			r.Encode(&e)
		}
	}
	e.EndFrame(start)
	return e.B
}

// StartFrame appends a placeholder length prefix and returns its offset,
// to be passed to EndFrame once the frame's records are encoded.
func (e *Encoder) StartFrame() int {
	start := len(e.B)
	e.B = append(e.B, 0, 0, 0, 0)
	return start
}

// EndFrame sets the length prefix at start to the number of bytes encoded
// since the matching StartFrame.
func (e *Encoder) EndFrame(start int) {
	binary.BigEndian.PutUint32(e.B[start:], uint32(len(e.B)-start-4))
}
