package server

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/zkproto"
)

type testServer struct {
	*Server
	dir  string
	done chan error
}

func startServer(t *testing.T, dir string, tweak func(*config.Coordinator)) *testServer {
	t.Helper()
	cfg := config.DefaultCoordinator()
	cfg.DataDir, cfg.DataLogDir = dir, dir
	cfg.ClientPortAddress, cfg.ClientPort = "127.0.0.1", 0
	cfg.TickTime, cfg.MinSessionTimeout, cfg.MaxSessionTimeout = 200, 400, 4000
	cfg.FourLetterWords = map[string]bool{"ruok": true, "srvr": true}
	if tweak != nil {
		tweak(cfg)
	}
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	s, err := New(cfg, logrus.NewEntry(lg))
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, dir: dir, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { ts.done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ts.done })
	return ts
}

func (ts *testServer) stop(t *testing.T) {
	ts.Close()
}

func dial(t *testing.T, s *Server, timeout time.Duration) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ev, err := zk.Connect([]string{s.Addr().String()}, timeout, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(5 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatal("no session")
		}
	}
	return c, ev
}

func TestBasicOps(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	c, _ := dial(t, s.Server, time.Second)
	if p, err := c.Create("/a", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil || p != "/a" {
		t.Fatalf("create: %q %v", p, err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "x" || st.Version != 0 {
		t.Fatalf("get: %q %+v %v", data, st, err)
	}
	if _, err := c.Set("/a", []byte("y"), 5); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("set with bad version: %v", err)
	}
	if _, err := c.Create("/a", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	res, err := c.Multi(&zk.CreateRequest{Path: "/a/b", Acl: zk.WorldACL(zk.PermAll)},
		&zk.CheckVersionRequest{Path: "/a", Version: 9})
	if !errors.Is(err, zk.ErrBadVersion) || len(res) != 2 {
		t.Fatalf("failed multi: %v %+v", err, res)
	}
	if ok, _, _ := c.Exists("/a/b"); ok {
		t.Fatal("failed multi applied its create")
	}
	kids, _, err := c.Children("/")
	if err != nil || len(kids) != 2 {
		t.Fatalf("children: %v %v", kids, err)
	}
}

func TestWatchBeforeReply(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	c, _ := dial(t, s.Server, time.Second)
	_, _, ch, err := c.ExistsW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/w", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeCreated || ev.Path != "/w" {
			t.Fatalf("event %+v", ev)
		}
	default:
		t.Fatal("watch event did not arrive before the create's reply")
	}
}

func TestSessionExpiryDeletesEphemerals(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	watcher, _ := dial(t, s.Server, time.Second)
	// A raw client that creates an ephemeral and then goes silent, keeping
	// its socket open: only expiry can remove the node.
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	send := func(recs ...zkproto.Record) {
		if _, err := nc.Write(zkproto.AppendFrame(nil, recs...)); err != nil {
			t.Fatal(err)
		}
	}
	send(&zkproto.ConnectRequest{TimeOut: 400, Passwd: make([]byte, 16)})
	var resp zkproto.ConnectResponse
	frame, err := zkproto.ReadFrame(nc, 0, nil)
	if err != nil || zkproto.Unmarshal(frame, &resp) != nil || resp.TimeOut != 400 {
		t.Fatalf("connect: %v %+v", err, resp)
	}
	send(&zkproto.RequestHeader{Xid: 1, Op: zkproto.OpCreate},
		&zkproto.CreateRequest{Path: "/eph", ACL: zkproto.OpenACLUnsafe, Flags: zkproto.ModeEphemeral})
	if _, err := zkproto.ReadFrame(nc, 0, nil); err != nil {
		t.Fatal(err)
	}
	ok, st, ch, err := watcher.ExistsW("/eph")
	if err != nil || !ok || st.EphemeralOwner != resp.SessionID {
		t.Fatalf("exists: %v %+v %v", ok, st, err)
	}
	start := time.Now()
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ephemeral not deleted after session expiry")
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("session expired after %v, before its 400ms timeout", el)
	}
}

func TestRestartKeepsDataAndSessions(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, nil)
	c, _ := dial(t, s.Server, 4*time.Second)
	for i := 0; i < 50; i++ {
		if _, err := c.Create("/seq-", []byte("v"), zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create("/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	sid := c.SessionID()
	s.stop(t)
	s2 := startServer(t, dir, nil)
	s2.db.mu.RLock()
	n := s2.db.tree.Get("/e")
	kids := len(s2.db.tree.Get("/").Children)
	s2.db.mu.RUnlock()
	if n == nil || n.EphemeralOwner != sid || kids != 52 {
		t.Fatalf("after restart: ephemeral %+v, %d root children", n, kids)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
