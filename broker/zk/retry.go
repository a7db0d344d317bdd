package zk

import (
	"errors"
	"time"

	gozk "github.com/go-zookeeper/zk"
)

// rconn is a go-zookeeper connection whose calls are retried after a
// connection loss while the session may still be alive, as Kafka's
// KafkaZkClient.retryRequestsUntilConnected does: losing the TCP
// connection is routine (the client reconnects within the session
// timeout); only an expired session is fatal. A write whose reply was lost
// is sent again, so callers treat NodeExists / BadVersion after a retry as
// Kafka does (re-read and compare).
type rconn struct {
	c    *Client
	conn *gozk.Conn
}

// retryPause is the wait between attempts while reconnecting.
const retryPause = 50 * time.Millisecond

func transient(err error) bool {
	return errors.Is(err, gozk.ErrConnectionClosed) || errors.Is(err, gozk.ErrNoServer)
}

// do runs op until it succeeds, fails for another reason, or the session
// timeout passes without a working connection.
func (r *rconn) do(op func(conn *gozk.Conn) error) error {
	deadline := time.Now().Add(r.c.sessionTimeout)
	for {
		err := op(r.conn)
		if !transient(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-r.c.quit:
			return err
		case <-time.After(retryPause):
		}
		conn, cerr := r.c.current()
		if cerr != nil {
			return err
		}
		r.conn = conn
	}
}

func (r *rconn) SessionID() int64 { return r.conn.SessionID() }

func (r *rconn) Get(p string) (d []byte, s *gozk.Stat, err error) {
	err = r.do(func(c *gozk.Conn) error { d, s, err = c.Get(p); return err })
	return d, s, err
}

func (r *rconn) GetW(p string) (d []byte, s *gozk.Stat, w <-chan gozk.Event, err error) {
	err = r.do(func(c *gozk.Conn) error { d, s, w, err = c.GetW(p); return err })
	return d, s, w, err
}

func (r *rconn) Exists(p string) (ok bool, s *gozk.Stat, err error) {
	err = r.do(func(c *gozk.Conn) error { ok, s, err = c.Exists(p); return err })
	return ok, s, err
}

func (r *rconn) ExistsW(p string) (ok bool, s *gozk.Stat, w <-chan gozk.Event, err error) {
	err = r.do(func(c *gozk.Conn) error { ok, s, w, err = c.ExistsW(p); return err })
	return ok, s, w, err
}

func (r *rconn) Children(p string) (kids []string, s *gozk.Stat, err error) {
	err = r.do(func(c *gozk.Conn) error { kids, s, err = c.Children(p); return err })
	return kids, s, err
}

func (r *rconn) ChildrenW(p string) (kids []string, s *gozk.Stat, w <-chan gozk.Event, err error) {
	err = r.do(func(c *gozk.Conn) error { kids, s, w, err = c.ChildrenW(p); return err })
	return kids, s, w, err
}

func (r *rconn) Create(p string, data []byte, flags int32, acl []gozk.ACL) (path string, err error) {
	err = r.do(func(c *gozk.Conn) error { path, err = c.Create(p, data, flags, acl); return err })
	return path, err
}

func (r *rconn) Set(p string, data []byte, version int32) (s *gozk.Stat, err error) {
	err = r.do(func(c *gozk.Conn) error { s, err = c.Set(p, data, version); return err })
	return s, err
}

func (r *rconn) Delete(p string, version int32) error {
	return r.do(func(c *gozk.Conn) error { return c.Delete(p, version) })
}

func (r *rconn) Multi(ops ...any) (res []gozk.MultiResponse, err error) {
	err = r.do(func(c *gozk.Conn) error { res, err = c.Multi(ops...); return err })
	return res, err
}
