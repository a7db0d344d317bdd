package server

import (
	"strings"

	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/coordinator/watch"
	"github.com/samsa-kafka/samsa/zkproto"
)

// read serves a read under the shared lock. The reply carries the last
// applied zxid and waits until that zxid is durable, so a read never
// reveals state that a crash could take back. It is queued before the
// lock is released: a write that fires a watch this read just set must
// queue its event after this reply, or clients (which arm the watcher
// when the reply arrives) drop the event.
func (c *conn) read(r *request, fn func() (zkproto.Record, error)) {
	d := c.s.db
	d.mu.RLock()
	defer d.mu.RUnlock()
	body, err := fn()
	zxid := d.tree.LastZxid
	c.reply(zkproto.ReplyHeader{Xid: r.h.Xid, Zxid: zxid, Err: errCode(err)}, body, zxid, r.start, r.h.Op)
}

// addWatch registers a watch; db.mu must be held (shared is enough).
func (c *conn) addWatch(path string, k watch.Kind) {
	d := c.s.db
	d.wmu.Lock()
	d.watches.Add(path, c, k)
	d.wmu.Unlock()
}

// readable returns the node at path if it exists and auth grants perm.
func (c *conn) readable(path string, perm int32) (*tree.Node, error) {
	n := c.s.db.tree.Get(path)
	if n == nil {
		return nil, zkproto.ErrNoNode
	}
	if !tree.CheckACL(n.ACL, perm, &c.auth) {
		return nil, zkproto.ErrNoAuth
	}
	return n, nil
}

func handleExists(c *conn, r *request) bool {
	var req zkproto.ExistsRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		if strings.IndexByte(req.Path, 0) >= 0 {
			return nil, zkproto.ErrBadArguments
		}
		// exists has no ACL check, and its watch is set even on a missing
		// node: that is how clients wait for a create.
		if req.Watch {
			c.addWatch(req.Path, watch.Data)
		}
		n := c.s.db.tree.Get(req.Path)
		if n == nil {
			return nil, zkproto.ErrNoNode
		}
		return &zkproto.ExistsResponse{Stat: n.Stat()}, nil
	})
	return true
}

func handleGetData(c *conn, r *request) bool {
	var req zkproto.GetDataRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		n, err := c.readable(req.Path, zkproto.PermRead)
		if err != nil {
			return nil, err
		}
		if req.Watch {
			c.addWatch(req.Path, watch.Data)
		}
		return &zkproto.GetDataResponse{Data: n.Data, Stat: n.Stat()}, nil
	})
	return true
}

// handleGetChildren serves getChildren (names) and getChildren2 (names and
// Stat); both request records have the same layout.
func handleGetChildren(c *conn, r *request) bool {
	var req zkproto.GetChildrenRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		n, err := c.readable(req.Path, zkproto.PermRead)
		if err != nil {
			return nil, err
		}
		if req.Watch {
			c.addWatch(req.Path, watch.Child)
		}
		kids := c.s.db.tree.Children(req.Path)
		if r.h.Op == zkproto.OpGetChildren {
			return &zkproto.GetChildrenResponse{Children: kids}, nil
		}
		return &zkproto.GetChildren2Response{Children: kids, Stat: n.Stat()}, nil
	})
	return true
}

// handleGetACL needs READ or ADMIN; without ADMIN digest hashes are masked.
func handleGetACL(c *conn, r *request) bool {
	var req zkproto.GetACLRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		n, err := c.readable(req.Path, zkproto.PermRead|zkproto.PermAdmin)
		if err != nil {
			return nil, err
		}
		acl := n.ACL
		if !tree.CheckACL(n.ACL, zkproto.PermAdmin, &c.auth) {
			acl = tree.MaskDigests(acl)
		}
		return &zkproto.GetACLResponse{ACL: acl, Stat: n.Stat()}, nil
	})
	return true
}

// handleSync answers once everything before it is durable, which the reply
// ordering already guarantees on a standalone server.
func handleSync(c *conn, r *request) bool {
	var req zkproto.SyncRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		return &zkproto.SyncResponse{Path: req.Path}, nil
	})
	return true
}

// handleGetEphemerals lists the caller's ephemerals whose path starts with
// the prefix (a string prefix, not a path prefix, as in ZooKeeper).
func handleGetEphemerals(c *conn, r *request) bool {
	var req zkproto.GetEphemeralsRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		all := c.s.db.tree.Ephemerals(c.sessionID.Load())
		out := make([]string, 0, len(all))
		for _, p := range all {
			if req.PrefixPath == "" || req.PrefixPath == "/" || strings.HasPrefix(p, req.PrefixPath) {
				out = append(out, p)
			}
		}
		return &zkproto.GetEphemeralsResponse{Ephemerals: out}, nil
	})
	return true
}

func handleGetAllChildrenNumber(c *conn, r *request) bool {
	var req zkproto.GetAllChildrenNumberRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		if _, err := c.readable(req.Path, zkproto.PermRead); err != nil {
			return nil, err
		}
		n := c.s.db.tree.CountDescendants(req.Path)
		return &zkproto.GetAllChildrenNumberResponse{TotalNumber: int32(n)}, nil
	})
	return true
}

// handleWhoAmI lists the connection's identities: ip first, then digest
// users (the user part only).
func handleWhoAmI(c *conn, r *request) bool {
	c.read(r, func() (zkproto.Record, error) {
		resp := &zkproto.WhoAmIResponse{}
		for _, id := range tree.JavaIDOrder(c.authIDs()) {
			user := id.ID
			if id.Scheme == "digest" {
				user, _, _ = strings.Cut(id.ID, ":")
			}
			resp.ClientInfo = append(resp.ClientInfo, zkproto.ClientInfo{AuthScheme: id.Scheme, User: user})
		}
		return resp, nil
	})
	return true
}
