package server

import (
	"time"

	"github.com/samsa-kafka/samsa/zkproto"
)

// request is one decoded request header plus its undecoded body.
type request struct {
	h     zkproto.RequestHeader
	body  []byte
	start time.Time
}

// handlerFunc serves one request. It returns false when the connection
// must close after the reply (closeSession, auth failure, unknown op).
type handlerFunc func(c *conn, r *request) bool

// handlers is the one dispatch table: opcode -> handler. Anything absent is
// answered with Unimplemented and the connection is closed, as ZooKeeper's
// UnimplementedRequestProcessor does.
var handlers = map[zkproto.Op]handlerFunc{
	zkproto.OpPing:                 handlePing,
	zkproto.OpCreate:               handleCreate,
	zkproto.OpCreate2:              handleCreate,
	zkproto.OpCreateContainer:      handleCreate,
	zkproto.OpCreateTTL:            handleCreate,
	zkproto.OpDelete:               handleDelete,
	zkproto.OpSetData:              handleSetData,
	zkproto.OpSetACL:               handleSetACL,
	zkproto.OpMulti:                handleMulti,
	zkproto.OpReconfig:             handleReconfig,
	zkproto.OpCloseSession:         handleCloseSession,
	zkproto.OpExists:               handleExists,
	zkproto.OpGetData:              handleGetData,
	zkproto.OpGetChildren:          handleGetChildren,
	zkproto.OpGetChildren2:         handleGetChildren,
	zkproto.OpGetACL:               handleGetACL,
	zkproto.OpSync:                 handleSync,
	zkproto.OpMultiRead:            handleMultiRead,
	zkproto.OpGetEphemerals:        handleGetEphemerals,
	zkproto.OpGetAllChildrenNumber: handleGetAllChildrenNumber,
	zkproto.OpWhoAmI:               handleWhoAmI,
	zkproto.OpAuth:                 handleAuth,
	zkproto.OpSetWatches:           handleSetWatches,
	zkproto.OpSetWatches2:          handleSetWatches,
	zkproto.OpAddWatch:             handleAddWatch,
	zkproto.OpRemoveWatches:        handleRemoveWatches,
	zkproto.OpCheckWatches:         handleCheckWatches,
}

// handle decodes a request frame and dispatches it. It returns false when
// the connection must close once its queued messages are written.
func (c *conn) handle(frame []byte) bool {
	c.stats.recv.Add(1)
	c.s.stats.recv.Add(1)
	d := zkproto.NewDecoder(frame)
	var r request
	r.h.Decode(d)
	if d.Err != nil {
		c.log.Warn("closing connection: request shorter than its header")
		c.close()
		return true
	}
	r.body = frame[d.Off:]
	r.start = time.Now()
	c.s.touch(c)
	c.stats.lastCxid.Store(int64(r.h.Xid))
	fn := handlers[r.h.Op]
	if fn == nil {
		return c.unimplemented(&r)
	}
	if r.h.Op != zkproto.OpPing {
		c.s.acquire()
	}
	return fn(c, &r)
}

// unimplemented answers an unknown opcode with Unimplemented and closes.
func (c *conn) unimplemented(r *request) bool {
	c.log.WithField("op", int32(r.h.Op)).Warn("closing connection: unknown opcode")
	c.s.acquire()
	c.reply(zkproto.ReplyHeader{Xid: r.h.Xid, Zxid: -1, Err: zkproto.ErrUnimplemented},
		nil, 0, r.start, r.h.Op)
	return false
}

// decode decodes r's body into rec; a malformed body is a MarshallingError,
// as when ZooKeeper's request deserialisation throws.
func decode(r *request, rec zkproto.Record) error {
	d := zkproto.NewDecoder(r.body)
	rec.Decode(d)
	if d.Err != nil {
		return zkproto.ErrMarshallingError
	}
	return nil
}

func handlePing(c *conn, r *request) bool {
	h := zkproto.ReplyHeader{Xid: zkproto.XidPing, Zxid: c.s.db.durable.Load()}
	c.enqueue(outMsg{b: zkproto.AppendFrame(nil, &h)})
	return true
}

// lastOpName is ZooKeeper's four-character name for cons' lop field.
func lastOpName(op zkproto.Op) string {
	switch op {
	case zkproto.OpCreate, zkproto.OpCreate2, zkproto.OpCreateContainer, zkproto.OpCreateTTL:
		return "CREA"
	case zkproto.OpDelete:
		return "DELE"
	case zkproto.OpExists:
		return "EXIS"
	case zkproto.OpGetData:
		return "GETD"
	case zkproto.OpSetData:
		return "SETD"
	case zkproto.OpGetACL:
		return "GACL"
	case zkproto.OpSetACL:
		return "SACL"
	case zkproto.OpGetChildren, zkproto.OpGetChildren2:
		return "GETC"
	case zkproto.OpSync:
		return "SYNC"
	case zkproto.OpPing:
		return "PING"
	case zkproto.OpMulti, zkproto.OpMultiRead:
		return "MULT"
	case zkproto.OpCloseSession:
		return "CLOS"
	case zkproto.OpSetWatches, zkproto.OpSetWatches2:
		return "SETW"
	case zkproto.OpAddWatch:
		return "ADDW"
	case zkproto.OpRemoveWatches:
		return "REMW"
	case zkproto.OpCheckWatches:
		return "CHKW"
	case zkproto.OpAuth:
		return "AUTH"
	}
	return "NA"
}
