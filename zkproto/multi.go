package zkproto

import "errors"

// ErrBadMultiOp reports a multi sub-op or sub-result whose type cannot
// appear inside a multi. Java's MultiOperationRecord rejects these with an
// IOException, which the server turns into a closed connection.
var ErrBadMultiOp = errors.New("zkproto: op not allowed in multi")

// MultiHeader precedes every sub-op and sub-result of a multi, and a header
// with Done set ends the list.
type MultiHeader struct {
	Type Op
	Done bool
	Err  Error
}

// MultiHeaderSize is the encoded size of a MultiHeader.
const MultiHeaderSize = 9

// Encode implements Record.
func (h *MultiHeader) Encode(e *Encoder) {
	e.Int(int32(h.Type))
	e.Bool(h.Done)
	e.Int(int32(h.Err))
}

// Decode implements Record.
func (h *MultiHeader) Decode(d *Decoder) {
	h.Type = Op(d.Int())
	h.Done = d.Bool()
	h.Err = Error(d.Int())
}

// multiEnd terminates both multi requests and multi responses.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: ErrSystemError}

// MultiOp is one sub-op of a multi or multiRead request. Op keeps the wire
// type (create, create2 and createContainer all carry a *CreateRequest), so
// the server knows which reply type to give.
type MultiOp struct {
	Op  Op
	Req Record
}

// MultiRequest is the body of multi and multiRead. Whether read and write
// ops are mixed is a semantic check left to the server.
type MultiRequest struct {
	Ops []MultiOp
}

// newMultiOpRecord returns the request body for a sub-op type, or nil if
// the type is not allowed inside a multi.
func newMultiOpRecord(op Op) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	}
	return nil
}

// Encode implements Record. A nil Req is encoded as the zero body of its
// type, so the stream stays parseable.
func (m *MultiRequest) Encode(e *Encoder) {
	for i := range m.Ops {
		op := &m.Ops[i]
		h := MultiHeader{Type: op.Op, Err: ErrSystemError}
		h.Encode(e)
		if r := op.Req; r != nil {
			r.Encode(e)
		} else if r := newMultiOpRecord(op.Op); r != nil {
			r.Encode(e)
		}
	}
	multiEnd.Encode(e)
}

// Decode implements Record. The op list has no count, so it grows with
// append; every op consumes at least a 9-byte header, which bounds the
// allocation by the input size.
func (m *MultiRequest) Decode(d *Decoder) {
	m.Ops = nil
	var h MultiHeader
	for {
		h.Decode(d)
		if d.Err != nil || h.Done {
			return
		}
		r := newMultiOpRecord(h.Type)
		if r == nil {
			d.Err = ErrBadMultiOp
			return
		}
		r.Decode(d)
		if d.Err != nil {
			return
		}
		m.Ops = append(m.Ops, MultiOp{Op: h.Type, Req: r})
	}
}

// MultiResult is one sub-result of a multi reply. On failure every result
// has Op == OpError and Resp == &ErrorResponse{Err}; Err is the header's
// error field and equals the body's in everything ZooKeeper sends.
type MultiResult struct {
	Op   Op
	Err  Error
	Resp Record
}

// MultiResponse is the body of a multi or multiRead reply. Its ReplyHeader
// has Err == ErrOK even when a sub-op failed.
type MultiResponse struct {
	Results []MultiResult
}

// newMultiResultRecord returns the body for a sub-result type. rec is nil
// both for types with no body (delete, check) and for types not allowed in
// a multi reply; ok tells the two apart.
func newMultiResultRecord(op Op) (rec Record, ok bool) {
	switch op {
	case OpError:
		return &ErrorResponse{}, true
	case OpCreate:
		return &CreateResponse{}, true
	case OpCreate2:
		return &Create2Response{}, true
	case OpSetData:
		return &SetDataResponse{}, true
	case OpDelete, OpCheck:
		return nil, true
	case OpGetData:
		return &GetDataResponse{}, true
	case OpGetChildren:
		return &GetChildrenResponse{}, true
	}
	return nil, false
}

// Encode implements Record. A nil Resp is encoded as the zero body of its
// type, except that an OpError result with nil Resp carries its Err, so a
// server can build failure results from (OpError, code) alone.
func (m *MultiResponse) Encode(e *Encoder) {
	for i := range m.Results {
		res := &m.Results[i]
		h := MultiHeader{Type: res.Op, Err: res.Err}
		h.Encode(e)
		switch {
		case res.Resp != nil:
			res.Resp.Encode(e)
		case res.Op == OpError:
			e.Int(int32(res.Err))
		default:
			if r, _ := newMultiResultRecord(res.Op); r != nil {
				r.Encode(e)
			}
		}
	}
	multiEnd.Encode(e)
}

// Decode implements Record. Allocation is bounded as in MultiRequest.
func (m *MultiResponse) Decode(d *Decoder) {
	m.Results = nil
	var h MultiHeader
	for {
		h.Decode(d)
		if d.Err != nil || h.Done {
			return
		}
		r, ok := newMultiResultRecord(h.Type)
		if !ok {
			d.Err = ErrBadMultiOp
			return
		}
		if r != nil {
			r.Decode(d)
			if d.Err != nil {
				return
			}
		}
		m.Results = append(m.Results, MultiResult{Op: h.Type, Err: h.Err, Resp: r})
	}
}
