package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/coordinator/session"
	"github.com/samsa-kafka/samsa/coordinator/txnlog"
	"github.com/samsa-kafka/samsa/zkproto"
)

// sessionlessTimeout is how long a connection may stay without sending its
// ConnectRequest (zookeeper.nio.sessionlessCnxnTimeout).
const sessionlessTimeout = 10 * time.Second

// Server is a standalone ZooKeeper-compatible server.
type Server struct {
	cfg   *config.Coordinator
	log   *logrus.Entry
	db    *db
	tlog  *txnlog.Log
	ln    net.Listener
	start time.Time

	sessMu      sync.Mutex    // guards db.sessions; taken after db.mu, never before
	outstanding chan struct{} // globalOutstandingLimit slots

	connMu     sync.Mutex
	conns      map[*conn]struct{}
	perIP      map[string]int
	nextConnID int64

	stats     serverStats
	snapping  atomic.Bool
	snapEvery int // transactions between snapshots, randomised like ZooKeeper's

	wg        sync.WaitGroup
	cancel    context.CancelFunc
	failMu    sync.Mutex
	failErr   error
	closeOnce sync.Once
}

// New recovers the data directory and binds the client port; Run serves.
func New(cfg *config.Coordinator, log *logrus.Entry) (*Server, error) {
	if log == nil {
		log = logrus.NewEntry(logrus.New())
	}
	s := &Server{
		cfg: cfg, log: log, start: time.Now(),
		conns: map[*conn]struct{}{}, perIP: map[string]int{},
	}
	limit := cfg.GlobalOutstandingLimit
	if limit <= 0 {
		limit = 1000
	}
	s.outstanding = make(chan struct{}, limit)
	s.snapEvery = cfg.SnapCount/2 + 1 + rand.IntN(max(cfg.SnapCount/2, 1))
	t, tl, err := s.recover()
	if err != nil {
		return nil, err
	}
	s.tlog = tl
	tr := session.NewTracker(int64(cfg.TickTime), 0, time.Now().UnixMilli())
	for id, to := range t.Sessions {
		tr.Add(id, to, s.monoMs())
	}
	s.db = newDB(t, tr, tl)
	ln, err := net.Listen("tcp", cfg.ClientAddr())
	if err != nil {
		tl.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.ClientAddr(), err)
	}
	s.ln = ln
	log.WithFields(logrus.Fields{"addr": ln.Addr().String(), "zxid": fmt.Sprintf("0x%x", t.LastZxid),
		"sessions": len(t.Sessions), "nodes": t.NodeCount()}).Info("coordinator serving")
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func (s *Server) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Run serves until ctx is cancelled or the transaction log fails, then
// shuts down and waits for every goroutine it started.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	defer cancel()
	s.goroutine(func() { s.commitLoop(ctx) })
	s.goroutine(func() { s.expireLoop(ctx) })
	s.goroutine(func() { s.reapLoop(ctx) })
	if s.cfg.AutopurgePurgeInterval > 0 {
		s.goroutine(func() { s.purgeLoop(ctx) })
	}
	s.goroutine(func() { s.acceptLoop() })
	<-ctx.Done()
	s.shutdown()
	s.failMu.Lock()
	defer s.failMu.Unlock()
	return s.failErr
}

// Close stops a server whose Run has not been called (Run closes itself).
func (s *Server) Close() error {
	s.shutdown()
	return nil
}

func (s *Server) goroutine(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

func (s *Server) shutdown() {
	s.closeOnce.Do(func() {
		s.ln.Close()
		s.eachConn(func(c *conn) { c.close() })
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		if _, err := s.tlog.Sync(); err != nil && !s.db.failed.Load() {
			s.log.WithError(err).Error("final sync of transaction log failed")
		}
		s.tlog.Close()
		s.log.Info("coordinator stopped")
	})
}

// fatal stops the server after an unrecoverable storage error: nothing
// can be acknowledged any more, so the only safe move is to stop and let
// recovery sort out the log on restart.
func (s *Server) fatal(err error) {
	s.failMu.Lock()
	if s.failErr == nil {
		s.failErr = err
		s.log.WithError(err).Error("transaction log failed; shutting down")
	}
	s.failMu.Unlock()
	s.db.failed.Store(true)
	s.db.setDurable(s.db.durable.Load())
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *Server) monoMs() int64 { return time.Since(s.start).Milliseconds() }

func (s *Server) monoToWall(ms int64) time.Time {
	return s.start.Add(time.Duration(ms) * time.Millisecond)
}

func (s *Server) wallMs() int64 { return time.Now().UnixMilli() }

func (s *Server) acquire() { s.outstanding <- struct{}{} }

func (s *Server) release() {
	select {
	case <-s.outstanding:
	default:
	}
}

func (s *Server) acceptLoop() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.WithError(err).Warn("accept failed")
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c, ok := s.admit(nc)
		if !ok {
			nc.Close()
			continue
		}
		s.goroutine(c.serve)
	}
}

// admit applies maxClientCnxns (per IP) and maxCnxns (global): an excess
// connection is closed at once with no reply, as ZooKeeper does.
func (s *Server) admit(nc net.Conn) (*conn, bool) {
	ip, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if max := s.cfg.MaxClientCnxns; max > 0 && s.perIP[ip] >= max {
		s.log.WithFields(logrus.Fields{"ip": ip, "max": max}).Warn("too many connections from this address (maxClientCnxns)")
		return nil, false
	}
	if max := s.cfg.MaxCnxns; max > 0 && len(s.conns) >= max {
		s.log.WithField("max", max).Warn("too many connections (maxCnxns)")
		return nil, false
	}
	s.nextConnID++
	c := newConn(s, nc, s.nextConnID)
	s.conns[c] = struct{}{}
	s.perIP[ip]++
	return c, true
}

// unlist removes c from the connection table and the per-address
// counts, once; never with db.mu held.
func (s *Server) unlist(c *conn) {
	c.unlistOnce.Do(func() {
		s.connMu.Lock()
		delete(s.conns, c)
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
		s.connMu.Unlock()
	})
}

// connGone forgets a closed connection. Its session lives on until it
// expires or the client reconnects; its watches die with it.
func (s *Server) connGone(c *conn) {
	s.unlist(c) // unless closeAfterReply did already
	d := s.db
	d.mu.Lock()
	if id := c.sessionID.Load(); id != 0 && d.owners[id] == c {
		delete(d.owners, id)
	}
	d.wmu.Lock()
	d.watches.RemoveWatcher(c)
	d.wmu.Unlock()
	d.mu.Unlock()
}

func (s *Server) eachConn(fn func(*conn)) {
	s.connMu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.connMu.Unlock()
	for _, c := range cs {
		fn(c)
	}
}

func (s *Server) connCount() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.conns)
}

// touch refreshes the session of c: any packet counts as a heartbeat.
func (s *Server) touch(c *conn) {
	if id := c.sessionID.Load(); id != 0 {
		s.sessMu.Lock()
		s.db.sessions.Touch(id, s.monoMs())
		s.sessMu.Unlock()
	}
}

// errCode maps an internal error to its wire code, once, at the edge.
// Anything that is not already a ZooKeeper code is a SystemError.
func errCode(err error) zkproto.Error {
	if err == nil {
		return zkproto.ErrOK
	}
	var code zkproto.Error
	if errors.As(err, &code) {
		return code
	}
	return zkproto.ErrSystemError
}

func maxFDs() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}

// serverStats are the counters srvr and mntr print.
type serverStats struct {
	recv, sent     atomic.Int64
	minLat, maxLat atomic.Int64
	totLat, count  atomic.Int64
	slowSyncs      atomic.Int64
	authFailed     atomic.Int64
}

func (st *serverStats) record(start time.Time) {
	if start.IsZero() {
		return
	}
	lat := time.Since(start).Milliseconds()
	if st.count.Add(1) == 1 {
		st.minLat.Store(lat)
	}
	st.totLat.Add(lat)
	for cur := st.minLat.Load(); lat < cur && !st.minLat.CompareAndSwap(cur, lat); cur = st.minLat.Load() {
	}
	for cur := st.maxLat.Load(); lat > cur && !st.maxLat.CompareAndSwap(cur, lat); cur = st.maxLat.Load() {
	}
}

func (st *serverStats) latency() (min int64, avg float64, max int64) {
	n := st.count.Load()
	if n > 0 {
		avg = float64(st.totLat.Load()) / float64(n)
	}
	return st.minLat.Load(), avg, st.maxLat.Load()
}

func (st *serverStats) reset() {
	st.recv.Store(0)
	st.sent.Store(0)
	st.minLat.Store(0)
	st.maxLat.Store(0)
	st.totLat.Store(0)
	st.count.Store(0)
}
