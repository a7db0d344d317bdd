package zkproto

// RequestHeader precedes every request after the handshake.
type RequestHeader struct {
	Xid int32
	Op  Op
}

// RequestHeaderSize is the encoded size of a RequestHeader.
const RequestHeaderSize = 8

// Encode implements Record.
func (h *RequestHeader) Encode(e *Encoder) {
	e.Int(h.Xid)
	e.Int(int32(h.Op))
}

// Decode implements Record.
func (h *RequestHeader) Decode(d *Decoder) {
	h.Xid = d.Int()
	h.Op = Op(d.Int())
}

// ReplyHeader precedes every reply and watch notification after the
// handshake. A non-zero Err means the reply has no body (multi excepted).
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  Error
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// Encode implements Record.
func (h *ReplyHeader) Encode(e *Encoder) {
	e.Int(h.Xid)
	e.Long(h.Zxid)
	e.Int(int32(h.Err))
}

// Decode implements Record.
func (h *ReplyHeader) Decode(d *Decoder) {
	h.Xid = d.Int()
	h.Zxid = d.Long()
	h.Err = Error(d.Int())
}
