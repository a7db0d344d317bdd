package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/zkproto"
)

// outMsg is one framed message waiting to be written. need is the zxid
// that must be durable before it may leave (0 for none).
type outMsg struct {
	b       []byte
	need    int64
	counted bool      // holds a globalOutstandingLimit slot
	close   bool      // close the connection after writing it
	start   time.Time // request arrival, for latency stats (zero for events)
	op      zkproto.Op
}

// conn is one client connection. Its reader goroutine handles requests one
// at a time, in arrival order, and its writer goroutine sends replies and
// events in queue order, so replies leave in request order.
type conn struct {
	s      *Server
	nc     net.Conn
	id     int64
	ip     string
	log    *logrus.Entry
	auth   tree.Auth
	estab  time.Time
	closed chan struct{}
	once   sync.Once
	// unlistOnce guards leaving Server.conns (close or connGone).
	unlistOnce sync.Once

	// Set by the reader during the handshake; read by 4lw under db.mu.
	sessionID atomic.Int64
	timeout   atomic.Int32

	outMu   sync.Mutex
	out     []outMsg
	outDone bool // the writer has exited; further messages are dropped
	outSig  chan struct{}
	writerW sync.WaitGroup

	stats connStats
}

func newConn(s *Server, nc net.Conn, id int64) *conn {
	ip, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	c := &conn{
		s: s, nc: nc, id: id, ip: ip, estab: time.Now(),
		closed: make(chan struct{}), outSig: make(chan struct{}, 1),
		log: s.log.WithField("remote_addr", nc.RemoteAddr().String()),
	}
	c.auth.IDs = []zkproto.ID{{Scheme: "ip", ID: ip}}
	c.stats.minLat.Store(-1)
	return c
}

// Order gives watch delivery a stable order between connections.
func (c *conn) Order() int64 { return c.id }

// serve runs the connection until it ends.
func (c *conn) serve() {
	c.writerW.Add(1)
	go c.writeLoop()
	graceful := c.readLoop()
	if graceful {
		// Let the writer send what is queued (a final reply) and close the
		// connection itself when it reaches this marker.
		c.enqueue(outMsg{close: true})
		done := make(chan struct{})
		go func() { c.writerW.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	c.close()
	c.writerW.Wait()
	c.s.connGone(c)
}

// close shuts the connection down; safe to call from any goroutine.
func (c *conn) close() {
	c.once.Do(func() {
		close(c.closed)
		c.nc.Close()
	})
}

// readLoop performs the handshake and then handles requests until the
// connection fails. It returns true when the connection should close only
// after queued messages are written (closeSession, a refused reconnect).
func (c *conn) readLoop() bool {
	r := bufio.NewReaderSize(c.nc, 64<<10)
	ok, graceful := c.handshake(r)
	if !ok {
		return graceful
	}
	var buf []byte
	max := c.s.cfg.JuteMaxBuffer
	for {
		frame, err := zkproto.ReadFrame(r, max, buf)
		if err != nil {
			c.logReadError(err)
			return false
		}
		buf = frame[:0]
		if !c.safeHandle(frame) {
			return true
		}
	}
}

// safeHandle handles a frame and turns a panic into a closed connection
// with an Error log line: a bug triggered by one client must not take the
// server, and every other session, down with it.
func (c *conn) safeHandle(frame []byte) (keep bool) {
	defer func() {
		if p := recover(); p != nil {
			c.log.WithField("panic", p).WithField("stack", string(debug.Stack())).
				Error("request handler panicked; closing connection")
			c.close()
			keep = false
		}
	}()
	return c.handle(frame)
}

func (c *conn) logReadError(err error) {
	switch {
	case errors.Is(err, zkproto.ErrFrameTooLarge):
		c.log.WithField("max", c.s.cfg.JuteMaxBuffer).Warn("closing connection: frame length out of range (jute.maxbuffer)")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		c.log.Debug("connection closed by client")
	default:
		c.log.WithError(err).Debug("connection read failed")
	}
}

// handshake reads the first frame: a four-letter word or a ConnectRequest.
func (c *conn) handshake(r *bufio.Reader) (ok, graceful bool) {
	c.nc.SetReadDeadline(time.Now().Add(sessionlessTimeout))
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return false, false
	}
	if cmd := string(hdr[:]); isFourLetterWord(cmd) {
		c.s.fourLetter(c, cmd)
		return false, true
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || int(n) > c.s.cfg.JuteMaxBuffer {
		c.log.WithField("len", n).Warn("closing connection: bad connect frame length")
		return false, false
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return false, false
	}
	var req zkproto.ConnectRequest
	d := zkproto.NewDecoder(body)
	req.Decode(d)
	if d.Err != nil {
		c.log.WithError(d.Err).Warn("closing connection: malformed connect request")
		return false, false
	}
	c.nc.SetReadDeadline(time.Time{})
	c.stats.recv.Add(1)
	return c.s.connect(c, &req)
}

// enqueue queues a framed message for the writer.
func (c *conn) enqueue(m outMsg) {
	c.outMu.Lock()
	if c.outDone {
		c.outMu.Unlock()
		if m.counted {
			c.s.release()
		}
		return
	}
	c.out = append(c.out, m)
	c.outMu.Unlock()
	select {
	case c.outSig <- struct{}{}:
	default:
	}
}

// reply frames a reply header and optional body and queues it.
func (c *conn) reply(h zkproto.ReplyHeader, body zkproto.Record, need int64, start time.Time, op zkproto.Op) {
	var b []byte
	if body != nil && h.Err == 0 {
		b = zkproto.AppendFrame(nil, &h, body)
	} else {
		b = zkproto.AppendFrame(nil, &h)
	}
	c.enqueue(outMsg{b: b, need: need, counted: true, start: start, op: op})
}

// sendEvent queues a watch notification. It is called with db.mu held.
func (c *conn) sendEvent(typ int32, path string, zxid int64) {
	h := zkproto.ReplyHeader{Xid: zkproto.XidWatchEvent, Zxid: -1}
	ev := zkproto.WatcherEvent{Type: typ, State: zkproto.StateSyncConnected, Path: path}
	c.enqueue(outMsg{b: zkproto.AppendFrame(nil, &h, &ev), need: zxid})
}

func (c *conn) writeLoop() {
	defer c.writerW.Done()
	defer c.drainOut()
	w := bufio.NewWriterSize(c.nc, 64<<10)
	var batch []outMsg
	for {
		select {
		case <-c.outSig:
		case <-c.closed:
			return
		}
		c.outMu.Lock()
		batch, c.out = c.out, batch[:0]
		c.outMu.Unlock()
		for i := range batch {
			if !c.writeOne(w, &batch[i]) {
				c.releaseBatch(batch[i:])
				return
			}
		}
		if err := w.Flush(); err != nil {
			return
		}
		if n := len(batch); n > 0 && batch[n-1].close {
			c.closeAfterReply()
			return
		}
	}
}

// writeOne waits until m may leave and writes it.
func (c *conn) writeOne(w *bufio.Writer, m *outMsg) bool {
	if m.need > c.s.db.durable.Load() {
		if err := w.Flush(); err != nil {
			return false
		}
		if !c.s.db.waitDurable(m.need, c.closed) {
			return false
		}
	}
	if _, err := w.Write(m.b); err != nil {
		return false
	}
	if m.counted {
		c.s.release()
		m.counted = false
		c.stats.record(m.start, m.op)
		c.s.stats.record(m.start)
	}
	c.stats.sent.Add(1)
	c.s.stats.sent.Add(1)
	if m.close {
		w.Flush()
		c.closeAfterReply()
		return false
	}
	return true
}

// closeAfterReply closes the connection after its last reply (a 4lw,
// closeSession), leaving the connection table first: a client that sees
// the close and connects again must not find the old connection still
// listed by cons or counted against maxClientCnxns. The writer holds no
// db lock here (connMu is never held with db.mu).
func (c *conn) closeAfterReply() {
	c.s.unlist(c)
	c.close()
}

func (c *conn) releaseBatch(ms []outMsg) {
	for _, m := range ms {
		if m.counted {
			c.s.release()
		}
	}
}

// drainOut marks the writer gone and releases the slots of unsent replies.
func (c *conn) drainOut() {
	c.outMu.Lock()
	c.outDone = true
	rest := c.out
	c.out = nil
	c.outMu.Unlock()
	c.releaseBatch(rest)
}

// connStats are the per-connection numbers cons and stat print.
type connStats struct {
	recv, sent            atomic.Int64
	minLat, maxLat        atomic.Int64
	totLat, count         atomic.Int64
	lastOp                atomic.Value // string
	lastCxid, lastZxid    atomic.Int64
	lastResp, lastLatency atomic.Int64
}

func (st *connStats) record(start time.Time, op zkproto.Op) {
	if start.IsZero() {
		return
	}
	lat := time.Since(start).Milliseconds()
	st.count.Add(1)
	st.totLat.Add(lat)
	st.lastLatency.Store(lat)
	st.lastResp.Store(time.Now().UnixMilli())
	st.lastOp.Store(lastOpName(op))
	for {
		cur := st.minLat.Load()
		if cur >= 0 && cur <= lat || st.minLat.CompareAndSwap(cur, lat) {
			break
		}
	}
	for {
		cur := st.maxLat.Load()
		if cur >= lat || st.maxLat.CompareAndSwap(cur, lat) {
			break
		}
	}
}

func (st *connStats) reset() {
	st.recv.Store(0)
	st.sent.Store(0)
	st.minLat.Store(-1)
	st.maxLat.Store(0)
	st.totLat.Store(0)
	st.count.Store(0)
}
