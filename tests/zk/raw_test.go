package zk_test

// A deliberately tiny hand-rolled ZooKeeper wire client (jute encoding with
// encoding/binary), for what go-zookeeper cannot send or does not expose:
// malformed paths and flags, create2/getChildren/setWatches/addWatch,
// pipelining, reply zxids, raw connect responses and connection closes.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// Opcodes and special xids.
const (
	opCreate          = 1
	opDelete          = 2
	opExists          = 3
	opGetData         = 4
	opSetData         = 5
	opGetACL          = 6
	opSetACL          = 7
	opGetChildren     = 8
	opSync            = 9
	opPing            = 11
	opGetChildren2    = 12
	opCheck           = 13
	opMulti           = 14
	opCreate2         = 15
	opCreateContainer = 19
	opCreateTTL       = 21
	opAuth            = 100
	opSetWatches      = 101
	opAddWatch        = 106
	opCloseSession    = -11

	xidWatch = -1
	xidPing  = -2
	xidAuth  = -4
)

// jw is a jute writer.
type jw struct{ b []byte }

func (w *jw) i32(v int32) *jw { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)); return w }
func (w *jw) i64(v int64) *jw { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)); return w }
func (w *jw) boolean(v bool) *jw {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
	return w
}
func (w *jw) str(s string) *jw { w.i32(int32(len(s))); w.b = append(w.b, s...); return w }
func (w *jw) buf(b []byte) *jw {
	if b == nil {
		return w.i32(-1)
	}
	w.i32(int32(len(b)))
	w.b = append(w.b, b...)
	return w
}
func (w *jw) strs(ss []string) *jw {
	w.i32(int32(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
	return w
}
func (w *jw) acls(acls []zk.ACL) *jw {
	w.i32(int32(len(acls)))
	for _, a := range acls {
		w.i32(a.Perms).str(a.Scheme).str(a.ID)
	}
	return w
}

// jr is a jute reader; the first decoding error sticks.
type jr struct {
	b   []byte
	err error
}

func (r *jr) need(n int) bool {
	if r.err != nil {
		return false
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("short body: need %d bytes, have %d", n, len(r.b))
		return false
	}
	return true
}
func (r *jr) i32() int32 {
	if !r.need(4) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b))
	r.b = r.b[4:]
	return v
}
func (r *jr) i64() int64 {
	if !r.need(8) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}
func (r *jr) boolean() bool {
	if !r.need(1) {
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}
func (r *jr) buf() []byte {
	n := r.i32()
	if n < 0 || r.err != nil {
		return nil
	}
	if !r.need(int(n)) {
		return nil
	}
	v := append([]byte{}, r.b[:n]...)
	r.b = r.b[n:]
	return v
}
func (r *jr) str() string { return string(r.buf()) }
func (r *jr) strs() []string {
	n := r.i32()
	var out []string
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, r.str())
	}
	return out
}
func (r *jr) acls() []zk.ACL {
	n := r.i32()
	var out []zk.ACL
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, zk.ACL{Perms: r.i32(), Scheme: r.str(), ID: r.str()})
	}
	return out
}
func (r *jr) stat() *zk.Stat {
	return &zk.Stat{Czxid: r.i64(), Mzxid: r.i64(), Ctime: r.i64(), Mtime: r.i64(),
		Version: r.i32(), Cversion: r.i32(), Aversion: r.i32(), EphemeralOwner: r.i64(),
		DataLength: r.i32(), NumChildren: r.i32(), Pzxid: r.i64()}
}

// Request body builders.
func pathBody(path string) []byte { return (&jw{}).str(path).b }
func pathWatchBody(path string, watch bool) []byte {
	return (&jw{}).str(path).boolean(watch).b
}
func pathVersionBody(path string, version int32) []byte {
	return (&jw{}).str(path).i32(version).b
}
func createBody(path string, data []byte, acl []zk.ACL, flags int32) []byte {
	return (&jw{}).str(path).buf(data).acls(acl).i32(flags).b
}
func createTTLBody(path string, data []byte, acl []zk.ACL, flags int32, ttl int64) []byte {
	return (&jw{}).str(path).buf(data).acls(acl).i32(flags).i64(ttl).b
}
func setDataBody(path string, data []byte, version int32) []byte {
	return (&jw{}).str(path).buf(data).i32(version).b
}

// multiOp is one sub-operation of a raw multi request.
type multiOp struct {
	op   int32
	body []byte
}

func multiBody(ops ...multiOp) []byte {
	w := &jw{}
	for _, o := range ops {
		w.i32(o.op).boolean(false).i32(-1)
		w.b = append(w.b, o.body...)
	}
	return w.i32(-1).boolean(true).i32(-1).b
}

type connectReq struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	Timeout         int32
	SessionID       int64
	Passwd          []byte // nil = 16 zero bytes
	ReadOnly        *bool  // nil = omit the trailing byte (like go-zookeeper)
}

type connectResp struct {
	BodyLen         int
	ProtocolVersion int32
	Timeout         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        *bool
}

type replyHeader struct {
	Xid  int32
	Zxid int64
	Err  int32
}

type watchEvent struct {
	Type  int32
	State int32
	Path  string
	Zxid  int64 // from the notification's ReplyHeader
}

// reply is one decoded server frame.
type reply struct {
	replyHeader
	Body     []byte // after the header
	FrameLen int    // length prefix of the frame
}

type rawConn struct {
	t         testing.TB
	c         net.Conn
	SessionID int64
	Passwd    []byte
	Timeout   int32
	xid       int32
	Events    []watchEvent // watch events read while waiting for replies
}

func rawDial(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("raw dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

func (c *rawConn) Close() { c.c.Close() }

func (c *rawConn) writeFrame(body []byte) error {
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	frame = append(frame, body...)
	_ = c.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.c.Write(frame)
	return err
}

func (c *rawConn) readFrame(timeout time.Duration) ([]byte, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	var hdr [4]byte
	if _, err := io.ReadFull(c.c, hdr[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || n > 64<<20 {
		return nil, fmt.Errorf("bad frame length %d", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.c, body); err != nil {
		return nil, err
	}
	return body, nil
}

// Handshake sends a ConnectRequest and decodes the response.
func (c *rawConn) Handshake(req connectReq) (*connectResp, error) {
	passwd := req.Passwd
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	w := (&jw{}).i32(req.ProtocolVersion).i64(req.LastZxidSeen).i32(req.Timeout).i64(req.SessionID).buf(passwd)
	if req.ReadOnly != nil {
		w.boolean(*req.ReadOnly)
	}
	if err := c.writeFrame(w.b); err != nil {
		return nil, err
	}
	body, err := c.readFrame(10 * time.Second)
	if err != nil {
		return nil, err
	}
	r := &jr{b: body}
	resp := &connectResp{BodyLen: len(body), ProtocolVersion: r.i32(), Timeout: r.i32(), SessionID: r.i64(), Passwd: r.buf()}
	if len(r.b) > 0 {
		ro := r.boolean()
		resp.ReadOnly = &ro
	}
	if r.err != nil {
		return resp, r.err
	}
	c.SessionID, c.Passwd, c.Timeout = resp.SessionID, resp.Passwd, resp.Timeout
	return resp, nil
}

// MustHandshake starts a new session with the given requested timeout.
func (c *rawConn) MustHandshake(timeoutMs int32) *connectResp {
	c.t.Helper()
	resp, err := c.Handshake(connectReq{Timeout: timeoutMs})
	if err != nil {
		c.t.Fatalf("raw handshake: %v", err)
	}
	if resp.SessionID == 0 {
		c.t.Fatalf("raw handshake: server refused the session: %+v", resp)
	}
	return resp
}

func (c *rawConn) nextXid() int32 { c.xid++; return c.xid }

// Send writes a request with the given xid and opcode.
func (c *rawConn) Send(xid, op int32, body []byte) error {
	w := (&jw{}).i32(xid).i32(op)
	w.b = append(w.b, body...)
	return c.writeFrame(w.b)
}

// ReadReply reads the next server frame and decodes its header.
func (c *rawConn) ReadReply(timeout time.Duration) (*reply, error) {
	body, err := c.readFrame(timeout)
	if err != nil {
		return nil, err
	}
	if len(body) < 16 {
		return nil, fmt.Errorf("reply frame of %d bytes is shorter than a ReplyHeader", len(body))
	}
	r := &jr{b: body}
	rep := &reply{replyHeader: replyHeader{Xid: r.i32(), Zxid: r.i64(), Err: r.i32()}, Body: r.b, FrameLen: len(body)}
	return rep, nil
}

// Call sends one request and waits for the reply with the same xid,
// collecting watch events that arrive first into c.Events.
func (c *rawConn) Call(op int32, body []byte) (*reply, error) {
	xid := c.nextXid()
	if err := c.Send(xid, op, body); err != nil {
		return nil, err
	}
	return c.await(xid)
}

func (c *rawConn) await(xid int32) (*reply, error) {
	for {
		rep, err := c.ReadReply(10 * time.Second)
		if err != nil {
			return nil, err
		}
		if rep.Xid == xidWatch {
			r := &jr{b: rep.Body}
			ev := watchEvent{Type: r.i32(), State: r.i32(), Path: r.str(), Zxid: rep.Zxid}
			if r.err != nil {
				return nil, fmt.Errorf("decoding watch event: %v", r.err)
			}
			c.Events = append(c.Events, ev)
			continue
		}
		if rep.Xid != xid {
			return rep, fmt.Errorf("reply xid %d, want %d", rep.Xid, xid)
		}
		return rep, nil
	}
}

// TakeEvents returns and clears the collected watch events.
func (c *rawConn) TakeEvents() []watchEvent {
	evs := c.Events
	c.Events = nil
	return evs
}

// closedState describes what the peer did within the timeout: "closed" (EOF
// or reset without sending anything), "open" (nothing happened), or the
// unexpected data it sent.
func (c *rawConn) waitClosed(timeout time.Duration) string {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	var b [256]byte
	n, err := c.c.Read(b[:])
	switch {
	case n > 0:
		return fmt.Sprintf("data(%d bytes)", n)
	case isClosedErr(err):
		return "closed"
	case isTimeout(err):
		return "open"
	default:
		return fmt.Sprintf("error(%v)", err)
	}
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}
