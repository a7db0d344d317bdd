package zkproto

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// With -update, TestCaptureZooKeeper starts a real Apache ZooKeeper 3.8,
// drives it through a recording TCP proxy with a scripted Go client (built
// on this codec) and with the Java CLI, and rewrites testdata/zk38_*.hex.
// The server's replies and the Java client's requests are independent
// evidence of the wire format; the Go client's requests are our own.
var update = flag.Bool("update", false, "capture golden frames from a local Apache ZooKeeper 3.8")

const zkClasspath = "/etc/zookeeper/conf:/usr/share/java/*"

func TestCaptureZooKeeper(t *testing.T) {
	if !*update {
		t.Skip("run with -update to capture frames from Apache ZooKeeper")
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not installed")
	}
	zkAddr := startZooKeeper(t)
	rec := &recorder{}
	proxy := startProxy(t, zkAddr, rec)

	rec.setClient("scripted Go")
	goScript(t, proxy, false)
	goScript(t, proxy, true)
	rec.setClient("Java zkCli")
	for _, args := range [][]string{{"create", "/javanode", "hello"}, {"get", "-s", "/g"}} {
		javaCLI(t, proxy, args...)
	}
	rec.wait(t)

	old, _ := filepath.Glob(filepath.Join("testdata", "zk38_*.hex"))
	for _, f := range old {
		os.Remove(f)
	}
	for i, f := range rec.frames {
		name := fmt.Sprintf("zk38_c%d_%02d_%s", f.conn, i, f.g.kind)
		if f.g.kind == "request" || f.g.kind == "reply" {
			name += "_" + f.g.op.String()
		}
		f.g.name = name + ".hex"
		comment := "captured from Apache ZooKeeper 3.8 (" + f.client + " client)"
		if err := os.WriteFile(filepath.Join("testdata", f.g.name), formatGolden(f.g, comment), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d frames", len(rec.frames))
}

func startZooKeeper(t *testing.T) string {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\n4lw.commands.whitelist=*\n", filepath.Join(dir, "data"), port)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "java", "-cp", zkClasspath,
		"-Dzookeeper.extendedTypesEnabled=true",
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("zookeeper output:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if handshake(addr) == nil {
			return addr
		}
	}
	t.Fatalf("zookeeper did not start:\n%s", out.String())
	return ""
}

// handshake opens and closes a session, which succeeds only once the
// server is serving: it accepts TCP connections before its database loads.
func handshake(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(AppendFrame(nil, &ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})); err != nil {
		return err
	}
	body, err := ReadFrame(c, DefaultMaxBuffer, nil)
	if err != nil {
		return err
	}
	var resp ConnectResponse
	if err := Unmarshal(body, &resp); err != nil {
		return err
	}
	_, err = c.Write(AppendFrame(nil, &RequestHeader{Xid: 1, Op: OpCloseSession}))
	return err
}

type recFrame struct {
	conn   int
	client string
	g      goldenFrame
}

// recorder collects frames from all proxied connections in arrival order.
type recorder struct {
	mu     sync.Mutex
	frames []recFrame
	conns  int
	client string // who the next accepted connection belongs to
	wg     sync.WaitGroup
}

func (r *recorder) setClient(name string) {
	r.mu.Lock()
	r.client = name
	r.mu.Unlock()
}

func (r *recorder) add(f recFrame) {
	r.mu.Lock()
	r.frames = append(r.frames, f)
	r.mu.Unlock()
}

func (r *recorder) wait(t *testing.T) {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("proxy connections did not finish")
	}
}

func startProxy(t *testing.T, zkAddr string, rec *recorder) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", zkAddr)
			if err != nil {
				c.Close()
				continue
			}
			rec.mu.Lock()
			rec.conns++
			id, client := rec.conns, rec.client
			rec.mu.Unlock()
			rec.wg.Add(1)
			go proxyConn(rec, id, client, c, s)
		}
	}()
	return l.Addr().String()
}

// proxyConn forwards frames both ways and labels each with the opcode it
// carries or answers, which it learns from the request headers by xid.
func proxyConn(rec *recorder, id int, client string, c, s net.Conn) {
	defer rec.wg.Done()
	var mu sync.Mutex
	ops := map[int32]Op{}
	pump := func(src, dst net.Conn, toServer bool) {
		defer dst.Close()
		var buf []byte
		for first := true; ; first = false {
			body, err := ReadFrame(src, DefaultMaxBuffer, buf)
			if err != nil {
				return
			}
			buf = body
			frame := AppendFrame(nil, rawRecord(body))
			g := goldenFrame{frame: frame}
			d := NewDecoder(body)
			switch {
			case first && toServer:
				g.kind = "connreq"
			case first:
				g.kind = "connresp"
			case toServer:
				var h RequestHeader
				h.Decode(d)
				g.kind, g.op = "request", h.Op
				mu.Lock()
				ops[h.Xid] = h.Op
				mu.Unlock()
			default:
				var h ReplyHeader
				h.Decode(d)
				mu.Lock()
				g.kind, g.op = "reply", ops[h.Xid]
				mu.Unlock()
				if h.Xid == XidWatchEvent {
					g.kind, g.op = "event", 0
				}
			}
			rec.add(recFrame{conn: id, client: client, g: g})
			if _, err := dst.Write(frame); err != nil {
				return
			}
		}
	}
	done := make(chan struct{})
	go func() { pump(s, c, false); close(done) }()
	pump(c, s, true)
	<-done
}

// zkConn is a minimal synchronous client used only to script captures.
type zkConn struct {
	t   *testing.T
	c   net.Conn
	xid int32
	buf []byte
}

func (z *zkConn) send(recs ...Record) {
	z.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := z.c.Write(AppendFrame(nil, recs...)); err != nil {
		z.t.Fatal(err)
	}
}

func (z *zkConn) read(what string) []byte {
	b, err := ReadFrame(z.c, DefaultMaxBuffer, z.buf)
	if err != nil {
		z.t.Fatalf("reading reply to %s: %v", what, err)
	}
	z.buf = b
	return b
}

// call sends a request and waits for its reply, skipping watch events, and
// checks that the reply decodes with this package.
func (z *zkConn) call(xid int32, op Op, req Record) Error {
	if xid == 0 {
		z.xid++
		xid = z.xid
	}
	z.send(&RequestHeader{Xid: xid, Op: op}, req)
	for {
		body := z.read(fmt.Sprintf("%v (xid %d)", op, xid))
		d := NewDecoder(body)
		var h ReplyHeader
		h.Decode(d)
		if h.Xid == XidWatchEvent {
			continue
		}
		if h.Xid != xid {
			z.t.Fatalf("%v: reply xid %d, want %d", op, h.Xid, xid)
		}
		if r, _ := NewResponse(op); r != nil && h.Err == ErrOK {
			if err := Unmarshal(body[ReplyHeaderSize:], r); err != nil {
				z.t.Fatalf("%v: decoding reply %x: %v", op, body, err)
			}
		}
		return h.Err
	}
}

func goScript(t *testing.T, proxy string, readOnlyByte bool) {
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	z := &zkConn{t: t, c: c}
	z.send(&ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16), HasReadOnly: readOnlyByte})
	var resp ConnectResponse
	if err := Unmarshal(z.read("connect"), &resp); err != nil || resp.HasReadOnly != readOnlyByte {
		t.Fatalf("connect response: %+v, %v", resp, err)
	}
	if readOnlyByte {
		z.call(XidPing, OpPing, nil)
		z.call(0, OpCloseSession, nil)
		return
	}
	open := OpenACLUnsafe
	z.call(0, OpCreate, &CreateRequest{Path: "/g", Data: []byte("data"), ACL: open})
	z.call(0, OpCreate2, &CreateRequest{Path: "/g/c", ACL: open})
	z.call(0, OpCreate, &CreateRequest{Path: "/eph", ACL: open, Flags: ModeEphemeralSequential})
	z.call(0, OpGetData, &GetDataRequest{Path: "/g", Watch: true})
	z.call(0, OpGetData, &GetDataRequest{Path: "/g/c"})
	z.call(0, OpExists, &ExistsRequest{Path: "/nope", Watch: true})
	z.call(0, OpExists, &ExistsRequest{Path: "/g"})
	z.call(0, OpGetChildren, &GetChildrenRequest{Path: "/g", Watch: true})
	z.call(0, OpGetChildren2, &GetChildren2Request{Path: "/"})
	z.call(0, OpSetData, &SetDataRequest{Path: "/g", Data: []byte("data2"), Version: -1})
	z.call(XidPing, OpPing, nil)
	z.call(0, OpMulti, &MultiRequest{Ops: []MultiOp{
		{Op: OpCreate, Req: &CreateRequest{Path: "/m1", ACL: open}},
		{Op: OpCreate2, Req: &CreateRequest{Path: "/m2", ACL: open}},
		{Op: OpCreateContainer, Req: &CreateRequest{Path: "/m3", ACL: open, Flags: ModeContainer}},
		{Op: OpCreateTTL, Req: &CreateTTLRequest{Path: "/m4", ACL: open, Flags: ModePersistentWithTTL, TTL: 60000}},
		{Op: OpSetData, Req: &SetDataRequest{Path: "/g", Data: []byte("d3"), Version: -1}},
		{Op: OpCheck, Req: &CheckVersionRequest{Path: "/g", Version: 2}},
		{Op: OpDelete, Req: &DeleteRequest{Path: "/m1", Version: -1}},
	}})
	z.call(0, OpMulti, &MultiRequest{Ops: []MultiOp{
		{Op: OpCreate, Req: &CreateRequest{Path: "/m5", ACL: open}},
		{Op: OpDelete, Req: &DeleteRequest{Path: "/missing", Version: -1}},
		{Op: OpDelete, Req: &DeleteRequest{Path: "/g/c", Version: -1}},
	}})
	z.call(0, OpMulti, &MultiRequest{})
	z.call(0, OpMultiRead, &MultiRequest{Ops: []MultiOp{
		{Op: OpGetData, Req: &GetDataRequest{Path: "/g"}},
		{Op: OpGetChildren, Req: &GetChildrenRequest{Path: "/g"}},
		{Op: OpGetData, Req: &GetDataRequest{Path: "/missing"}},
	}})
	z.call(0, OpGetACL, &GetACLRequest{Path: "/g"})
	z.call(0, OpSetACL, &SetACLRequest{Path: "/g/c", ACL: OpenACLUnsafe, Version: -1})
	z.call(0, OpSync, &SyncRequest{Path: "/g"})
	z.call(0, OpWhoAmI, nil)
	z.call(0, OpAddWatch, &AddWatchRequest{Path: "/g", Mode: AddWatchPersistentRecursive})
	z.call(0, OpGetEphemerals, &GetEphemeralsRequest{PrefixPath: "/"})
	z.call(0, OpGetAllChildrenNumber, &GetAllChildrenNumberRequest{Path: "/"})
	z.call(XidAuth, OpAuth, &AuthPacket{Scheme: "digest", Auth: []byte("u:p")})
	z.call(0, OpWhoAmI, nil)
	z.call(XidSetWatches, OpSetWatches, &SetWatches{RelativeZxid: 1, DataWatches: []string{"/g"},
		ExistWatches: []string{"/nope"}, ChildWatches: []string{}})
	z.call(XidSetWatches, OpSetWatches2, &SetWatches2{RelativeZxid: 1, DataWatches: []string{},
		ExistWatches: []string{}, ChildWatches: []string{}, PersistentWatches: []string{"/p"},
		PersistentRecursiveWatches: []string{}})
	z.call(0, OpRemoveWatches, &RemoveWatchesRequest{Path: "/g/c", Type: WatcherData})
	z.call(0, OpCreate, &CreateRequest{Path: "/g/x", Data: []byte{}, ACL: open}) // fires the watches
	z.call(0, OpDelete, &DeleteRequest{Path: "/g/x", Version: 5})                // BadVersion
	z.call(0, OpDelete, &DeleteRequest{Path: "/g/x", Version: -1})
	z.call(0, OpCloseSession, nil)
	// The server closes after the closeSession reply.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Logf("after close: %v", err)
	}
}

func javaCLI(t *testing.T, proxy string, args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", append([]string{"-cp", zkClasspath,
		"org.apache.zookeeper.ZooKeeperMain", "-server", proxy}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zkCli %v: %v\n%s", args, err, out)
	}
}
