// Package zkrobust holds robustness tests for the coordinator: crashes
// under load (SIGKILL, then recovery), damaged transaction logs and
// snapshots, hostile or malformed client input, and four-letter-word
// edge cases. Where the expected behaviour is the same for Apache
// ZooKeeper and the test is cheap, it runs against every kind that
// zkharness.Kinds reports, so Apache serves as the oracle.
package zkrobust

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
	"github.com/samsa-kafka/samsa/zkproto"
)

// ioTimeout bounds every single read or write of the raw client.
const ioTimeout = 5 * time.Second

// rawConn is a hand-driven client connection: it writes exactly the bytes
// a test asks for and reads frames with zkproto.
type rawConn struct {
	t   testing.TB
	nc  net.Conn
	r   *bufio.Reader
	xid int32
}

func newReader(nc net.Conn) *bufio.Reader { return bufio.NewReader(nc) }

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// write sends b; the error matters only to tests that expect the server to
// hang up while they write.
func (c *rawConn) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err := c.nc.Write(b)
	return err
}

func (c *rawConn) mustWrite(b []byte) {
	c.t.Helper()
	if err := c.write(b); err != nil {
		c.t.Fatalf("write %d bytes: %v", len(b), err)
	}
}

// closeWrite half-closes the connection: the server reads EOF.
func (c *rawConn) closeWrite() {
	c.t.Helper()
	if err := c.nc.(*net.TCPConn).CloseWrite(); err != nil {
		c.t.Fatalf("CloseWrite: %v", err)
	}
}

func (c *rawConn) readFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	return zkproto.ReadFrame(c.r, 64<<20, nil)
}

// connect sends a ConnectRequest and reads the ConnectResponse.
func (c *rawConn) connect(req zkproto.ConnectRequest) (*zkproto.ConnectResponse, error) {
	if err := c.write(zkproto.AppendFrame(nil, &req)); err != nil {
		return nil, err
	}
	body, err := c.readFrame()
	if err != nil {
		return nil, err
	}
	var resp zkproto.ConnectResponse
	if err := zkproto.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decode ConnectResponse (%d bytes): %v", len(body), err)
	}
	return &resp, nil
}

// newSessionRequest is what a go-zookeeper client sends for a new session.
func newSessionRequest() zkproto.ConnectRequest {
	return zkproto.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}
}

// handshake establishes a new session and fails the test if it cannot.
func (c *rawConn) handshake() *zkproto.ConnectResponse {
	c.t.Helper()
	resp, err := c.connect(newSessionRequest())
	if err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	if resp.SessionID == 0 || resp.TimeOut <= 0 {
		c.t.Fatalf("handshake: refused: %+v", resp)
	}
	return resp
}

// send writes one request and returns its xid.
func (c *rawConn) send(op zkproto.Op, req zkproto.Record) int32 {
	c.t.Helper()
	c.xid++
	h := zkproto.RequestHeader{Xid: c.xid, Op: op}
	c.mustWrite(zkproto.AppendFrame(nil, &h, req))
	return c.xid
}

// readReply reads the next reply, skipping watch events.
func (c *rawConn) readReply() (zkproto.ReplyHeader, []byte, error) {
	for {
		b, err := c.readFrame()
		if err != nil {
			return zkproto.ReplyHeader{}, nil, err
		}
		d := zkproto.NewDecoder(b)
		var h zkproto.ReplyHeader
		h.Decode(d)
		if d.Err != nil {
			return h, nil, fmt.Errorf("reply of %d bytes has no header", len(b))
		}
		if h.Xid == zkproto.XidWatchEvent {
			continue
		}
		return h, b[d.Off:], nil
	}
}

// call sends a request and reads its reply, which must carry its xid.
func (c *rawConn) call(op zkproto.Op, req zkproto.Record) (zkproto.ReplyHeader, []byte) {
	c.t.Helper()
	xid := c.send(op, req)
	h, body, err := c.readReply()
	if err != nil {
		c.t.Fatalf("%v: reading reply: %v", op, err)
	}
	if h.Xid != xid {
		c.t.Fatalf("%v: reply xid %d, want %d", op, h.Xid, xid)
	}
	return h, body
}

// mustOK is call for a request that must succeed; it decodes the body
// into resp when resp is not nil.
func (c *rawConn) mustOK(op zkproto.Op, req, resp zkproto.Record) zkproto.ReplyHeader {
	c.t.Helper()
	h, body := c.call(op, req)
	if h.Err != 0 {
		c.t.Fatalf("%v %+v: error %v", op, req, h.Err)
	}
	if resp != nil {
		if err := zkproto.Unmarshal(body, resp); err != nil {
			c.t.Fatalf("%v: decoding reply: %v", op, err)
		}
	}
	return h
}

// readUntilClose reads everything the server sends until it closes the
// connection, and fails if the connection is still open after d. A reset
// counts as a close.
func (c *rawConn) readUntilClose(d time.Duration) ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.r.Read(buf)
		out = append(out, buf[:n]...)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return out, fmt.Errorf("connection still open after %v (received %d bytes)", d, len(out))
		}
		if err == io.EOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
			return out, nil
		}
		return out, fmt.Errorf("read: %v", err)
	}
}

// expectClosedSilently requires the server to close the connection
// without sending anything.
func (c *rawConn) expectClosedSilently(what string) {
	c.t.Helper()
	out, err := c.readUntilClose(ioTimeout)
	if err != nil {
		c.t.Fatalf("%s: want the server to close the connection: %v", what, err)
	}
	if len(out) != 0 {
		c.t.Fatalf("%s: want a close with no reply, got %d bytes: %x", what, len(out), trim(out))
	}
}

// expectStillOpen requires the connection to still work: a ping is
// answered with xid -2.
func (c *rawConn) expectStillOpen(what string) {
	c.t.Helper()
	h := zkproto.RequestHeader{Xid: zkproto.XidPing, Op: zkproto.OpPing}
	if err := c.write(zkproto.AppendFrame(nil, &h)); err != nil {
		c.t.Fatalf("%s: connection no longer usable: %v", what, err)
	}
	rh, _, err := c.readReply()
	if err != nil {
		c.t.Fatalf("%s: connection no longer usable: %v", what, err)
	}
	if rh.Xid != zkproto.XidPing || rh.Err != 0 {
		c.t.Fatalf("%s: ping answered with %+v", what, rh)
	}
}

func trim(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// frame prefixes body with its length.
func frame(body []byte) []byte {
	return append(be32(int32(len(body))), body...)
}

func be32(v int32) []byte {
	return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// hdr encodes a RequestHeader.
func hdr(xid int32, op zkproto.Op) []byte {
	return zkproto.Marshal(&zkproto.RequestHeader{Xid: xid, Op: op})
}

// sentinel is an established go-zookeeper session that must survive
// whatever a test throws at the server on other connections.
type sentinel struct {
	conn *zk.Conn
	id   int64
	n    atomic.Int64
}

func newSentinel(t testing.TB, s *zkharness.Server) *sentinel {
	t.Helper()
	conn, _ := zkharness.Connect(t, s.Addr)
	return &sentinel{conn: conn, id: conn.SessionID()}
}

// check verifies that the server still serves: ruok answers imok, and the
// sentinel session is the same session and can still write and read.
func (st *sentinel) check(t testing.TB, s *zkharness.Server) {
	t.Helper()
	if out, err := s.FourLetter("ruok"); err != nil || out != "imok" {
		t.Fatalf("server no longer healthy: ruok = %q, %v\n%s", out, err, s.LogTail(20))
	}
	st.checkSession(t)
}

// checkSession is check without the four-letter word (which needs a new
// connection).
func (st *sentinel) checkSession(t testing.TB) {
	t.Helper()
	if id := st.conn.SessionID(); id != st.id {
		t.Fatalf("sentinel session changed from %#x to %#x", st.id, id)
	}
	path := fmt.Sprintf("/sentinel-%d", st.n.Add(1))
	data := []byte("alive " + path)
	if _, err := st.conn.Create(path, data, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("sentinel session: create %s: %v", path, err)
	}
	got, _, err := st.conn.Get(path)
	if err != nil || string(got) != string(data) {
		t.Fatalf("sentinel session: get %s = %q, %v", path, got, err)
	}
	if err := st.conn.Delete(path, -1); err != nil {
		t.Fatalf("sentinel session: delete %s: %v", path, err)
	}
}

var srvrZxid = regexp.MustCompile(`(?m)^Zxid: 0x([0-9a-fA-F]+)$`)

// serverZxid is the last zxid the server reports in srvr.
func serverZxid(t testing.TB, s *zkharness.Server) int64 {
	t.Helper()
	out, err := s.FourLetter("srvr")
	if err != nil {
		t.Fatalf("srvr: %v", err)
	}
	m := srvrZxid.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("srvr output has no Zxid line:\n%s", out)
	}
	z, err := strconv.ParseInt(m[1], 16, 64)
	if err != nil {
		t.Fatalf("srvr Zxid %q: %v", m[1], err)
	}
	return z
}

// logSince returns the part of the server log written after offset.
func logSince(t testing.TB, s *zkharness.Server, offset int64) string {
	t.Helper()
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		t.Fatalf("read server log: %v", err)
	}
	if offset > int64(len(b)) {
		offset = 0
	}
	return string(b[offset:])
}

// logSize is the current size of the server log, for logSince.
func logSize(t testing.TB, s *zkharness.Server) int64 {
	t.Helper()
	fi, err := os.Stat(s.LogFile)
	if err != nil {
		t.Fatalf("stat server log: %v", err)
	}
	return fi.Size()
}

// grepLines returns the lines of log that contain every one of words.
func grepLines(log string, words ...string) []string {
	var out []string
next:
	for _, l := range strings.Split(log, "\n") {
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}
