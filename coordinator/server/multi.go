package server

import (
	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/zkproto"
)

// handleMulti runs a multi atomically: every op is prepared against the
// changes of the ops before it; if one fails, nothing applies and the
// results carry 0 before the failing op, its error, and
// RuntimeInconsistency after it. The reply header's err stays 0, as in
// ZooKeeper; clients read the per-op errors.
func handleMulti(c *conn, r *request) bool {
	var req zkproto.MultiRequest
	err := decode(r, &req)
	if err == nil && !multiOf(req.Ops, false) {
		err = zkproto.ErrMarshallingError
	}
	if err != nil {
		c.write(r, func(*tree.Prep) (tree.Txn, respondFn, error) { return tree.Txn{}, nil, err })
		return true
	}
	c.write(r, func(p *tree.Prep) (tree.Txn, respondFn, error) {
		subs, failed := c.prepMulti(p, req.Ops)
		txn := tree.Txn{Type: zkproto.OpMulti, Multi: subs}
		return txn, func(t *tree.Txn) zkproto.Record { return multiResponse(req.Ops, t.Multi, failed) }, nil
	})
	return true
}

// multiOf reports whether every op belongs to a write multi (read=false)
// or to a multiRead (read=true); mixing is a marshalling error.
func multiOf(ops []zkproto.MultiOp, read bool) bool {
	for _, op := range ops {
		isRead := op.Op == zkproto.OpGetData || op.Op == zkproto.OpGetChildren
		if isRead != read {
			return false
		}
	}
	return true
}

func (c *conn) prepMulti(p *tree.Prep, ops []zkproto.MultiOp) ([]tree.Txn, bool) {
	subs := make([]tree.Txn, len(ops))
	failAt := -1
	for i, op := range ops {
		if failAt >= 0 {
			subs[i] = tree.Txn{Type: zkproto.OpError, Err: zkproto.ErrRuntimeInconsistency}
			continue
		}
		txn, err := c.prepOne(p, op)
		if code := errCode(err); code != 0 {
			failAt = i
			subs[i] = tree.Txn{Type: zkproto.OpError, Err: code}
			continue
		}
		subs[i] = txn
	}
	for i := 0; i < failAt; i++ {
		subs[i] = tree.Txn{Type: zkproto.OpError, Err: zkproto.ErrOK}
	}
	return subs, failAt >= 0
}

func (c *conn) prepOne(p *tree.Prep, op zkproto.MultiOp) (tree.Txn, error) {
	sid := c.sessionID.Load()
	switch req := op.Req.(type) {
	case *zkproto.CreateRequest:
		return p.Create(tree.CreateArgs{Op: op.Op, Path: req.Path, Data: req.Data, ACL: req.ACL,
			Flags: req.Flags, TTL: -1}, sid, &c.auth)
	case *zkproto.CreateTTLRequest:
		return p.Create(tree.CreateArgs{Op: op.Op, Path: req.Path, Data: req.Data, ACL: req.ACL,
			Flags: req.Flags, TTL: req.TTL}, sid, &c.auth)
	case *zkproto.DeleteRequest:
		return p.Delete(req.Path, req.Version, &c.auth)
	case *zkproto.SetDataRequest:
		return p.SetData(req.Path, req.Data, req.Version, &c.auth)
	case *zkproto.CheckVersionRequest:
		return p.Check(req.Path, req.Version, &c.auth)
	}
	return tree.Txn{}, zkproto.ErrMarshallingError
}

// multiResponse builds the per-op results after the multi is applied.
func multiResponse(ops []zkproto.MultiOp, subs []tree.Txn, failed bool) zkproto.Record {
	resp := &zkproto.MultiResponse{Results: make([]zkproto.MultiResult, len(subs))}
	for i, sub := range subs {
		if failed {
			resp.Results[i] = zkproto.MultiResult{Op: zkproto.OpError, Err: sub.Err,
				Resp: &zkproto.ErrorResponse{Err: sub.Err}}
			continue
		}
		resp.Results[i] = multiResult(ops[i].Op, &subs[i])
	}
	return resp
}

func multiResult(op zkproto.Op, sub *tree.Txn) zkproto.MultiResult {
	switch op {
	case zkproto.OpCreate, zkproto.OpCreate2:
		// Plain creates answer as type 1 even for create2: kazoo and
		// go-zookeeper cannot parse a type-15 result here.
		return zkproto.MultiResult{Op: zkproto.OpCreate, Resp: &zkproto.CreateResponse{Path: sub.Path}}
	case zkproto.OpCreateContainer, zkproto.OpCreateTTL:
		return zkproto.MultiResult{Op: zkproto.OpCreate2,
			Resp: &zkproto.Create2Response{Path: sub.Path, Stat: sub.Stat}}
	case zkproto.OpSetData:
		return zkproto.MultiResult{Op: zkproto.OpSetData, Resp: &zkproto.SetDataResponse{Stat: sub.Stat}}
	}
	return zkproto.MultiResult{Op: op}
}

// handleMultiRead answers getData and getChildren sub-ops from one
// consistent view; failures are per op.
func handleMultiRead(c *conn, r *request) bool {
	var req zkproto.MultiRequest
	err := decode(r, &req)
	if err == nil && !multiOf(req.Ops, true) {
		err = zkproto.ErrMarshallingError
	}
	c.read(r, func() (zkproto.Record, error) {
		if err != nil {
			return nil, err
		}
		resp := &zkproto.MultiResponse{Results: make([]zkproto.MultiResult, len(req.Ops))}
		for i, op := range req.Ops {
			resp.Results[i] = c.readOne(op)
		}
		return resp, nil
	})
	return true
}

func (c *conn) readOne(op zkproto.MultiOp) zkproto.MultiResult {
	t := c.s.db.tree
	var path string
	switch req := op.Req.(type) {
	case *zkproto.GetDataRequest:
		path = req.Path
	case *zkproto.GetChildrenRequest:
		path = req.Path
	}
	n := t.Get(path)
	code := zkproto.ErrOK
	switch {
	case n == nil:
		code = zkproto.ErrNoNode
	case !tree.CheckACL(n.ACL, zkproto.PermRead, &c.auth):
		code = zkproto.ErrNoAuth
	}
	if code != 0 {
		return zkproto.MultiResult{Op: zkproto.OpError, Err: code, Resp: &zkproto.ErrorResponse{Err: code}}
	}
	if op.Op == zkproto.OpGetData {
		return zkproto.MultiResult{Op: op.Op, Resp: &zkproto.GetDataResponse{Data: n.Data, Stat: n.Stat()}}
	}
	return zkproto.MultiResult{Op: op.Op, Resp: &zkproto.GetChildrenResponse{Children: t.Children(path)}}
}
