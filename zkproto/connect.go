package zkproto

// ConnectRequest is the first frame a client sends. It has no
// RequestHeader. The trailing readOnly byte is not part of the jute record:
// Java, C and kazoo append it, go-zookeeper does not, and the server must
// mirror its presence in the ConnectResponse.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool // the readOnly byte was (or is to be) on the wire
}

// Encode implements Record. The readOnly byte is written iff HasReadOnly.
func (c *ConnectRequest) Encode(e *Encoder) {
	e.Int(c.ProtocolVersion)
	e.Long(c.LastZxidSeen)
	e.Int(c.TimeOut)
	e.Long(c.SessionID)
	e.Buffer(c.Passwd)
	if c.HasReadOnly {
		e.Bool(c.ReadOnly)
	}
}

// Decode implements Record. A trailing byte, if any, is taken as readOnly;
// more than one trailing byte is left for Unmarshal to reject.
func (c *ConnectRequest) Decode(d *Decoder) {
	c.ProtocolVersion = d.Int()
	c.LastZxidSeen = d.Long()
	c.TimeOut = d.Int()
	c.SessionID = d.Long()
	c.Passwd = d.Buffer()
	c.ReadOnly, c.HasReadOnly = decodeOptionalBool(d)
}

// ConnectResponse answers a ConnectRequest. It has no ReplyHeader. The C
// client reads a fixed 41-byte frame, so Passwd must be exactly 16 bytes
// and HasReadOnly must match the request.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode implements Record. The readOnly byte is written iff HasReadOnly.
func (c *ConnectResponse) Encode(e *Encoder) {
	e.Int(c.ProtocolVersion)
	e.Int(c.TimeOut)
	e.Long(c.SessionID)
	e.Buffer(c.Passwd)
	if c.HasReadOnly {
		e.Bool(c.ReadOnly)
	}
}

// Decode implements Record.
func (c *ConnectResponse) Decode(d *Decoder) {
	c.ProtocolVersion = d.Int()
	c.TimeOut = d.Int()
	c.SessionID = d.Long()
	c.Passwd = d.Buffer()
	c.ReadOnly, c.HasReadOnly = decodeOptionalBool(d)
}

// decodeOptionalBool reads one more byte if the input has one. This is how
// both Java peers treat the readOnly flag: absence means an old client.
func decodeOptionalBool(d *Decoder) (v, present bool) {
	if d.Err != nil || d.Remaining() < 1 {
		return false, false
	}
	return d.Bool(), true
}
