package zkrobust

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
	"github.com/samsa-kafka/samsa/zkproto"
)

// rawCase is one hostile-input scenario run on its own connection(s).
type rawCase struct {
	name string
	run  func(t *testing.T, s *zkharness.Server)
}

// TestBadInput throws malformed and hostile bytes at every kind of server
// on fresh connections. After each case the server must still serve and
// an unrelated, already established session must be unaffected.
func TestBadInput(t *testing.T) {
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := zkharness.Start(t, kind, zkharness.Options{})
			st := newSentinel(t, s)
			for _, tc := range badInputCases {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, s)
					st.check(t, s)
				})
			}
		})
	}
}

var badInputCases = []rawCase{
	// ---- before the handshake: the first four bytes are a 4lw or a length
	{"garbage/http-request", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.mustWrite([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		c.expectClosedSilently("HTTP request instead of a ConnectRequest")
	}},
	{"garbage/tls-client-hello", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		hello := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
		c.mustWrite(append(hello, bytes.Repeat([]byte{0xab}, 200)...))
		c.expectClosedSilently("TLS ClientHello")
	}},
	{"garbage/binary", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		junk := make([]byte, 256)
		for i := range junk {
			junk[i] = byte(0xde + 37*i)
		}
		c.mustWrite(junk) // starts with 0xde...: a negative length
		c.expectClosedSilently("binary garbage")
	}},
	{"connect/negative-length", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.mustWrite(be32(-1))
		c.expectClosedSilently("length -1 before the handshake")
	}},
	{"connect/oversized-length", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.mustWrite(append(be32(zkproto.DefaultMaxBuffer+1), make([]byte, 64)...))
		c.expectClosedSilently("length jute.maxbuffer+1 before the handshake")
	}},
	{"connect/truncated-frame-then-close", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		full := zkproto.AppendFrame(nil, ptr(newSessionRequest()))
		c.mustWrite(full[:len(full)/2])
		c.closeWrite()
		c.expectClosedSilently("half a ConnectRequest, then EOF")
	}},
	{"connect/truncated-body", func(t *testing.T, s *zkharness.Server) {
		// A well-framed ConnectRequest whose body stops inside sessionId.
		c := dialRaw(t, s.Addr)
		body := zkproto.Marshal(ptr(newSessionRequest()))[:20]
		c.mustWrite(frame(body))
		c.expectClosedSilently("ConnectRequest with a 20-byte body")
	}},
	{"connect/passwd-longer-than-frame", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		body := zkproto.Marshal(ptr(newSessionRequest()))
		copy(body[24:28], be32(1000)) // passwd length: 1000, 16 bytes follow
		c.mustWrite(frame(body))
		c.expectClosedSilently("ConnectRequest whose passwd length exceeds the frame")
	}},
	{"connect/empty-frame", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.mustWrite(be32(0))
		c.expectClosedSilently("zero-length ConnectRequest")
	}},
	{"connect/zxid-from-the-future", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		req := newSessionRequest()
		req.LastZxidSeen = 1 << 40
		c.mustWrite(zkproto.AppendFrame(nil, &req))
		c.expectClosedSilently("ConnectRequest with lastZxidSeen 0x10000000000")
	}},
	{"connect/wrong-password", func(t *testing.T, s *zkharness.Server) {
		owner := dialRaw(t, s.Addr)
		sess := owner.handshake()
		bad := make([]byte, 16)
		copy(bad, sess.Passwd)
		bad[0] ^= 0xff
		c := dialRaw(t, s.Addr)
		resp, err := c.connect(zkproto.ConnectRequest{TimeOut: 10000, SessionID: sess.SessionID, Passwd: bad})
		if err != nil {
			t.Fatalf("reconnect with a wrong password: want a refusal ConnectResponse, got %v", err)
		}
		expectRefused(t, c, resp)
		// ZooKeeper closes the session's current connection before it
		// checks the password (ZooKeeperServer.processConnectRequest), so
		// the owner is disconnected, but the session itself lives on: the
		// right password still resumes it.
		if out, err := owner.readUntilClose(ioTimeout); err != nil || len(out) != 0 {
			t.Fatalf("the session's own connection after a wrong-password reconnect: want it closed without a reply (as ZooKeeper does), got %d bytes, %v", len(out), err)
		}
		again := dialRaw(t, s.Addr)
		resp, err = again.connect(zkproto.ConnectRequest{TimeOut: 10000, SessionID: sess.SessionID, Passwd: sess.Passwd})
		if err != nil || resp.SessionID != sess.SessionID || resp.TimeOut <= 0 || !bytes.Equal(resp.Passwd, sess.Passwd) {
			t.Fatalf("resuming the session with the right password after a wrong one: %+v, %v", resp, err)
		}
		again.expectStillOpen("the resumed session")
	}},
	{"connect/unknown-session", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		resp, err := c.connect(zkproto.ConnectRequest{TimeOut: 10000, SessionID: 0x7badc0de0000001, Passwd: make([]byte, 16)})
		if err != nil {
			t.Fatalf("reconnect to an unknown session: want a refusal ConnectResponse, got %v", err)
		}
		expectRefused(t, c, resp)
	}},

	// ---- after the handshake
	{"session/negative-length", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		c.mustWrite(be32(-5))
		c.expectClosedSilently("length -5 after the handshake")
	}},
	{"session/oversized-length", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		_ = c.write(append(be32(zkproto.DefaultMaxBuffer+1), hdr(1, zkproto.OpExists)...))
		c.expectClosedSilently("length jute.maxbuffer+1 after the handshake")
	}},
	{"session/max-size-frame-accepted-one-more-closed", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		path := fmt.Sprintf("/big-%d", time.Now().UnixNano())
		c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: path, ACL: zkproto.OpenACLUnsafe}, nil)
		t.Cleanup(func() {
			d := dialRaw(t, s.Addr)
			d.handshake()
			d.call(zkproto.OpDelete, &zkproto.DeleteRequest{Path: path, Version: -1})
		})
		// frame body = header 8 + path 4+len + data 4+n + version 4
		n := zkproto.DefaultMaxBuffer - (8 + 4 + len(path) + 4 + 4)
		req := &zkproto.SetDataRequest{Path: path, Data: bytes.Repeat([]byte("x"), n), Version: -1}
		var stat zkproto.SetDataResponse
		c.xid++
		f := zkproto.AppendFrame(nil, &zkproto.RequestHeader{Xid: c.xid, Op: zkproto.OpSetData}, req)
		if len(f) != 4+zkproto.DefaultMaxBuffer {
			t.Fatalf("test bug: frame of %d bytes", len(f))
		}
		c.mustWrite(f)
		h, body, err := c.readReply()
		if err != nil || h.Err != 0 || zkproto.Unmarshal(body, &stat) != nil || stat.Stat.DataLength != int32(n) {
			t.Fatalf("setData in a frame of exactly jute.maxbuffer bytes: header %+v, err %v, stat %+v", h, err, stat.Stat)
		}
		req.Data = append(req.Data, 'y')
		_ = c.write(zkproto.AppendFrame(nil, &zkproto.RequestHeader{Xid: c.xid + 1, Op: zkproto.OpSetData}, req))
		c.expectClosedSilently("setData in a frame of jute.maxbuffer+1 bytes")
		d := dialRaw(t, s.Addr)
		d.handshake()
		var ex zkproto.ExistsResponse
		d.mustOK(zkproto.OpExists, &zkproto.ExistsRequest{Path: path}, &ex)
		if ex.Stat.Version != 1 || ex.Stat.DataLength != int32(n) {
			t.Fatalf("after the oversized setData the node must be as the accepted one left it: %+v", ex.Stat)
		}
	}},
	{"session/truncated-frame-then-close", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		f := zkproto.AppendFrame(nil, &zkproto.RequestHeader{Xid: 1, Op: zkproto.OpCreate},
			&zkproto.CreateRequest{Path: "/never-created", ACL: zkproto.OpenACLUnsafe})
		c.mustWrite(f[:len(f)-3])
		c.closeWrite()
		c.expectClosedSilently("a create frame cut short, then EOF")
		d := dialRaw(t, s.Addr)
		d.handshake()
		if h, _ := d.call(zkproto.OpExists, &zkproto.ExistsRequest{Path: "/never-created"}); h.Err != zkproto.ErrNoNode {
			t.Fatalf("the truncated create must not be applied: exists = %v", h.Err)
		}
	}},
	{"session/unknown-opcode", func(t *testing.T, s *zkharness.Server) {
		for _, op := range []zkproto.Op{999, 10, 0, -3} {
			c := dialRaw(t, s.Addr)
			c.handshake()
			c.mustWrite(frame(append(hdr(77, op), 1, 2, 3, 4)))
			h, body, err := c.readReply()
			if err != nil {
				t.Fatalf("opcode %d: want an Unimplemented reply, got %v", op, err)
			}
			if h.Xid != 77 || h.Err != zkproto.ErrUnimplemented || len(body) != 0 {
				t.Fatalf("opcode %d: reply %+v with %d body bytes, want xid 77 err Unimplemented (-6) and no body", op, h, len(body))
			}
			c.expectClosedSilently(fmt.Sprintf("after the Unimplemented reply to opcode %d", op))
		}
	}},
	{"session/header-shorter-than-8-bytes", func(t *testing.T, s *zkharness.Server) {
		for _, body := range [][]byte{{0, 0, 0, 1}, {0, 0, 0, 1, 0, 0, 0}, {}} {
			c := dialRaw(t, s.Addr)
			c.handshake()
			c.mustWrite(frame(body))
			c.expectClosedSilently(fmt.Sprintf("a %d-byte request frame", len(body)))
		}
	}},
	{"session/malformed-bodies", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		// Every body claims a string far longer than the frame.
		long := append(be32(5000), "/abc"...)
		cases := []struct {
			op   zkproto.Op
			body []byte
		}{
			{zkproto.OpCreate, long},
			{zkproto.OpCreate, append(append(be32(2), "/m"...), be32(1<<30)...)}, // data length 2^30
			{zkproto.OpSetData, long},
			{zkproto.OpDelete, long},
			{zkproto.OpGetData, long},
			{zkproto.OpExists, long},
			{zkproto.OpGetChildren, long},
			{zkproto.OpCreate, nil}, // no body at all
		}
		for _, tc := range cases {
			c.xid++
			c.mustWrite(frame(append(hdr(c.xid, tc.op), tc.body...)))
			h, body, err := c.readReply()
			if err != nil {
				t.Fatalf("%v with a malformed body: want a MarshallingError reply, got %v", tc.op, err)
			}
			if h.Xid != c.xid || h.Err != zkproto.ErrMarshallingError || len(body) != 0 {
				t.Errorf("%v with a malformed body (%x): reply %+v with %d body bytes, want err MarshallingError (-5)", tc.op, trim(tc.body), h, len(body))
			}
		}
		c.expectStillOpen("after MarshallingError replies")
		if h, _ := c.call(zkproto.OpExists, &zkproto.ExistsRequest{Path: "/m"}); h.Err != zkproto.ErrNoNode {
			t.Fatalf("a malformed create must not create anything: exists /m = %v", h.Err)
		}
	}},
	{"session/trailing-bytes-after-body-ignored", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.handshake()
		path := fmt.Sprintf("/trailing-%d", time.Now().UnixNano())
		body := zkproto.Marshal(&zkproto.CreateRequest{Path: path, Data: []byte("d"), ACL: zkproto.OpenACLUnsafe, Flags: zkproto.ModeEphemeral})
		c.xid++
		c.mustWrite(frame(append(append(hdr(c.xid, zkproto.OpCreate), body...), "junk!"...)))
		h, resp, err := c.readReply()
		var cr zkproto.CreateResponse
		if err != nil || h.Err != 0 || zkproto.Unmarshal(resp, &cr) != nil || cr.Path != path {
			t.Fatalf("create with 5 trailing bytes: header %+v, err %v, path %q", h, err, cr.Path)
		}
		c.expectStillOpen("after a request with trailing bytes")
	}},
}

// expectRefused checks ZooKeeper's answer to a reconnect it will not
// honour: timeout 0, session 0, 16 zero password bytes, then a close.
func expectRefused(t *testing.T, c *rawConn, resp *zkproto.ConnectResponse) {
	t.Helper()
	if resp.ProtocolVersion != 0 || resp.TimeOut != 0 || resp.SessionID != 0 || !bytes.Equal(resp.Passwd, make([]byte, 16)) || resp.HasReadOnly {
		t.Fatalf("refusal ConnectResponse = %+v, want protocolVersion 0, timeout 0, session 0, 16 zero bytes, no readOnly byte", resp)
	}
	c.expectClosedSilently("after the refusal ConnectResponse")
}

func ptr[T any](v T) *T { return &v }

// TestBadPaths sends malformed paths to every path-taking write and read
// op. The codes are Apache ZooKeeper 3.8's (checked against it whenever
// the oracle is available); nothing may be created, and the server must
// keep serving.
func TestBadPaths(t *testing.T) {
	const (
		ok  = zkproto.ErrOK
		bad = zkproto.ErrBadArguments
		no  = zkproto.ErrNoNode
	)
	// create, setData, delete, getData, exists, getChildren
	type codes [6]zkproto.Error
	table := []struct {
		path string
		want codes
	}{
		{"relative", codes{bad, bad, bad, no, no, no}},
		{"/bp/", codes{bad, bad, no, no, no, no}}, // the parent exists
		{"/nope/", codes{no, bad, no, no, no, no}},
		{"//", codes{bad, bad, no, no, no, no}},
		{"/bp//x", codes{no, bad, no, no, no, no}},
		{"/bp/./x", codes{no, bad, no, no, no, no}},
		{"/bp/../x", codes{no, bad, no, no, no, no}},
		{"/./a", codes{no, bad, no, no, no, no}},
		{"/../a", codes{no, bad, no, no, no, no}},
		{"/bp/.", codes{bad, bad, no, no, no, no}},
		{"/bp/..", codes{bad, bad, no, no, no, no}},
		{"/bp/a\x00b", codes{bad, bad, bad, no, bad, no}},
		{"/bp/a\x01b", codes{bad, bad, no, no, no, no}},
		{"/bp/a\x1fb", codes{bad, bad, no, no, no, no}},
		{"/bp/a\x7fb", codes{bad, bad, no, no, no, no}},
		{"/bp/a\u0085b", codes{bad, bad, no, no, no, no}},
		{"/bp/a\uf000b", codes{bad, bad, no, no, no, no}},
		{"/bp/a\ufff5b", codes{bad, bad, no, no, no, no}},
		// Valid, if odd: these must work.
		{"/bp/.x", codes{ok, ok, ok, no, no, no}},
		{"/bp/...", codes{ok, ok, ok, no, no, no}},
		{"/bp/a b", codes{ok, ok, ok, no, no, no}},
	}
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := zkharness.Start(t, kind, zkharness.Options{})
			st := newSentinel(t, s)
			c := dialRaw(t, s.Addr)
			c.handshake()
			c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: "/bp", ACL: zkproto.OpenACLUnsafe}, nil)
			before := serverZxid(t, s)
			for _, tc := range table {
				var got codes
				h, _ := c.call(zkproto.OpCreate, &zkproto.CreateRequest{Path: tc.path, Data: []byte("x"), ACL: zkproto.OpenACLUnsafe})
				got[0] = h.Err
				h, _ = c.call(zkproto.OpSetData, &zkproto.SetDataRequest{Path: tc.path, Data: []byte("y"), Version: -1})
				got[1] = h.Err
				h, _ = c.call(zkproto.OpDelete, &zkproto.DeleteRequest{Path: tc.path, Version: -1})
				got[2] = h.Err
				h, _ = c.call(zkproto.OpGetData, &zkproto.GetDataRequest{Path: tc.path})
				got[3] = h.Err
				h, _ = c.call(zkproto.OpExists, &zkproto.ExistsRequest{Path: tc.path})
				got[4] = h.Err
				h, _ = c.call(zkproto.OpGetChildren, &zkproto.GetChildrenRequest{Path: tc.path})
				got[5] = h.Err
				if got != tc.want {
					t.Errorf("%q: create, setData, delete, getData, exists, getChildren = %v, want %v", tc.path, names(got[:]), names(tc.want[:]))
				}
			}
			// Nothing but the valid paths was ever created, and they were
			// deleted again.
			var ch zkproto.GetChildrenResponse
			c.mustOK(zkproto.OpGetChildren, &zkproto.GetChildrenRequest{Path: "/bp"}, &ch)
			if len(ch.Children) != 0 {
				t.Errorf("children of /bp after the bad paths: %q, want none", ch.Children)
			}
			if after := serverZxid(t, s); after <= before {
				t.Errorf("zxid %#x -> %#x: failed writes must still consume zxids", before, after)
			}
			st.check(t, s)
		})
	}
}

func names(cs []zkproto.Error) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name()
	}
	return out
}

// TestConnectionFlood opens 200 connections at once against a server with
// maxClientCnxns=60: the server admits 60 connections from 127.0.0.1 in
// all (the sentinel's included) and closes the others without a reply.
// Once the flood is gone, new connections are admitted again.
func TestConnectionFlood(t *testing.T) {
	const limit, flood = 60, 200
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := zkharness.Start(t, kind, zkharness.Options{Extra: map[string]string{"maxClientCnxns": fmt.Sprint(limit)}})
			st := newSentinel(t, s)

			conns := make([]net.Conn, flood)
			var wg sync.WaitGroup
			for i := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					nc, err := net.DialTimeout("tcp", s.Addr, ioTimeout)
					if err == nil {
						conns[i] = nc
					}
				}()
			}
			wg.Wait()
			t.Cleanup(func() {
				for _, nc := range conns {
					if nc != nil {
						nc.Close()
					}
				}
			})
			// Every connection that the server admitted gets a session;
			// the rest are closed without a byte.
			results := make([]error, flood)
			for i, nc := range conns {
				if nc == nil {
					results[i] = fmt.Errorf("dial failed")
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := &rawConn{t: t, nc: nc, r: newReader(nc)}
					resp, err := c.connect(newSessionRequest())
					switch {
					case err != nil:
						results[i] = err
					case resp.SessionID == 0:
						results[i] = fmt.Errorf("refused: %+v", resp)
					}
				}()
			}
			wg.Wait()
			admitted := 0
			for _, err := range results {
				if err == nil {
					admitted++
				}
			}
			t.Logf("%d of %d flood connections got a session", admitted, flood)
			// Apache counts a connection only once a selector thread has
			// registered it, so a burst slips past the limit (it admitted
			// 90-odd of 200 in our runs); Samsa counts at accept time and
			// is exact. Neither may admit fewer than the limit allows or
			// admit everything.
			switch {
			case admitted < limit-1 || admitted >= flood:
				t.Errorf("with maxClientCnxns=%d and one established session, %d of %d flood connections got a session, want at least %d and not all",
					limit, admitted, flood, limit-1)
			case kind == zkharness.Samsa && admitted != limit-1:
				t.Errorf("with maxClientCnxns=%d and one established session, %d flood connections got a session, want exactly %d", limit, admitted, limit-1)
			}
			for i, nc := range conns {
				if results[i] == nil || nc == nil {
					continue
				}
				c := &rawConn{t: t, nc: nc, r: newReader(nc)}
				if out, err := c.readUntilClose(ioTimeout); err != nil || len(out) != 0 {
					t.Errorf("rejected connection %d: want a close without reply, got %d bytes, %v (connect: %v)", i, len(out), err, results[i])
				}
			}
			st.checkSession(t)
			// With the flood still connected, the limit holds for newcomers.
			// (Apache's close can race the dial itself: a failed dial is
			// a rejection too.)
			if nc, err := net.DialTimeout("tcp", s.Addr, ioTimeout); err == nil {
				t.Cleanup(func() { nc.Close() })
				late := &rawConn{t: t, nc: nc, r: newReader(nc)}
				_ = late.write(zkproto.AppendFrame(nil, ptr(newSessionRequest())))
				late.expectClosedSilently("a connection beyond maxClientCnxns once the flood has settled")
			}
			for _, nc := range conns {
				if nc != nil {
					nc.Close()
				}
			}
			// Once the flood has gone, the server admits new clients again.
			zkharness.WaitFor(t, 10*time.Second, func() error {
				nc, err := net.DialTimeout("tcp", s.Addr, ioTimeout)
				if err != nil {
					return err
				}
				defer nc.Close()
				c := &rawConn{t: t, nc: nc, r: newReader(nc)}
				resp, err := c.connect(newSessionRequest())
				if err != nil {
					return fmt.Errorf("new connection after the flood: %v", err)
				}
				if resp.SessionID == 0 {
					return fmt.Errorf("new connection after the flood refused: %+v", resp)
				}
				return nil
			})
			st.check(t, s)
		})
	}
}
