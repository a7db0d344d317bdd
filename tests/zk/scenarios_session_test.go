package zk_test

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

func recConnectResp(rec *Recorder, rc *Raw, what string, resp *connectResp, err error) {
	if err != nil {
		rec.Printf("%s: %s -> error closed=%v", rc.Name, what, isClosedErr(err))
		return
	}
	rec.Printf("%s: %s -> bodyLen=%d timeout=%d session=%s passwdZero=%v", rc.Name, what, resp.BodyLen, resp.Timeout,
		rec.Session(resp.SessionID), bytes.Equal(resp.Passwd, make([]byte, 16)))
}

// scSessionReconnect: resuming a session on a new connection (which closes
// the old one), wrong passwords and unknown or closed session ids.
func scSessionReconnect(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	r1 := rec.RawSession(10000)
	r1.Do("create ephemeral", opCreate, createBody(rec.P("e"), []byte("x"), world, zk.FlagEphemeral), decPath)
	c.ExistsW(rec.P("e"))

	r2 := rec.Raw()
	resp, err := r2.Handshake(connectReq{Timeout: 6000, SessionID: r1.SessionID, Passwd: r1.Passwd})
	recConnectResp(rec, r2, "resume s2 with its password", resp, err)
	r1.ClosedState("old connection after resume", 3*time.Second)
	r1.SessionID = 0
	r2.Do("exists e", opExists, pathWatchBody(rec.P("e"), false), decStat(rec))

	bad := append([]byte(nil), r2.Passwd...)
	bad[0] ^= 0xff
	r3 := rec.Raw()
	resp, err = r3.Handshake(connectReq{Timeout: 10000, SessionID: r2.SessionID, Passwd: bad})
	recConnectResp(rec, r3, "resume s2 with a wrong password", resp, err)
	r3.ClosedState("after refused resume", 3*time.Second)
	rec.Note("even a refused resume closes the session's current connection")
	r2.ClosedState("s2's connection", 3*time.Second)
	r6 := rec.Raw()
	resp, err = r6.Handshake(connectReq{Timeout: 10000, SessionID: r2.SessionID, Passwd: r2.Passwd})
	recConnectResp(rec, r6, "resume s2 again", resp, err)
	r2.SessionID = 0
	r6.Do("s2 still works", opExists, pathWatchBody(rec.P("e"), false), decStat(rec))

	r4 := rec.Raw()
	resp, err = r4.Handshake(connectReq{Timeout: 10000, SessionID: 0x0badc0ffee, Passwd: make([]byte, 16)})
	recConnectResp(rec, r4, "resume a bogus session id", resp, err)
	r4.ClosedState("after bogus session", 3*time.Second)

	rec.Note("go-zookeeper's view of the same: still connected after a refused resume")
	c.Exists(rec.P("e"))

	sid, pw := r6.SessionID, r6.Passwd
	r6.Do("closeSession", opCloseSession, nil, nil)
	r6.SessionID = 0
	rec.Barrier(c)
	r5 := rec.Raw()
	resp, err = r5.Handshake(connectReq{Timeout: 10000, SessionID: sid, Passwd: pw})
	recConnectResp(rec, r5, "resume the closed session", resp, err)
	r5.ClosedState("after resuming a closed session", 3*time.Second)
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
}

// scSessionExpiry (tickTime=500): a session that goes silent expires within
// [timeout, timeout+tick]; its ephemerals go in one txn, watchers see
// NodeDeleted + NodeChildrenChanged, and resuming it gets the expired reply.
func scSessionExpiry(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	// The expiry deletes all ephemerals in one txn, in an order that is
	// unspecified (a Java HashSet in ZooKeeper), so only one of them has
	// watchers here.
	c.Create(rec.P("sub"), nil, 0, world)
	r := rec.RawSession(1000)
	r.Do("create ephemeral", opCreate, createBody(rec.P("eph"), []byte("x"), world, zk.FlagEphemeral), decPath)
	silentSince := time.Now()
	r.Do("create ephemeral 2", opCreate, createBody(rec.P("sub", "eph2"), nil, world, zk.FlagEphemeral), decPath)
	c.Exists(rec.P("eph"))
	c.ExistsW(rec.P("eph"))
	c.ChildrenW(rec.Root)
	zkharness.WaitFor(t, 20*time.Second, func() error {
		if n := c.EventCount(); n < 2 {
			return errorf("session not expired yet (%d events)", n)
		}
		return nil
	})
	elapsed := time.Since(silentSince)
	t.Logf("expired after %v (timeout %dms, tick 500ms)", elapsed, r.Timeout)
	rec.Check("expiry after >= 0.9*timeout and < timeout+tick+2s", elapsed >= 900*time.Millisecond && elapsed < time.Duration(r.Timeout)*time.Millisecond+2500*time.Millisecond)
	rec.Barrier(c)
	c.Exists(rec.P("eph"))
	c.Exists(rec.P("sub", "eph2"))
	c.Children(rec.Root)
	rec.Note("the expiry consumed exactly one zxid")
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
	r.ClosedState("expired session's connection", 3*time.Second)
	sid := r.SessionID
	r.SessionID = 0
	r2 := rec.Raw()
	resp, err := r2.Handshake(connectReq{Timeout: 1000, SessionID: sid, Passwd: r.Passwd})
	recConnectResp(rec, r2, "resume the expired session", resp, err)
	r2.ClosedState("after resuming an expired session", 3*time.Second)

	rec.Note("go-zookeeper client whose connection freezes: its session expires too")
	var fz netControl
	c2 := rec.ConnectTimeout(time.Second, zk.WithDialer(fz.dial))
	c2.Create(rec.P("eph3"), nil, zk.FlagEphemeral, world)
	c.ExistsW(rec.P("eph3"))
	fz.freeze()
	zkharness.WaitFor(t, 20*time.Second, func() error {
		if n := c.EventCount(); n < 1 {
			return errorf("frozen session not expired yet")
		}
		return nil
	})
	rec.Barrier(c)
	fz.thaw()
	zkharness.WaitFor(t, 20*time.Second, func() error {
		for _, st := range c2.States() {
			if st == zk.StateExpired {
				return nil
			}
		}
		return errorf("go-zookeeper has not seen StateExpired: %v", c2.States())
	})
	rec.Printf("c2: observed StateExpired")
}

// scRestart: data, Stats, sequence counters and sessions survive a clean
// stop and a SIGKILL; zxids continue.
func scRestart(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("p"), []byte("data"), 0, world)
	c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
	p, _ := c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
	c.Delete(p, -1)
	c.Create(rec.P("e"), []byte("eph"), zk.FlagEphemeral, world)
	c.SetACL(rec.P("p"), zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermAdmin), -1)
	c.Set(rec.P("p"), []byte("data2"), -1)
	c.Exists(rec.P("p"))
	c.Exists(rec.Root)
	for round, kill := range []bool{false, true} {
		if kill {
			rec.Note("SIGKILL and restart")
			s.Kill()
			s.Restart(t)
		} else {
			rec.Note("SIGTERM and restart")
			s.Restart(t)
		}
		// go-zookeeper notices the dropped connection and resumes the session.
		// Apache accepts connections before its database is loaded and can
		// wedge one (an NPE in its log), costing the client a full recv
		// timeout per attempt on a loaded machine, hence the long bound.
		zkharness.WaitFor(t, 90*time.Second, func() error {
			if _, _, err := c.Conn.Exists("/"); err != nil {
				return err
			}
			if st := c.Conn.State(); st != zk.StateHasSession {
				return errorf("state %v", st)
			}
			return nil
		})
		c.Get(rec.P("p"))
		c.GetACL(rec.P("p"))
		c.Exists(rec.P("e"))
		c.Children(rec.Root)
		c.Exists(rec.Root)
		c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
		c.Create(rec.P("after"+string(rune('0'+round))), nil, 0, world)
		c.Exists(rec.P("after" + string(rune('0'+round))))
		c2 := rec.Connect()
		c2.Create(rec.P("x"+string(rune('0'+round))), nil, 0, world)
		c2.Exists(rec.P("x" + string(rune('0'+round))))
		c2.Close()
	}
}

// netControl is a go-zookeeper Dialer whose connections the test can
// freeze (reads and writes block, ignoring deadlines: the server sees a
// silent client and the client sees nothing, like a partition), drop, and
// keep from reconnecting.
type netControl struct {
	mu      sync.Mutex
	cond    *sync.Cond
	frozen  bool
	noDial  bool
	current net.Conn
}

func (f *netControl) lock() {
	f.mu.Lock()
	if f.cond == nil {
		f.cond = sync.NewCond(&f.mu)
	}
}

func (f *netControl) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	f.lock()
	for f.noDial {
		f.cond.Wait()
	}
	f.mu.Unlock()
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	f.lock()
	f.current = c
	f.mu.Unlock()
	return &controlledConn{Conn: c, f: f}, nil
}

func (f *netControl) set(frozen, noDial bool) {
	f.lock()
	f.frozen, f.noDial = frozen, noDial
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *netControl) freeze() { f.set(true, false) }
func (f *netControl) thaw()   { f.set(false, false) }

// drop closes the current connection and holds back reconnects until
// allowDial.
func (f *netControl) drop() {
	f.set(false, true)
	f.lock()
	if f.current != nil {
		f.current.Close()
	}
	f.mu.Unlock()
}

func (f *netControl) allowDial() { f.set(false, false) }

func (f *netControl) wait() {
	f.lock()
	for f.frozen {
		f.cond.Wait()
	}
	f.mu.Unlock()
}

type controlledConn struct {
	net.Conn
	f *netControl
}

func (c *controlledConn) Read(b []byte) (int, error) {
	c.f.wait()
	n, err := c.Conn.Read(b)
	c.f.wait()
	return n, err
}

func (c *controlledConn) Write(b []byte) (int, error) {
	c.f.wait()
	return c.Conn.Write(b)
}

// scWatchReconnect: go-zookeeper re-registers its watches with SetWatches
// after a reconnect; changes made while it was disconnected fire at once,
// the other watches stay armed.
func scWatchReconnect(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c1 := rec.Begin()
	var nc netControl
	c2 := rec.Connect(zk.WithDialer(nc.dial))
	for _, p := range []string{"d", "p", "gone", "same", "samep"} {
		c1.Create(rec.P(p), []byte("1"), 0, world)
	}
	c2.GetW(rec.P("d"))
	c2.ChildrenW(rec.P("p"))
	c2.ExistsW(rec.P("e"))
	c2.GetW(rec.P("gone"))
	c2.GetW(rec.P("same"))
	c2.ChildrenW(rec.P("samep"))
	c2.ExistsW(rec.P("later"))
	rec.Note("c2 is disconnected")
	nc.drop()
	zkharness.WaitFor(t, 10*time.Second, func() error {
		if st := c2.Conn.State(); st == zk.StateHasSession {
			return errorf("still connected")
		}
		return nil
	})
	c1.Set(rec.P("d"), []byte("2"), -1)
	c1.Create(rec.P("p", "k"), nil, 0, world)
	c1.Create(rec.P("e"), nil, 0, world)
	c1.Delete(rec.P("gone"), -1)
	rec.Note("c2 reconnects and sends SetWatches; events in the client's (unspecified) order, sorted")
	nc.allowDial()
	zkharness.WaitFor(t, 20*time.Second, func() error {
		if n := c2.EventCount(); n < 4 {
			return errorf("%d of 4 events after reconnect (state %v)", n, c2.Conn.State())
		}
		return nil
	})
	c2.drainSorted()
	c2.Exists(rec.P("d"))
	rec.Note("the watches whose nodes did not change are still armed")
	c1.Set(rec.P("same"), []byte("2"), -1)
	c1.Create(rec.P("samep", "k"), nil, 0, world)
	c1.Create(rec.P("later"), nil, 0, world)
	c1.Set(rec.P("d"), []byte("3"), -1)
	rec.Barrier(c2)
}
