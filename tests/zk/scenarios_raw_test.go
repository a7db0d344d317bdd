package zk_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// scRawBadPaths sends malformed paths (which go-zookeeper refuses to send)
// to every path-taking op.
func scRawBadPaths(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	rc.Do("create valid", opCreate, createBody(rec.P("ok"), nil, world, 0), decPath)
	bad := []string{
		"relative",
		"",
		rec.Root + "/",
		rec.Root + "//x",
		rec.Root + "/./x",
		rec.Root + "/.",
		rec.Root + "/..",
		rec.Root + "/../x",
		rec.Root + "/a\x00b",
		rec.Root + "/a\x01b",
		rec.Root + "/a\x7fb",
		rec.Root + "/a\u0085b",
		rec.Root + "/a\ufff5b",
		rec.P("ok") + "/",
		"//",
		"/zookeeper/",
	}
	valid := []string{rec.P(".hidden"), rec.P("..."), rec.P("a.b"), rec.P("ok", "x y"), rec.P("ünï")}
	for _, p := range append(bad, valid...) {
		q := fmt.Sprintf("%q", p)
		dData, dStat, dChildren, dACL := decData(rec), decStat(rec), decChildrenStat(rec), decACL(rec)
		if p == "" {
			// "" is the root's key in ZooKeeper's DataTree, so reads of ""
			// return the root, whose contents depend on other scenarios.
			dData, dStat, dChildren, dACL = decOpaque, decOpaque, decOpaque, decOpaque
		}
		rc.Do("create "+q, opCreate, createBody(p, nil, world, 0), decPath)
		rc.Do("create seq "+q, opCreate, createBody(p, nil, world, zk.FlagSequence), decPath)
		rc.Do("setData "+q, opSetData, setDataBody(p, []byte("x"), -1), decStat(rec))
		rc.Do("getData "+q, opGetData, pathWatchBody(p, false), dData)
		rc.Do("exists "+q, opExists, pathWatchBody(p, false), dStat)
		rc.Do("getChildren2 "+q, opGetChildren2, pathWatchBody(p, false), dChildren)
		rc.Do("getACL "+q, opGetACL, pathBody(p), dACL)
		rc.Do("setACL "+q, opSetACL, (&jw{}).str(p).acls(world).i32(-1).b, decStat(rec))
		rc.Do("sync "+q, opSync, pathBody(p), decPath)
		rc.Do("delete "+q, opDelete, pathVersionBody(p, -1), nil)
	}
	rc.Do("getChildren2 root", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec))
	rc.Do("getChildren2 ok", opGetChildren2, pathWatchBody(rec.P("ok"), false), decChildrenStat(rec))
}

// scRawBadFlags sends create flags go-zookeeper refuses, and mismatches
// between the opcode and the flags.
func scRawBadFlags(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	for _, f := range []int32{-1, 7, 8, 16, 100, 4, 5, 6} {
		p := rec.P(fmt.Sprintf("f%d", f))
		rc.Do(fmt.Sprintf("create flags=%d", f), opCreate, createBody(p, nil, world, f), decPath)
		rc.Do(fmt.Sprintf("create2 flags=%d", f), opCreate2, createBody(p+"-2", nil, world, f), decPathStat(rec))
	}
	for _, f := range []int32{0, 1, 2, 3, 4, 5, 7} {
		p := rec.P(fmt.Sprintf("c%d", f))
		rc.Do(fmt.Sprintf("createContainer flags=%d", f), opCreateContainer, createBody(p, nil, world, f), decPathStat(rec))
	}
	for _, f := range []int32{0, 1, 4, 5, 6, 7} {
		p := rec.P(fmt.Sprintf("t%d", f))
		rc.Do(fmt.Sprintf("createTTL(disabled) flags=%d ttl=1000", f), opCreateTTL, createTTLBody(p, nil, world, f, 1000), decPathStat(rec))
	}
	rc.Do("getChildren2 root", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec))
}

// scRawOps covers opcodes go-zookeeper does not use (create2, getChildren)
// and the exact reply bodies, including bodiless error replies.
func scRawOps(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	rc.Do("create2 a", opCreate2, createBody(rec.P("a"), []byte("x"), world, 0), decPathStat(rec))
	rep := rc.Do("create2 a again", opCreate2, createBody(rec.P("a"), []byte("x"), world, 0), decPathStat(rec))
	if rep != nil {
		rec.Printf("error reply frame length %d", rep.FrameLen)
	}
	rc.Do("create2 seq", opCreate2, createBody(rec.P("s-"), nil, world, zk.FlagSequence), decPathStat(rec))
	rc.Do("create2 ephemeral", opCreate2, createBody(rec.P("e"), nil, world, zk.FlagEphemeral), decPathStat(rec))
	rc.Do("create2 container flag", opCreate2, createBody(rec.P("c2"), nil, world, zk.FlagContainer), decPathStat(rec))
	rc.Do("createContainer", opCreateContainer, createBody(rec.P("c"), []byte("cc"), world, zk.FlagContainer), decPathStat(rec))
	rc.Do("create null data", opCreate, createBody(rec.P("n"), nil, world, 0), decPath)
	rc.Do("getData null data", opGetData, pathWatchBody(rec.P("n"), false), decData(rec))
	rc.Do("getChildren (8)", opGetChildren, pathWatchBody(rec.Root, false), decChildren)
	rc.Do("getChildren (8) missing", opGetChildren, pathWatchBody(rec.P("zz"), false), decChildren)
	rc.Do("getChildren2 (12)", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec))
	rep = rc.Do("exists missing", opExists, pathWatchBody(rec.P("zz"), false), decStat(rec))
	if rep != nil {
		rec.Printf("exists NoNode reply frame length %d", rep.FrameLen)
	}
	rc.Do("exists a", opExists, pathWatchBody(rec.P("a"), false), decStat(rec))
	rc.Do("getData a", opGetData, pathWatchBody(rec.P("a"), false), decData(rec))
	rc.Do("setData a", opSetData, setDataBody(rec.P("a"), []byte("yy"), 0), decStat(rec))
	rc.Do("setData a bad version", opSetData, setDataBody(rec.P("a"), []byte("yy"), 0), decStat(rec))
	rc.Do("getACL a", opGetACL, pathBody(rec.P("a")), decACL(rec))
	rc.Do("setACL a", opSetACL, (&jw{}).str(rec.P("a")).acls(zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermAdmin|zk.PermDelete)).i32(0).b, decStat(rec))
	rc.Do("sync a", opSync, pathBody(rec.P("a")), decPath)
	rc.Do("delete a", opDelete, pathVersionBody(rec.P("a"), -1), nil)
	rc.Do("delete a again", opDelete, pathVersionBody(rec.P("a"), -1), nil)
	rc.Do("getChildren2 root", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec))
}

// scRawMulti covers the multi wire format: create2/container result types,
// the failure layout, the empty multi and the reply zxid.
func scRawMulti(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	rc.Do("empty multi", opMulti, multiBody(), decMulti(rec))
	rc.Do("empty multi again", opMulti, multiBody(), decMulti(rec))
	rc.Do("multi success", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("a"), []byte("1"), world, 0)},
		multiOp{opCreate2, createBody(rec.P("b"), []byte("2"), world, 0)},
		multiOp{opCreateContainer, createBody(rec.P("c"), nil, world, zk.FlagContainer)},
		multiOp{opCreate, createBody(rec.P("s-"), nil, world, zk.FlagSequence)},
		multiOp{opSetData, setDataBody(rec.P("a"), []byte("11"), 0)},
		multiOp{opCheck, pathVersionBody(rec.P("a"), 1)},
		multiOp{opDelete, pathVersionBody(rec.P("b"), 0)},
	), decMulti(rec))
	rc.Do("multi failure", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("x"), nil, world, 0)},
		multiOp{opSetData, setDataBody(rec.P("a"), []byte("x"), 99)},
		multiOp{opCreate, createBody(rec.P("y"), nil, world, 0)},
		multiOp{opDelete, pathVersionBody(rec.P("a"), -1)},
	), decMulti(rec))
	rc.Do("multi failing check", opMulti, multiBody(
		multiOp{opCheck, pathVersionBody(rec.P("nope"), -1)},
	), decMulti(rec))
	rc.Do("multi bad path", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("ok1"), nil, world, 0)},
		multiOp{opCreate, createBody("bad", nil, world, 0)},
	), decMulti(rec))
	rc.Do("multi bad flags", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("f"), nil, world, 9)},
	), decMulti(rec))
	rc.Do("multi TTL (disabled)", opMulti, multiBody(
		multiOp{opCreateTTL, createTTLBody(rec.P("ttl"), nil, world, zk.FlagTTL, 1000)},
	), decMulti(rec))
	rc.Do("multi ephemeral under ephemeral", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("e"), nil, world, zk.FlagEphemeral)},
		multiOp{opCreate, createBody(rec.P("e", "k"), nil, world, 0)},
	), decMulti(rec))
	rc.Do("getChildren2 root", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec))
	rc.Do("multi with a read op", opMulti, multiBody(
		multiOp{opGetData, pathWatchBody(rec.P("a"), false)},
	), decMulti(rec))
	rc.ClosedState("after a read op in multi", 500*time.Millisecond)
	rc.Do("create after", opCreate2, createBody(rec.P("after"), nil, world, 0), decPathStat(rec))
}

// scRawWatches checks on the wire that a watch notification (xid -1,
// zxid -1) is sent before the reply of the write that triggered it, and
// the order of events within one txn.
func scRawWatches(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	rc.Do("create p", opCreate, createBody(rec.P("p"), []byte("1"), world, 0), decPath)
	rc.Do("getData watch p", opGetData, pathWatchBody(rec.P("p"), true), decData(rec))
	rc.Do("setData p", opSetData, setDataBody(rec.P("p"), []byte("2"), -1), decStat(rec))
	rc.Do("exists watch k", opExists, pathWatchBody(rec.P("p", "k"), true), decStat(rec))
	rc.Do("getChildren watch p", opGetChildren, pathWatchBody(rec.P("p"), true), decChildren)
	rc.Do("create k", opCreate, createBody(rec.P("p", "k"), nil, world, 0), decPath)
	rc.Do("getData watch k", opGetData, pathWatchBody(rec.P("p", "k"), true), decData(rec))
	rc.Do("getChildren2 watch p", opGetChildren2, pathWatchBody(rec.P("p"), true), decChildrenStat(rec))
	rc.Do("getChildren watch root", opGetChildren, pathWatchBody(rec.Root, true), decChildren)
	rc.Do("delete k", opDelete, pathVersionBody(rec.P("p", "k"), -1), nil)
	rc.Do("multi create+set+delete", opMulti, multiBody(
		multiOp{opCreate, createBody(rec.P("q"), nil, world, 0)},
		multiOp{opSetData, setDataBody(rec.P("p"), []byte("3"), -1)},
		multiOp{opDelete, pathVersionBody(rec.P("q"), -1)},
	), decMulti(rec))
	rc.Do("getData watch p", opGetData, pathWatchBody(rec.P("p"), true), decData(rec))
	rc.Do("exists watch p", opExists, pathWatchBody(rec.P("p"), true), decStat(rec))
	rc.Do("getChildren watch p", opGetChildren, pathWatchBody(rec.P("p"), true), decChildren)
	rc.Do("delete p", opDelete, pathVersionBody(rec.P("p"), -1), nil)
}

// scRawSetWatches covers SetWatches (op 101): watches whose condition
// already changed since relativeZxid fire before the reply; the others are
// registered and fire later.
func scRawSetWatches(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	rc.Do("create d", opCreate, createBody(rec.P("d"), []byte("1"), world, 0), decPath)
	rc.Do("create same", opCreate, createBody(rec.P("same"), []byte("1"), world, 0), decPath)
	rc.Do("create p", opCreate, createBody(rec.P("p"), nil, world, 0), decPath)
	rc.Do("create samep", opCreate, createBody(rec.P("samep"), nil, world, 0), decPath)
	rep := rc.Do("create gone", opCreate, createBody(rec.P("gone"), nil, world, 0), decPath)
	if rep == nil {
		t.Fatal("setup failed")
	}
	rel := rep.Zxid
	rec.Printf("relativeZxid=%s", rec.Zxid(rel))
	rc.Do("setData d", opSetData, setDataBody(rec.P("d"), []byte("2"), -1), decStat(rec))
	rc.Do("create p/k", opCreate, createBody(rec.P("p", "k"), nil, world, 0), decPath)
	rc.Do("create e", opCreate, createBody(rec.P("e"), nil, world, 0), decPath)
	rc.Do("delete gone", opDelete, pathVersionBody(rec.P("gone"), -1), nil)

	r2 := rec.RawSession(10000)
	body := (&jw{}).i64(rel).
		strs([]string{rec.P("d"), rec.P("same"), rec.P("gone"), rec.P("never")}).
		strs([]string{rec.P("e"), rec.P("none")}).
		strs([]string{rec.P("p"), rec.P("samep"), rec.P("gone")}).b
	r2.Do("setWatches", opSetWatches, body, nil)
	rc.Do("setData same", opSetData, setDataBody(rec.P("same"), []byte("2"), -1), decStat(rec))
	rc.Do("create none", opCreate, createBody(rec.P("none"), nil, world, 0), decPath)
	rc.Do("create samep/k", opCreate, createBody(rec.P("samep", "k"), nil, world, 0), decPath)
	rc.Do("create never", opCreate, createBody(rec.P("never"), nil, world, 0), decPath)
	r2.Do("exists root (barrier)", opExists, pathWatchBody(rec.Root, false), decStat(rec))

	rec.Note("setWatches with the Java client's xid -8")
	r3 := rec.RawSession(10000)
	body = (&jw{}).i64(rel).strs([]string{rec.P("d")}).strs(nil).strs(nil).b
	if err := r3.Send(-8, opSetWatches, body); err != nil {
		t.Fatalf("send: %v", err)
	}
	for i := 0; i < 2; i++ {
		rep, err := r3.ReadReply(5 * time.Second)
		if err != nil {
			rec.Printf("r3: read: %v", err)
			break
		}
		rec.Printf("r3: frame xid=%d zxid=%s err=%s bodyLen=%d", rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), len(rep.Body))
		if rep.Xid != xidWatch {
			break
		}
	}
}

// scRawConnect covers the handshake: response sizes with and without the
// readOnly byte, timeout negotiation, and a client that is ahead of the
// server's zxid.
func scRawConnect(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	f := false
	tr := true
	for _, tc := range []struct {
		name    string
		timeout int32
		ro      *bool
	}{
		{"no readOnly byte", 10000, nil},
		{"readOnly=false", 10000, &f},
		{"readOnly=true", 10000, &tr},
		{"timeout 1ms", 1, nil},
		{"timeout 0", 0, nil},
		{"timeout -5", -5, nil},
		{"timeout 1e7", 10000000, nil},
		{"timeout 4001", 4001, nil},
	} {
		rc := rec.Raw()
		resp, err := rc.Handshake(connectReq{Timeout: tc.timeout, ReadOnly: tc.ro})
		if err != nil {
			rec.Printf("%s: connect %s -> error %v", rc.Name, tc.name, err)
			continue
		}
		ro := "absent"
		if resp.ReadOnly != nil {
			ro = fmt.Sprint(*resp.ReadOnly)
		}
		rec.Printf("%s: connect %s -> bodyLen=%d protocolVersion=%d timeout=%d session=%s passwdLen=%d readOnly=%s",
			rc.Name, tc.name, resp.BodyLen, resp.ProtocolVersion, resp.Timeout, rec.Session(resp.SessionID), len(resp.Passwd), ro)
		if resp.SessionID != 0 {
			rc.Do("exists root", opExists, pathWatchBody(rec.Root, false), decStat(rec))
			rc.Do("closeSession", opCloseSession, nil, nil)
			rc.SessionID = 0
		}
	}
	rec.Note("lastZxidSeen ahead of the server: closed without a reply")
	rc := rec.Raw()
	_, err := rc.Handshake(connectReq{Timeout: 10000, LastZxidSeen: 1 << 40})
	rec.Printf("%s: connect lastZxidSeen=1<<40 -> closed=%v", rc.Name, err != nil && isClosedErr(err))
	rec.Note("a connection is usable after that")
	rc2 := rec.RawSession(10000)
	rc2.Do("exists root", opExists, pathWatchBody(rec.Root, false), decStat(rec))
}

// scRawPipeline sends many requests in one write: replies come back in
// request order, and reads observe the writes queued before them.
func scRawPipeline(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	type req struct {
		desc string
		op   int32
		body []byte
		dec  func(*jr) string
	}
	var reqs []req
	for i := 0; i < 5; i++ {
		p := rec.P(fmt.Sprintf("n%d", i))
		reqs = append(reqs,
			req{"create " + p, opCreate, createBody(p, []byte{byte('a' + i)}, world, 0), decPath},
			req{"getData " + p, opGetData, pathWatchBody(p, false), decData(rec)},
			req{"setData " + p, opSetData, setDataBody(p, []byte("v2"), 0), decStat(rec)},
			req{"exists " + p, opExists, pathWatchBody(p, false), decStat(rec)},
			req{"create dup " + p, opCreate, createBody(p, nil, world, 0), decPath},
		)
	}
	reqs = append(reqs,
		req{"getChildren2 root", opGetChildren2, pathWatchBody(rec.Root, false), decChildrenStat(rec)},
		req{"sync root", opSync, pathBody(rec.Root), decPath},
		req{"delete n0", opDelete, pathVersionBody(rec.P("n0"), -1), nil},
		req{"getData n0", opGetData, pathWatchBody(rec.P("n0"), false), decData(rec)},
		req{"multi", opMulti, multiBody(multiOp{opDelete, pathVersionBody(rec.P("n1"), -1)}), decMulti(rec)},
		req{"getChildren root", opGetChildren, pathWatchBody(rec.Root, false), decChildren},
	)
	var buf bytes.Buffer
	for i, r := range reqs {
		w := (&jw{}).i32(int32(i + 1)).i32(r.op)
		w.b = append(w.b, r.body...)
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(w.b))))
		buf.Write(w.b)
	}
	if _, err := rc.c.Write(buf.Bytes()); err != nil {
		t.Fatalf("pipelined write: %v", err)
	}
	inOrder := true
	for i, r := range reqs {
		rep, err := rc.ReadReply(10 * time.Second)
		if err != nil {
			t.Fatalf("reading reply %d: %v", i+1, err)
		}
		if rep.Xid != int32(i+1) {
			inOrder = false
		}
		rec.Printf("reply xid=%d (%s) -> %s zxid=%s%s", rep.Xid, r.desc, codeName(rep.Err), rec.Zxid(rep.Zxid), rc.body(rep, reqs[rep.Xid-1].dec))
	}
	rec.Check("replies in request order", inOrder)
	rc.xid = int32(len(reqs))
}

// scRawUnknownOpcode: an unknown opcode gets Unimplemented, then the server
// closes the connection; the session survives.
func scRawUnknownOpcode(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	for _, op := range []int32{999, 0, 10, -5, 50} {
		rc := rec.RawSession(10000)
		rc.Do("create before", opCreate, createBody(rec.P(fmt.Sprintf("op%d", op)), nil, world, 0), decPath)
		rep := rc.Do(fmt.Sprintf("opcode %d", op), op, nil, nil)
		if rep != nil {
			rec.Printf("%s: reply xid matches=%v", rc.Name, rep.Xid == rc.xid)
		}
		rc.ClosedState("after unknown opcode", 3*time.Second)
		rec.Note("the session survives: resume it on a new connection")
		r2 := rec.Raw()
		resp, err := r2.Handshake(connectReq{Timeout: 10000, SessionID: rc.SessionID, Passwd: rc.Passwd})
		if err != nil {
			rec.Printf("%s: resume -> error %v", r2.Name, err)
			continue
		}
		rec.Printf("%s: resume -> session %s timeout=%d", r2.Name, rec.Session(resp.SessionID), resp.Timeout)
		r2.Do("closeSession", opCloseSession, nil, nil)
		r2.SessionID, rc.SessionID = 0, 0
	}
}

// scRawMaxBuffer: a frame of exactly jute.maxbuffer (1048575) bytes is
// accepted; one byte more closes the connection without a reply.
func scRawMaxBuffer(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	p := rec.P("big")
	rc.Do("create big", opCreate, createBody(p, nil, world, 0), decPath)
	// frame body = xid(4) + op(4) + path(4+len) + data(4+n) + version(4)
	overhead := 4 + 4 + 4 + len(p) + 4 + 4
	n := 0xfffff - overhead
	rc.Do(fmt.Sprintf("setData frame=%d", n+overhead), opSetData, setDataBody(p, bytes.Repeat([]byte("x"), n), -1), decStat(rec))
	rc.Do("exists big", opExists, pathWatchBody(p, false), decStat(rec))
	rep := rc.Do("setData frame=1048576", opSetData, setDataBody(p, bytes.Repeat([]byte("y"), n+1), -1), decStat(rec))
	if rep == nil {
		rec.Printf("%s: closed=%v", rc.Name, true)
	} else {
		rc.ClosedState("after oversized frame", 3*time.Second)
	}
	r2 := rec.RawSession(10000)
	r2.Do("exists big", opExists, pathWatchBody(p, false), decStat(rec))
	rec.Note("an oversized length prefix alone also closes")
	r3 := rec.RawSession(10000)
	hdr := binary.BigEndian.AppendUint32(nil, 0x7fffffff)
	if _, err := r3.c.Write(hdr); err != nil {
		t.Fatalf("write: %v", err)
	}
	r3.ClosedState("after length 0x7fffffff", 3*time.Second)
	r4 := rec.RawSession(10000)
	hdr = binary.BigEndian.AppendUint32(nil, 0xffffffff)
	if _, err := r4.c.Write(hdr); err != nil {
		t.Fatalf("write: %v", err)
	}
	r4.ClosedState("after length -1", 3*time.Second)
}

// scRawPingClose: ping replies carry xid -2 and the last zxid; closeSession
// is answered (consuming a zxid) and then the connection is closed.
func scRawPingClose(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	ping := func() {
		if err := rc.Send(xidPing, opPing, nil); err != nil {
			t.Fatalf("send ping: %v", err)
		}
		rep, err := rc.ReadReply(5 * time.Second)
		if err != nil {
			t.Fatalf("ping reply: %v", err)
		}
		rec.Printf("%s: ping -> xid=%d zxid=%s err=%s frameLen=%d", rc.Name, rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), rep.FrameLen)
	}
	ping()
	rc.Do("create a", opCreate, createBody(rec.P("a"), nil, world, 0), decPath)
	ping()
	rc.Do("create a (fails)", opCreate, createBody(rec.P("a"), nil, world, 0), decPath)
	ping()
	rc.Do("getData a", opGetData, pathWatchBody(rec.P("a"), false), decData(rec))
	ping()
	rec.Note("a ping with a normal xid is answered with xid -2")
	if err := rc.Send(rc.nextXid(), opPing, nil); err != nil {
		t.Fatalf("send ping: %v", err)
	}
	if rep, err := rc.ReadReply(5 * time.Second); err != nil {
		t.Fatalf("ping reply: %v", err)
	} else {
		rec.Printf("%s: ping xid=%d -> xid=%d zxid=%s err=%s frameLen=%d", rc.Name, rc.xid, rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), rep.FrameLen)
	}
	rc.Do("create e", opCreate, createBody(rec.P("e"), nil, world, zk.FlagEphemeral), decPath)
	rc.Do("closeSession", opCloseSession, nil, nil)
	rc.ClosedState("after closeSession", 3*time.Second)
	rc.SessionID = 0
	r2 := rec.RawSession(10000)
	r2.Do("exists e", opExists, pathWatchBody(rec.P("e"), false), decStat(rec))
	ping2 := func() {
		if err := r2.Send(xidPing, opPing, nil); err != nil {
			t.Fatalf("send ping: %v", err)
		}
		rep, err := r2.ReadReply(5 * time.Second)
		if err != nil {
			t.Fatalf("ping reply: %v", err)
		}
		rec.Printf("%s: ping -> xid=%d zxid=%s err=%s frameLen=%d", r2.Name, rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), rep.FrameLen)
	}
	ping2()
	rec.Note("requests pipelined behind closeSession fail (Apache races: no reply or SessionExpired)")
	if err := r2.Send(r2.nextXid(), opCloseSession, nil); err != nil {
		t.Fatal(err)
	}
	if err := r2.Send(r2.nextXid(), opExists, pathWatchBody(rec.Root, false)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rep, err := r2.ReadReply(3 * time.Second)
		if err != nil {
			rec.Printf("%s: then connection closed=%v", r2.Name, isClosedErr(err))
			break
		}
		if rep.Xid == r2.xid && rep.Err == -112 {
			continue // the optional SessionExpired answer to the pipelined request
		}
		rec.Printf("%s: reply xid=%d zxid=%s err=%s frameLen=%d", r2.Name, rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), rep.FrameLen)
	}
	r2.SessionID = 0
}

// scRawAuth covers the auth packet: xid -4 echo, go-zookeeper-style
// positive xids, unknown schemes (AuthFailed then close).
func scRawAuth(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	rc := rec.RawSession(10000)
	auth := func(r *Raw, xid int32, scheme, cred string) {
		if err := r.Send(xid, opAuth, (&jw{}).i32(0).str(scheme).buf([]byte(cred)).b); err != nil {
			t.Fatalf("send auth: %v", err)
		}
		rep, err := r.ReadReply(5 * time.Second)
		if err != nil {
			rec.Printf("%s: auth xid=%d %s %s -> %s", r.Name, xid, scheme, cred, map[bool]string{true: "connection closed", false: "error " + fmt.Sprint(err)}[isClosedErr(err)])
			return
		}
		rec.Printf("%s: auth xid=%d %s %s -> reply xid=%d zxid=%s err=%s frameLen=%d", r.Name, xid, scheme, cred, rep.Xid, rec.Zxid(rep.Zxid), codeName(rep.Err), rep.FrameLen)
	}
	auth(rc, xidAuth, "digest", "user:pass")
	auth(rc, 7, "digest", "user2:pass2")
	rc.xid = 7
	rc.Do("create auth ACL", opCreate, createBody(rec.P("a"), nil, zk.AuthACL(zk.PermAll), 0), decPath)
	rc.Do("getACL", opGetACL, pathBody(rec.P("a")), decACLSorted(rec))
	auth(rc, xidAuth, "digest", "nocolon")
	auth(rc, xidAuth, "digest", "")
	rc.Do("getACL after odd digests", opGetACL, pathBody(rec.P("a")), decACLSorted(rec))
	auth(rc, xidAuth, "ip", "127.0.0.1")
	rc.ClosedState("after ip auth", 300*time.Millisecond)
	r2 := rec.RawSession(10000)
	auth(r2, xidAuth, "foo", "bar")
	r2.ClosedState("after unknown scheme", 3*time.Second)
	r3 := rec.RawSession(10000)
	r3.Do("getData with no auth", opGetData, pathWatchBody(rec.P("a"), false), decData(rec))
	auth(r3, xidAuth, "digest", "super:test")
	r3.Do("getData as super", opGetData, pathWatchBody(rec.P("a"), false), decData(rec))
}

// scFourLetterWords covers ruok/isro and the shape of srvr/mntr.
func scFourLetterWords(t *testing.T, s *zkharness.Server, rec *Recorder) {
	for _, cmd := range []string{"ruok", "isro"} {
		out, err := s.FourLetter(cmd)
		rec.Printf("4lw %s -> %q err=%v", cmd, out, err)
	}
	out, err := fourLetterRetry(t, s, "srvr")
	rec.Printf("4lw srvr -> keys=%s err=%v", lineKeys(out, ":"), err)
	rec.Check("srvr says Mode: standalone", strings.Contains(out, "\nMode: standalone\n"))
	out, err = fourLetterRetry(t, s, "mntr")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	first := ""
	if len(lines) >= 2 {
		first = lines[0][:strings.IndexByte(lines[0]+"\t", '\t')] + " " + lines[1]
	}
	rec.Printf("4lw mntr -> first lines %q err=%v", first, err)
	rc := rec.Raw()
	if _, err := rc.c.Write([]byte("abcd")); err != nil {
		t.Fatal(err)
	}
	rc.ClosedState("unknown 4-byte word abcd", 3*time.Second)
}

// scFourLetterWhitelist: words outside 4lw.commands.whitelist are refused.
func scFourLetterWhitelist(t *testing.T, s *zkharness.Server, rec *Recorder) {
	for _, cmd := range []string{"ruok", "stat", "mntr", "isro", "conf"} {
		out, err := s.FourLetter(cmd)
		rec.Printf("4lw %s -> %q err=%v", cmd, out, err)
	}
	out, err := fourLetterRetry(t, s, "srvr")
	rec.Printf("4lw srvr -> keys=%s err=%v", lineKeys(out, ":"), err)
}

// fourLetterRetry retries a 4lw that came back empty: Apache ZooKeeper
// occasionally closes a srvr/mntr connection without output (the command
// thread failed), which says nothing about the format being checked.
func fourLetterRetry(t *testing.T, s *zkharness.Server, cmd string) (string, error) {
	var out string
	var err error
	for i := 0; i < 5; i++ {
		out, err = s.FourLetter(cmd)
		if err != nil || out != "" {
			return out, err
		}
		t.Logf("4lw %s answered nothing (attempt %d); retrying", cmd, i+1)
	}
	return out, err
}

// lineKeys lists the "key" part of "key<sep>value" lines (or quotes the
// whole output when it has none).
func lineKeys(out, sep string) string {
	var keys []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if i := strings.Index(l, sep); i > 0 {
			keys = append(keys, l[:i])
		}
	}
	if len(keys) == 0 {
		return fmt.Sprintf("none, output %q", out)
	}
	return "[" + strings.Join(keys, "|") + "]"
}

const (
	opCheckWatches         = 17
	opRemoveWatches        = 18
	opGetEphemerals        = 103
	opGetAllChildrenNumber = 104
	opWhoAmI               = 106 + 1
)

func decInt(j *jr) string { return fmt.Sprintf("int=%d", j.i32()) }

func decSortedStrings(j *jr) string {
	return "list(sorted)=" + fmtChildren(j.strs())
}

func decWhoAmI(j *jr) string {
	n := j.i32()
	var ids []string
	for i := int32(0); i < n && j.err == nil; i++ {
		ids = append(ids, j.str()+":"+j.str())
	}
	return "identities(sorted)=" + fmtChildren(ids)
}

// scRawPersistentWatches covers addWatch (persistent and recursive),
// checkWatches and removeWatches (zkCli's addWatch/removewatches).
func scRawPersistentWatches(t *testing.T, s *zkharness.Server, rec *Recorder) {
	rec.Begin()
	w := rec.RawSession(10000) // watcher
	c := rec.RawSession(10000) // writer
	barrier := func() {
		w.Do("exists root (barrier)", opExists, pathWatchBody(rec.Root, false), decStat(rec))
	}
	w.Do("addWatch persistent pw", opAddWatch, (&jw{}).str(rec.P("pw")).i32(0).b, decInt)
	w.Do("addWatch recursive rw", opAddWatch, (&jw{}).str(rec.P("rw")).i32(1).b, decInt)
	c.Do("create pw", opCreate, createBody(rec.P("pw"), nil, world, 0), decPath)
	c.Do("setData pw", opSetData, setDataBody(rec.P("pw"), []byte("1"), -1), decStat(rec))
	c.Do("setData pw", opSetData, setDataBody(rec.P("pw"), []byte("2"), -1), decStat(rec))
	c.Do("create pw/c", opCreate, createBody(rec.P("pw", "c"), nil, world, 0), decPath)
	c.Do("setData pw/c", opSetData, setDataBody(rec.P("pw", "c"), []byte("x"), -1), decStat(rec))
	c.Do("create pw/c/d", opCreate, createBody(rec.P("pw", "c", "d"), nil, world, 0), decPath)
	barrier()
	c.Do("create rw", opCreate, createBody(rec.P("rw"), nil, world, 0), decPath)
	c.Do("create rw/a", opCreate, createBody(rec.P("rw", "a"), nil, world, 0), decPath)
	c.Do("create rw/a/b", opCreate, createBody(rec.P("rw", "a", "b"), nil, world, 0), decPath)
	c.Do("setData rw/a/b", opSetData, setDataBody(rec.P("rw", "a", "b"), []byte("x"), -1), decStat(rec))
	c.Do("delete rw/a/b", opDelete, pathVersionBody(rec.P("rw", "a", "b"), -1), nil)
	c.Do("create rwx (sibling prefix)", opCreate, createBody(rec.P("rwx"), nil, world, 0), decPath)
	barrier()
	rec.Note("a one-shot watch and a persistent one on the same path: one event")
	w.Do("getData watch pw", opGetData, pathWatchBody(rec.P("pw"), true), decData(rec))
	c.Do("setData pw", opSetData, setDataBody(rec.P("pw"), []byte("3"), -1), decStat(rec))
	barrier()
	rec.Note("checkWatches / removeWatches (type 1 children, 2 data, 3 any)")
	w.Do("checkWatches pw any", opCheckWatches, (&jw{}).str(rec.P("pw")).i32(3).b, nil)
	w.Do("checkWatches nope any", opCheckWatches, (&jw{}).str(rec.P("nope")).i32(3).b, nil)
	w.Do("removeWatches nope any", opRemoveWatches, (&jw{}).str(rec.P("nope")).i32(3).b, nil)
	w.Do("removeWatches pw data", opRemoveWatches, (&jw{}).str(rec.P("pw")).i32(2).b, nil)
	c.Do("setData pw", opSetData, setDataBody(rec.P("pw"), []byte("4"), -1), decStat(rec))
	barrier()
	w.Do("removeWatches pw any", opRemoveWatches, (&jw{}).str(rec.P("pw")).i32(3).b, nil)
	c.Do("setData pw", opSetData, setDataBody(rec.P("pw"), []byte("5"), -1), decStat(rec))
	w.Do("removeWatches rw children", opRemoveWatches, (&jw{}).str(rec.P("rw")).i32(1).b, nil)
	c.Do("create rw/z", opCreate, createBody(rec.P("rw", "z"), nil, world, 0), decPath)
	barrier()
	w.Do("removeWatches rw any", opRemoveWatches, (&jw{}).str(rec.P("rw")).i32(3).b, nil)
	c.Do("delete rw/z", opDelete, pathVersionBody(rec.P("rw", "z"), -1), nil)
	barrier()
	w.Do("addWatch bad mode", opAddWatch, (&jw{}).str(rec.P("pw")).i32(7).b, decInt)
	w.ClosedState("after addWatch with a bad mode", 300*time.Millisecond)
}

// scRawCLIOps covers the ops zkCli uses beyond the basics: getEphemerals,
// getAllChildrenNumber, whoAmI.
func scRawCLIOps(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("sub"), nil, 0, world)
	r1 := rec.RawSession(10000)
	r2 := rec.RawSession(10000)
	r1.Do("create e1", opCreate, createBody(rec.P("e1"), nil, world, zk.FlagEphemeral), decPath)
	r1.Do("create sub/e2", opCreate, createBody(rec.P("sub", "e2"), nil, world, zk.FlagEphemeral), decPath)
	r1.Do("create sub/p", opCreate, createBody(rec.P("sub", "p"), nil, world, 0), decPath)
	r2.Do("create e3", opCreate, createBody(rec.P("e3"), nil, world, zk.FlagEphemeral), decPath)
	r1.Do("getEphemerals root", opGetEphemerals, pathBody(rec.Root), decSortedStrings)
	r1.Do("getEphemerals sub prefix", opGetEphemerals, pathBody(rec.P("s")), decSortedStrings)
	r1.Do("getEphemerals nope", opGetEphemerals, pathBody(rec.P("nope")), decSortedStrings)
	r2.Do("getEphemerals /", opGetEphemerals, pathBody("/"), decSortedStrings)
	r2.Do("getEphemerals \"\"", opGetEphemerals, pathBody(""), decSortedStrings)
	r1.Do("getAllChildrenNumber root", opGetAllChildrenNumber, pathBody(rec.Root), decInt)
	r1.Do("getAllChildrenNumber sub", opGetAllChildrenNumber, pathBody(rec.P("sub")), decInt)
	r1.Do("getAllChildrenNumber leaf", opGetAllChildrenNumber, pathBody(rec.P("e1")), decInt)
	r1.Do("getAllChildrenNumber nope", opGetAllChildrenNumber, pathBody(rec.P("nope")), decInt)
	r1.Do("whoAmI", opWhoAmI, nil, decWhoAmI)
	if err := r1.Send(xidAuth, opAuth, (&jw{}).i32(0).str("digest").buf([]byte("user:pass")).b); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.ReadReply(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	r1.Do("whoAmI after digest auth", opWhoAmI, nil, decWhoAmI)
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
}
