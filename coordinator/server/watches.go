package server

import (
	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/coordinator/watch"
	"github.com/samsa-kafka/samsa/zkproto"
)

// handleSetWatches re-arms watches after a reconnect. Anything that changed
// after relativeZxid fires at once, before the reply, exactly as
// DataTree.setWatches does; the rest is registered.
func handleSetWatches(c *conn, r *request) bool {
	var w zkproto.SetWatches2
	var err error
	if r.h.Op == zkproto.OpSetWatches {
		var w1 zkproto.SetWatches
		err = decode(r, &w1)
		w = zkproto.SetWatches2{RelativeZxid: w1.RelativeZxid, DataWatches: w1.DataWatches,
			ExistWatches: w1.ExistWatches, ChildWatches: w1.ChildWatches}
	} else {
		err = decode(r, &w)
	}
	c.read(r, func() (zkproto.Record, error) {
		if err != nil {
			return nil, err
		}
		c.rearm(&w)
		return nil, nil
	})
	return true
}

// rearm applies SetWatches semantics; db.mu must be held (shared).
func (c *conn) rearm(w *zkproto.SetWatches2) {
	t := c.s.db.tree
	now := t.LastZxid
	for _, p := range w.DataWatches {
		switch n := t.Get(p); {
		case n == nil:
			c.sendEvent(zkproto.EventNodeDeleted, p, now)
		case n.Mzxid > w.RelativeZxid:
			c.sendEvent(zkproto.EventNodeDataChanged, p, now)
		default:
			c.addWatch(p, watch.Data)
		}
	}
	for _, p := range w.ExistWatches {
		if t.Get(p) != nil {
			c.sendEvent(zkproto.EventNodeCreated, p, now)
		} else {
			c.addWatch(p, watch.Data)
		}
	}
	for _, p := range w.ChildWatches {
		switch n := t.Get(p); {
		case n == nil:
			c.sendEvent(zkproto.EventNodeDeleted, p, now)
		case n.Pzxid > w.RelativeZxid:
			c.sendEvent(zkproto.EventNodeChildrenChanged, p, now)
		default:
			c.addWatch(p, watch.Child)
		}
	}
	for _, p := range w.PersistentWatches {
		c.addWatch(p, watch.Persistent)
	}
	for _, p := range w.PersistentRecursiveWatches {
		c.addWatch(p, watch.Recursive)
	}
}

// handleAddWatch adds a persistent (mode 0) or persistent-recursive (mode 1)
// watch. Its reply body is an ErrorResponse carrying 0.
func handleAddWatch(c *conn, r *request) bool {
	var req zkproto.AddWatchRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		switch req.Mode {
		case zkproto.AddWatchPersistent:
			c.addWatch(req.Path, watch.Persistent)
		case zkproto.AddWatchPersistentRecursive:
			c.addWatch(req.Path, watch.Recursive)
		default:
			// WatcherMode.fromZooDef throws, which ZooKeeper reports as a
			// marshalling error.
			return nil, zkproto.ErrMarshallingError
		}
		return &zkproto.ErrorResponse{Err: 0}, nil
	})
	return true
}

func handleRemoveWatches(c *conn, r *request) bool {
	var req zkproto.RemoveWatchesRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		d := c.s.db
		d.wmu.Lock()
		ok := d.watches.Remove(req.Path, c, req.Type)
		d.wmu.Unlock()
		if !ok {
			return nil, zkproto.ErrNoWatcher
		}
		return nil, nil
	})
	return true
}

func handleCheckWatches(c *conn, r *request) bool {
	var req zkproto.CheckWatchesRequest
	decErr := decode(r, &req)
	c.read(r, func() (zkproto.Record, error) {
		if decErr != nil {
			return nil, decErr
		}
		d := c.s.db
		d.wmu.Lock()
		ok := d.watches.Has(req.Path, c, req.Type)
		d.wmu.Unlock()
		if !ok {
			return nil, zkproto.ErrNoWatcher
		}
		return nil, nil
	})
	return true
}

// handleAuth implements addauth. digest adds digest:user:hash (and super
// when it matches superDigest); ip is accepted as a no-op; any other scheme
// fails the auth and closes the connection, as ZooKeeper does.
func handleAuth(c *conn, r *request) bool {
	var req zkproto.AuthPacket
	err := decode(r, &req)
	code := zkproto.ErrOK
	switch {
	case err != nil:
		code = zkproto.ErrAuthFailed
	case req.Scheme == "digest":
		id := tree.Digest(string(req.Auth))
		if c.s.cfg.SuperDigest != "" && id == c.s.cfg.SuperDigest {
			c.auth.Super = true
			c.auth.IDs = append(c.auth.IDs, zkproto.ID{Scheme: "super"})
		}
		c.auth.IDs = append(c.auth.IDs, zkproto.ID{Scheme: "digest", ID: id})
	case req.Scheme == "ip":
	default:
		code = zkproto.ErrAuthFailed
	}
	c.reply(zkproto.ReplyHeader{Xid: r.h.Xid, Err: code}, nil, 0, r.start, r.h.Op)
	if code != 0 {
		c.s.stats.authFailed.Add(1)
		c.log.WithField("scheme", req.Scheme).Warn("authentication failed; closing connection")
		return false
	}
	return true
}

// authIDs lists the identities whoAmI reports (super included, with an
// empty user, as ZooKeeper lists it).
func (c *conn) authIDs() []zkproto.ID { return c.auth.IDs }
