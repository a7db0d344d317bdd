package server

import (
	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/zkproto"
)

// respondFn builds the success reply from the applied transaction.
type respondFn func(applied *tree.Txn) zkproto.Record

// writeFn prepares a transaction against the tree. It returns the txn and
// a function that builds the success reply once the txn is applied.
type writeFn func(p *tree.Prep) (tree.Txn, respondFn, error)

// write runs one write request through the commit pipeline: prepare,
// take a zxid (failures too: they commit an error txn, as in ZooKeeper),
// apply, append, fire watches and queue the reply behind durability.
func (c *conn) write(r *request, fn writeFn) {
	d := c.s.db
	d.mu.Lock()
	defer d.mu.Unlock()
	txn, respond, err := fn(d.tree.NewPrep(c.s.cfg.ExtendedTypesEnabled))
	code := errCode(err)
	if code != 0 {
		txn = tree.Txn{Type: zkproto.OpError, Err: code}
	}
	c.s.stamp(&txn, c.sessionID.Load(), r.h.Xid)
	if err := d.commit(&txn); err != nil {
		c.s.fatal(err)
		return
	}
	c.stats.lastZxid.Store(txn.Zxid)
	var body zkproto.Record
	if code == 0 && respond != nil {
		body = respond(&txn)
	}
	c.reply(zkproto.ReplyHeader{Xid: r.h.Xid, Zxid: txn.Zxid, Err: code}, body, txn.Zxid, r.start, r.h.Op)
}

// stamp fills a transaction's header with the next zxid. db.mu must be held.
func (s *Server) stamp(txn *tree.Txn, session int64, cxid int32) {
	txn.Zxid = s.db.nextZxid()
	txn.Time = s.wallMs()
	txn.Session = session
	txn.Cxid = cxid
}

func handleCreate(c *conn, r *request) bool {
	var a tree.CreateArgs
	var decErr error
	a.Op = r.h.Op
	if r.h.Op == zkproto.OpCreateTTL {
		var req zkproto.CreateTTLRequest
		decErr = decode(r, &req)
		a.Path, a.Data, a.ACL, a.Flags, a.TTL = req.Path, req.Data, req.ACL, req.Flags, req.TTL
	} else {
		var req zkproto.CreateRequest
		decErr = decode(r, &req)
		a.Path, a.Data, a.ACL, a.Flags, a.TTL = req.Path, req.Data, req.ACL, req.Flags, -1
	}
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		if decErr != nil {
			return tree.Txn{}, nil, decErr
		}
		txn, err := p.Create(a, c.sessionID.Load(), &c.auth)
		return txn, func(t *tree.Txn) zkproto.Record { return createResponse(r.h.Op, t) }, err
	})
	return true
}

// createResponse builds the reply of a create: the path alone for create,
// the path and Stat for create2, createContainer and createTTL.
func createResponse(op zkproto.Op, txn *tree.Txn) zkproto.Record {
	if op == zkproto.OpCreate {
		return &zkproto.CreateResponse{Path: txn.Path}
	}
	return &zkproto.Create2Response{Path: txn.Path, Stat: txn.Stat}
}

func handleDelete(c *conn, r *request) bool {
	var req zkproto.DeleteRequest
	decErr := decode(r, &req)
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		if decErr != nil {
			return tree.Txn{}, nil, decErr
		}
		txn, err := p.Delete(req.Path, req.Version, &c.auth)
		return txn, nil, err
	})
	return true
}

func handleSetData(c *conn, r *request) bool {
	var req zkproto.SetDataRequest
	decErr := decode(r, &req)
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		if decErr != nil {
			return tree.Txn{}, nil, decErr
		}
		txn, err := p.SetData(req.Path, req.Data, req.Version, &c.auth)
		return txn, func(t *tree.Txn) zkproto.Record { return &zkproto.SetDataResponse{Stat: t.Stat} }, err
	})
	return true
}

func handleSetACL(c *conn, r *request) bool {
	var req zkproto.SetACLRequest
	decErr := decode(r, &req)
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		if decErr != nil {
			return tree.Txn{}, nil, decErr
		}
		txn, err := p.SetACL(req.Path, req.ACL, req.Version, &c.auth)
		return txn, func(t *tree.Txn) zkproto.Record { return &zkproto.SetACLResponse{Stat: t.Stat} }, err
	})
	return true
}

// handleReconfig refuses dynamic reconfiguration: Samsa runs standalone,
// and ZooKeeper answers ReconfigDisabled unless reconfigEnabled is set.
func handleReconfig(c *conn, r *request) bool {
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		if c.s.cfg.ReconfigEnabled {
			return tree.Txn{}, nil, zkproto.ErrUnimplemented
		}
		return tree.Txn{}, nil, zkproto.ErrReconfigDisabled
	})
	return true
}

func handleCloseSession(c *conn, r *request) bool {
	d := c.s.db
	d.mu.Lock()
	zxid := c.s.closeSessionLocked(c.sessionID.Load(), r.h.Xid)
	d.mu.Unlock()
	h := zkproto.ReplyHeader{Xid: r.h.Xid, Zxid: zxid}
	c.enqueue(outMsg{b: zkproto.AppendFrame(nil, &h), need: zxid, counted: true, close: true,
		start: r.start, op: r.h.Op})
	return false
}

// closeSessionLocked commits a closeSession for id, deleting its ephemerals
// in one transaction, and returns its zxid. db.mu must be held.
func (s *Server) closeSessionLocked(id int64, cxid int32) int64 {
	d := s.db
	s.sessMu.Lock()
	d.sessions.SetClosing(id)
	s.sessMu.Unlock()
	txn := tree.Txn{Type: zkproto.OpCloseSession, Paths: d.tree.SessionPaths(id)}
	s.stamp(&txn, id, cxid)
	if err := d.commit(&txn); err != nil {
		s.fatal(err)
		return txn.Zxid
	}
	s.sessMu.Lock()
	d.sessions.Remove(id)
	s.sessMu.Unlock()
	return txn.Zxid
}
