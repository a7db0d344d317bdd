package tree

import (
	"fmt"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Txn is one committed state change, the unit of the transaction log.
// It is a flat struct rather than one type per kind because the log codec,
// the tree and multi all switch on Type anyway; only the fields of its
// Type are meaningful.
//
// Encoding (jute): Session long, Cxid int, Zxid long, Time long, Type int,
// then the body of Type:
//
//	create        Path, Data buffer, ACL vector, Owner long, ParentCVersion int
//	delete        Path
//	setData       Path, Data buffer, Version int
//	setACL        Path, ACL vector, Version int
//	check         Path, Version int
//	createSession Timeout int
//	closeSession  Paths vector<ustring>
//	error         Err int
//	multi         count int, then per sub-txn Type int + body (no header)
type Txn struct {
	Session int64
	Cxid    int32
	Zxid    int64
	Time    int64
	Type    zkproto.Op

	Path           string
	Data           []byte
	ACL            []zkproto.ACL
	Owner          int64
	ParentCVersion int32
	Version        int32
	Timeout        int32
	Paths          []string
	Err            zkproto.Error
	Multi          []Txn

	// Stat is not encoded: Apply sets it to the node's Stat right after a
	// create, setData or setACL, which is what the reply (and a multi's
	// per-op result) must show even if later ops change the node.
	Stat zkproto.Stat
}

// Encode implements zkproto.Record.
func (x *Txn) Encode(e *zkproto.Encoder) {
	e.Long(x.Session)
	e.Int(x.Cxid)
	e.Long(x.Zxid)
	e.Long(x.Time)
	x.encodeBody(e)
}

func (x *Txn) encodeBody(e *zkproto.Encoder) {
	e.Int(int32(x.Type))
	switch x.Type {
	case zkproto.OpCreate:
		e.String(x.Path)
		e.Buffer(x.Data)
		zkproto.EncodeACLs(e, x.ACL)
		e.Long(x.Owner)
		e.Int(x.ParentCVersion)
	case zkproto.OpDelete:
		e.String(x.Path)
	case zkproto.OpSetData:
		e.String(x.Path)
		e.Buffer(x.Data)
		e.Int(x.Version)
	case zkproto.OpSetACL:
		e.String(x.Path)
		zkproto.EncodeACLs(e, x.ACL)
		e.Int(x.Version)
	case zkproto.OpCheck:
		e.String(x.Path)
		e.Int(x.Version)
	case zkproto.OpCreateSession:
		e.Int(x.Timeout)
	case zkproto.OpCloseSession:
		e.Strings(x.Paths)
	case zkproto.OpError:
		e.Int(int32(x.Err))
	case zkproto.OpMulti:
		e.Int(int32(len(x.Multi)))
		for i := range x.Multi {
			x.Multi[i].encodeBody(e)
		}
	}
}

// Decode implements zkproto.Record.
func (x *Txn) Decode(d *zkproto.Decoder) {
	x.Session = d.Long()
	x.Cxid = d.Int()
	x.Zxid = d.Long()
	x.Time = d.Long()
	x.decodeBody(d, true)
}

func (x *Txn) decodeBody(d *zkproto.Decoder, top bool) {
	x.Type = zkproto.Op(d.Int())
	switch x.Type {
	case zkproto.OpCreate:
		x.Path = d.String()
		x.Data = d.Buffer()
		x.ACL = zkproto.DecodeACLs(d)
		x.Owner = d.Long()
		x.ParentCVersion = d.Int()
	case zkproto.OpDelete:
		x.Path = d.String()
	case zkproto.OpSetData:
		x.Path = d.String()
		x.Data = d.Buffer()
		x.Version = d.Int()
	case zkproto.OpSetACL:
		x.Path = d.String()
		x.ACL = zkproto.DecodeACLs(d)
		x.Version = d.Int()
	case zkproto.OpCheck:
		x.Path = d.String()
		x.Version = d.Int()
	case zkproto.OpCreateSession:
		x.Timeout = d.Int()
	case zkproto.OpCloseSession:
		x.Paths = d.Strings()
	case zkproto.OpError:
		x.Err = zkproto.Error(d.Int())
	case zkproto.OpMulti:
		if !top {
			d.Err = fmt.Errorf("%w: nested multi", zkproto.ErrCorrupt)
			return
		}
		n := d.VectorLen(4)
		if n < 0 {
			n = 0
		}
		x.Multi = make([]Txn, n)
		for i := range x.Multi {
			x.Multi[i].decodeBody(d, false)
		}
	default:
		if d.Err == nil {
			d.Err = fmt.Errorf("%w: txn type %d", zkproto.ErrCorrupt, x.Type)
		}
	}
}

// IsWrite reports whether op changes state and therefore takes a zxid,
// even when it fails.
func IsWrite(op zkproto.Op) bool {
	switch op {
	case zkproto.OpCreate, zkproto.OpCreate2, zkproto.OpCreateContainer, zkproto.OpCreateTTL,
		zkproto.OpDelete, zkproto.OpSetData, zkproto.OpSetACL, zkproto.OpMulti,
		zkproto.OpCreateSession, zkproto.OpCloseSession, zkproto.OpReconfig, zkproto.OpDeleteContainer:
		return true
	}
	return false
}
