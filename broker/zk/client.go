package zk

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gozk "github.com/go-zookeeper/zk"
	"github.com/sirupsen/logrus"
)

// MaxBufferSize is the largest packet the client accepts from the server,
// matching Kafka's zookeeper.clientCnxnSocket / jute.maxbuffer expectation of
// 4 MiB for its ZooKeeper client.
const MaxBufferSize = 4 << 20

// Sentinel errors. Every method maps ZooKeeper's codes onto these so callers
// never import go-zookeeper; errors.Is works on every returned error.
var (
	// ErrControllerMoved: the /controller_epoch check of an epoch-fenced
	// write failed (another controller has been elected since).
	ErrControllerMoved = errors.New("zk: controller moved")
	ErrNodeExists      = errors.New("zk: node exists")
	ErrNoNode          = errors.New("zk: no node")
	ErrBadVersion      = errors.New("zk: bad version")
	ErrNotEmpty        = errors.New("zk: node has children")
	ErrTopicExists     = errors.New("zk: topic already exists")
	// ErrSessionLost: the request could not complete because the
	// connection or the session was lost; the outcome of a write is unknown.
	ErrSessionLost = errors.New("zk: session lost")
	// ErrClosed: the Client has been closed.
	ErrClosed = errors.New("zk: client closed")
	// ErrBrokerEndpointInUse: another live broker advertises one of our
	// host:port pairs.
	ErrBrokerEndpointInUse = errors.New("zk: endpoint already registered by another broker")
)

// SessionEvent reports a change of the client's ZooKeeper session.
// {Expired: true, SessionID: old} is sent when the session has expired
// (its watches are gone, their channels closed, and its ephemeral nodes
// deleted); {Connected: true, SessionID: new} once the replacement session
// is established. Re-registering ephemerals and watches is the caller's
// job. Plain disconnects within the session timeout are not reported (the
// session and its watches survive them).
type SessionEvent struct {
	Expired   bool
	Connected bool
	SessionID int64
}

// Client is Kafka's ZooKeeper schema on top of a go-zookeeper connection.
// All paths passed around inside the package are chroot-relative
// ("/brokers/ids"); the chroot prefix is applied at the last moment since
// go-zookeeper has no chroot support of its own.
type Client struct {
	servers        []string
	root           string // chroot, "" or "/kafka"
	sessionTimeout time.Duration
	connectTimeout time.Duration
	log            *logrus.Entry

	mu      sync.Mutex
	conn    *gozk.Conn
	ready   chan struct{} // closed when conn has a session; replaced on expiry
	closed  bool
	expired chan *gozk.Conn // the Conn whose session expired (from its event callback)

	session     int64          // id of the session dial established last
	oldSessions map[int64]bool // sessions of this Client that expired

	events  chan SessionEvent
	quit    chan struct{}
	done    chan struct{}
	closeMu sync.Once
}

// zkLogger routes go-zookeeper's log lines to logrus at Debug.
type zkLogger struct{ log *logrus.Entry }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debugf("zookeeper client: "+format, args...)
}

// parseConnect splits "h1:2181,h2:2181/chroot" into servers and chroot.
func parseConnect(connect string) (servers []string, root string, err error) {
	hosts := connect
	if i := strings.IndexByte(connect, '/'); i >= 0 {
		hosts, root = connect[:i], connect[i:]
		root = strings.TrimRight(root, "/")
		if root != "" && path.Clean(root) != root {
			return nil, "", fmt.Errorf("zk: invalid chroot %q in connect string", connect[i:])
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			servers = append(servers, h)
		}
	}
	if len(servers) == 0 {
		return nil, "", fmt.Errorf("zk: no servers in connect string %q", connect)
	}
	return servers, root, nil
}

// Connect dials the ensemble (connect string "h1:2181,h2:2181/chroot"),
// creating the chroot if it is missing (through a separate chroot-less
// session first, as Kafka does), and waits up to connectTimeout for a
// session. After an expiry the Client creates a new connection and session
// by itself and reports both on Events.
func Connect(ctx context.Context, connect string, sessionTimeout, connectTimeout time.Duration, log *logrus.Entry) (*Client, error) {
	servers, root, err := parseConnect(connect)
	if err != nil {
		return nil, err
	}
	if log == nil {
		l := logrus.New()
		log = logrus.NewEntry(l)
	}
	log = log.WithField("component", "zkclient")
	c := &Client{
		servers:        servers,
		sessionTimeout: sessionTimeout,
		connectTimeout: connectTimeout,
		log:            log,
		expired:        make(chan *gozk.Conn, 1),
		events:         make(chan SessionEvent, 16),
		quit:           make(chan struct{}),
		done:           make(chan struct{}),
	}
	if root != "" {
		// Kafka opens a chroot-less client, creates the chroot
		// recursively and closes that client before the real one.
		if err := c.dial(ctx); err != nil {
			return nil, err
		}
		_, exists, err := c.exists(root)
		if err == nil && !exists {
			err = c.createRecursive(root, nil)
		}
		c.mu.Lock()
		conn := c.conn
		c.conn = nil
		c.mu.Unlock()
		conn.Close()
		if err != nil && !errors.Is(err, ErrNodeExists) {
			return nil, fmt.Errorf("zk: creating chroot %s: %w", root, err)
		}
		c.root = root
	}
	if err := c.dial(ctx); err != nil {
		return nil, err
	}
	c.log.WithField("session_id", fmt.Sprintf("0x%x", c.SessionID())).Infof("connected to ZooKeeper %s", connect)
	go c.supervise()
	return c, nil
}

// dial creates a new go-zookeeper Conn and waits for its session.
func (c *Client) dial(ctx context.Context) error {
	ready := make(chan struct{})
	var once sync.Once
	var self atomic.Pointer[gozk.Conn]
	cb := func(ev gozk.Event) {
		if ev.Type != gozk.EventSession {
			return
		}
		switch ev.State {
		case gozk.StateHasSession:
			once.Do(func() { close(ready) })
		case gozk.StateExpired:
			// go-zookeeper would quietly open a new session on this
			// Conn next; close it at once instead (Close blocks, and
			// this runs on the Conn's own goroutine) and let supervise
			// build a new Conn.
			conn := self.Load()
			if conn == nil {
				return
			}
			go conn.Close()
			c.mu.Lock()
			current := c.conn == conn
			if current {
				select {
				case <-c.ready:
					c.ready = make(chan struct{}) // requests wait for the new session
				default:
				}
			}
			c.mu.Unlock()
			if current {
				select {
				case c.expired <- conn:
				default:
				}
			}
		}
	}
	conn, evs, err := gozk.Connect(c.servers, c.sessionTimeout,
		gozk.WithLogger(zkLogger{c.log}),
		gozk.WithLogInfo(c.log.Logger.IsLevelEnabled(logrus.DebugLevel)),
		gozk.WithMaxBufferSize(MaxBufferSize),
		gozk.WithEventCallback(cb))
	if err != nil {
		return fmt.Errorf("zk: connect %v: %w", c.servers, err)
	}
	self.Store(conn)
	// The event channel must be drained or go-zookeeper drops events; the
	// callback above already saw each one.
	go func() {
		for range evs {
		}
	}()
	var timeout <-chan time.Time
	if c.connectTimeout > 0 {
		t := time.NewTimer(c.connectTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ready:
	case <-timeout:
		conn.Close()
		return fmt.Errorf("zk: timed out after %v waiting for a session with %v", c.connectTimeout, c.servers)
	case <-ctx.Done():
		conn.Close()
		return ctx.Err()
	}
	c.mu.Lock()
	c.conn = conn
	c.session = conn.SessionID()
	if c.ready == nil {
		c.ready = make(chan struct{})
	}
	select {
	case <-c.ready:
	default:
		close(c.ready) // wakes requests waiting in get
	}
	c.mu.Unlock()
	return nil
}

// wasOurSession reports whether id is a session of this Client that expired.
func (c *Client) wasOurSession(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.oldSessions[id]
}

const (
	flagEphemeral  = gozk.FlagEphemeral
	flagSequential = gozk.FlagSequence
)

// supervise replaces the connection after a session expiry.
func (c *Client) supervise() {
	defer close(c.done)
	for {
		var old *gozk.Conn
		select {
		case <-c.quit:
			return
		case old = <-c.expired:
		}
		c.mu.Lock()
		if c.conn != old {
			c.mu.Unlock()
			continue // stale signal
		}
		if c.oldSessions == nil {
			c.oldSessions = map[int64]bool{}
		}
		c.oldSessions[c.session] = true
		expiredID := c.session
		c.mu.Unlock()
		c.log.WithField("session_id", fmt.Sprintf("0x%x", expiredID)).Warn("ZooKeeper session expired; creating a new session")
		c.emit(SessionEvent{Expired: true, SessionID: expiredID})
		old.Close()
		for {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-c.quit:
					cancel()
				case <-ctx.Done():
				}
			}()
			err := c.dial(ctx)
			cancel()
			if err == nil {
				break
			}
			select {
			case <-c.quit:
				return
			default:
			}
			c.log.WithError(err).Warn("re-creating ZooKeeper session failed; retrying")
			select {
			case <-c.quit:
				return
			case <-time.After(time.Second):
			}
		}
		id := c.SessionID()
		c.log.WithField("session_id", fmt.Sprintf("0x%x", id)).Info("new ZooKeeper session established")
		c.emit(SessionEvent{Connected: true, SessionID: id})
	}
}

func (c *Client) emit(ev SessionEvent) {
	select {
	case c.events <- ev:
	default:
		c.log.Warnf("session event channel full, dropping %+v", ev)
	}
}

// SessionID is the current session's id (0 while re-creating one).
func (c *Client) SessionID() int64 {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return 0
	}
	return conn.SessionID()
}

// Events reports session expiries and new sessions. It is closed by Close.
func (c *Client) Events() <-chan SessionEvent { return c.events }

// Close closes the session (deleting its ephemerals) and stops the client.
func (c *Client) Close() error {
	c.closeMu.Do(func() {
		c.mu.Lock()
		c.closed = true
		conn := c.conn
		c.mu.Unlock()
		close(c.quit)
		if conn != nil {
			conn.Close()
		}
		<-c.done
		// A dial racing Close may have installed a new conn.
		c.mu.Lock()
		if c.conn != nil && c.conn != conn {
			c.conn.Close()
		}
		c.mu.Unlock()
		close(c.events)
	})
	return nil
}

// get returns the live connection, waiting up to connectTimeout while a
// replacement session is being established (like Kafka's
// waitUntilConnected).
func (c *Client) get() (*rconn, error) {
	conn, err := c.current()
	if err != nil {
		return nil, err
	}
	return &rconn{c: c, conn: conn}, nil
}

// current returns the live go-zookeeper connection, waiting as get does.
func (c *Client) current() (*gozk.Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	ready := c.ready
	c.mu.Unlock()
	select {
	case <-ready:
	default:
		wait := c.connectTimeout
		if wait <= 0 {
			wait = c.sessionTimeout
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ready:
		case <-t.C:
			return nil, fmt.Errorf("%w: no session after %v", ErrSessionLost, wait)
		case <-c.quit:
			return nil, ErrClosed
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	return c.conn, nil
}

// full maps a chroot-relative path to the server path.
func (c *Client) full(p string) string {
	if c.root == "" {
		return p
	}
	if p == "/" {
		return c.root
	}
	return c.root + p
}

// rel strips the chroot from a server path.
func (c *Client) rel(p string) string {
	if c.root == "" {
		return p
	}
	r := strings.TrimPrefix(p, c.root)
	if r == "" {
		return "/"
	}
	return r
}

// mapErr converts go-zookeeper errors to the package's sentinels, adding
// the operation and path.
func mapErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var s error
	switch {
	case errors.Is(err, gozk.ErrNodeExists):
		s = ErrNodeExists
	case errors.Is(err, gozk.ErrNoNode):
		s = ErrNoNode
	case errors.Is(err, gozk.ErrBadVersion):
		s = ErrBadVersion
	case errors.Is(err, gozk.ErrNotEmpty):
		s = ErrNotEmpty
	case errors.Is(err, gozk.ErrSessionExpired), errors.Is(err, gozk.ErrConnectionClosed),
		errors.Is(err, gozk.ErrClosing), errors.Is(err, gozk.ErrNoServer), errors.Is(err, gozk.ErrSessionMoved):
		s = ErrSessionLost
	default:
		return fmt.Errorf("zk: %s %s: %w", op, p, err)
	}
	if p == "" {
		return fmt.Errorf("%w (%s)", s, op)
	}
	return fmt.Errorf("%w: %s %s", s, op, p)
}

var openACL = gozk.WorldACL(gozk.PermAll)

// Stat is the subset of a znode's stat the broker uses.
type Stat struct {
	Czxid          int64
	Ctime          int64 // ms
	Mtime          int64 // ms
	Version        int32 // dataVersion
	Cversion       int32
	EphemeralOwner int64
	NumChildren    int32
}

func toStat(s *gozk.Stat) Stat {
	if s == nil {
		return Stat{}
	}
	return Stat{Czxid: s.Czxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version, Cversion: s.Cversion, EphemeralOwner: s.EphemeralOwner, NumChildren: s.NumChildren}
}

// getData reads p; ok is false when it does not exist.
func (c *Client) getData(p string) (data []byte, st Stat, ok bool, err error) {
	conn, err := c.get()
	if err != nil {
		return nil, Stat{}, false, err
	}
	d, s, err := conn.Get(c.full(p))
	if errors.Is(err, gozk.ErrNoNode) {
		return nil, Stat{}, false, nil
	}
	if err != nil {
		return nil, Stat{}, false, mapErr("get", p, err)
	}
	return d, toStat(s), true, nil
}

// getDataW reads p and sets a data watch (or an exists watch when p is
// missing, so creation fires it too).
func (c *Client) getDataW(p string) (data []byte, st Stat, ok bool, ch <-chan struct{}, err error) {
	conn, err := c.get()
	if err != nil {
		return nil, Stat{}, false, nil, err
	}
	for {
		d, s, w, err := conn.GetW(c.full(p))
		if err == nil {
			return d, toStat(s), true, watchChan(w), nil
		}
		if !errors.Is(err, gozk.ErrNoNode) {
			return nil, Stat{}, false, nil, mapErr("get", p, err)
		}
		exists, s, w, err := conn.ExistsW(c.full(p))
		if err != nil {
			return nil, Stat{}, false, nil, mapErr("exists", p, err)
		}
		if !exists {
			return nil, Stat{}, false, watchChan(w), nil
		}
		// Created between the two calls: the exists watch is set on an
		// existing node and will fire on its change; read it again so the
		// caller gets data consistent with a watch.
		_ = s
		d, s, err = conn.Get(c.full(p))
		if errors.Is(err, gozk.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, Stat{}, false, nil, mapErr("get", p, err)
		}
		return d, toStat(s), true, watchChan(w), nil
	}
}

func (c *Client) exists(p string) (Stat, bool, error) {
	conn, err := c.get()
	if err != nil {
		return Stat{}, false, err
	}
	ok, s, err := conn.Exists(c.full(p))
	if err != nil {
		return Stat{}, false, mapErr("exists", p, err)
	}
	return toStat(s), ok, nil
}

// children lists p's children, sorted; ok false when p does not exist.
func (c *Client) children(p string) ([]string, bool, error) {
	conn, err := c.get()
	if err != nil {
		return nil, false, err
	}
	kids, _, err := conn.Children(c.full(p))
	if errors.Is(err, gozk.ErrNoNode) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, mapErr("getChildren", p, err)
	}
	sortStrings(kids)
	return kids, true, nil
}

// childrenW lists p's children (sorted) with a child watch; when p is
// missing, an exists watch is set instead and ok is false.
func (c *Client) childrenW(p string) ([]string, bool, <-chan struct{}, error) {
	conn, err := c.get()
	if err != nil {
		return nil, false, nil, err
	}
	for {
		kids, _, w, err := conn.ChildrenW(c.full(p))
		if err == nil {
			sortStrings(kids)
			return kids, true, watchChan(w), nil
		}
		if !errors.Is(err, gozk.ErrNoNode) {
			return nil, false, nil, mapErr("getChildren", p, err)
		}
		exists, _, w, err := conn.ExistsW(c.full(p))
		if err != nil {
			return nil, false, nil, mapErr("exists", p, err)
		}
		if !exists {
			return nil, false, watchChan(w), nil
		}
	}
}

func (c *Client) create(p string, data []byte, flags int32) (string, error) {
	conn, err := c.get()
	if err != nil {
		return "", err
	}
	got, err := conn.Create(c.full(p), data, flags, openACL)
	if err != nil {
		return "", mapErr("create", p, err)
	}
	return c.rel(got), nil
}

// createRecursive creates p, creating missing parents with null data
// (Kafka's createRecursive). ErrNodeExists is returned for p itself.
func (c *Client) createRecursive(p string, data []byte) error {
	_, err := c.create(p, data, 0)
	if !errors.Is(err, ErrNoNode) {
		return err
	}
	if parent := path.Dir(p); parent != "/" && parent != "." {
		if err := c.createRecursive(parent, nil); err != nil && !errors.Is(err, ErrNodeExists) {
			return err
		}
	}
	_, err = c.create(p, data, 0)
	return err
}

func (c *Client) setData(p string, data []byte, version int32) (Stat, error) {
	conn, err := c.get()
	if err != nil {
		return Stat{}, err
	}
	s, err := conn.Set(c.full(p), data, version)
	if err != nil {
		return Stat{}, mapErr("setData", p, err)
	}
	return toStat(s), nil
}

func (c *Client) delete(p string, version int32) error {
	conn, err := c.get()
	if err != nil {
		return err
	}
	return mapErr("delete", p, conn.Delete(c.full(p), version))
}

// op is one operation of a multi, with a chroot-relative path.
type op interface{ zkOp(c *Client) any }

type opCreate struct {
	path  string
	data  []byte
	flags int32
}
type opSet struct {
	path    string
	data    []byte
	version int32
}
type opDelete struct {
	path    string
	version int32
}
type opCheck struct {
	path    string
	version int32
}

func (o opCreate) zkOp(c *Client) any {
	return &gozk.CreateRequest{Path: c.full(o.path), Data: o.data, Acl: openACL, Flags: o.flags}
}
func (o opSet) zkOp(c *Client) any {
	return &gozk.SetDataRequest{Path: c.full(o.path), Data: o.data, Version: o.version}
}
func (o opDelete) zkOp(c *Client) any {
	return &gozk.DeleteRequest{Path: c.full(o.path), Version: o.version}
}
func (o opCheck) zkOp(c *Client) any {
	return &gozk.CheckVersionRequest{Path: c.full(o.path), Version: o.version}
}

func opPath(o op) string {
	switch o := o.(type) {
	case opCreate:
		return o.path
	case opSet:
		return o.path
	case opDelete:
		return o.path
	case opCheck:
		return o.path
	}
	return ""
}

// multiResult is the outcome of one op of a multi.
type multiResult struct {
	Stat Stat
	Path string // created path (chroot-relative)
	Err  error  // mapped; nil, or the op's own error, or nil for ops rolled back because of another
}

// rolledBack reports ZooKeeper's RuntimeInconsistency (-2), the code a
// failed multi gives the ops after the failing one. go-zookeeper has no
// sentinel for it and renders it as "unknown error: -2".
func rolledBack(err error) bool { return err.Error() == "unknown error: -2" }

// multi runs ops atomically. On failure it returns the first failing op's
// mapped error (with its path) and, where the server reported them, the
// per-op results.
func (c *Client) multi(ops ...op) ([]multiResult, error) {
	conn, err := c.get()
	if err != nil {
		return nil, err
	}
	reqs := make([]any, len(ops))
	for i, o := range ops {
		reqs[i] = o.zkOp(c)
	}
	res, err := conn.Multi(reqs...)
	out := make([]multiResult, len(res))
	var first error
	for i, r := range res {
		out[i] = multiResult{Stat: toStat(r.Stat), Path: c.rel(r.String)}
		if r.Error != nil && !rolledBack(r.Error) {
			p := ""
			if i < len(ops) {
				p = opPath(ops[i])
			}
			out[i].Err = mapErr("multi", p, r.Error)
			if first == nil {
				first = out[i].Err
			}
		}
	}
	if err == nil {
		return out, nil
	}
	if first != nil {
		return out, first
	}
	return out, mapErr("multi", "", err)
}

// epochMulti runs ops behind check(/controller_epoch, epochZkVersion); a
// failed check is ErrControllerMoved.
func (c *Client) epochMulti(epochZkVersion int32, ops ...op) ([]multiResult, error) {
	all := append([]op{opCheck{ControllerEpochPath, epochZkVersion}}, ops...)
	res, err := c.multi(all...)
	if err != nil {
		if len(res) > 0 && res[0].Err != nil {
			if errors.Is(res[0].Err, ErrBadVersion) || errors.Is(res[0].Err, ErrNoNode) {
				return nil, fmt.Errorf("%w: epoch zkVersion %d is stale", ErrControllerMoved, epochZkVersion)
			}
		}
		if len(res) > 0 {
			res = res[1:]
		}
		return res, err
	}
	return res[1:], nil
}

// watchChan converts a one-shot go-zookeeper watch into a channel closed
// when the watch fires or is invalidated (session loss, Close).
func watchChan(w <-chan gozk.Event) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		<-w
		close(ch)
	}()
	return ch
}

// PersistentPaths are the paths Kafka creates at every broker start
// (ZkData.scala PersistentZkPaths), in Kafka's order.
var PersistentPaths = []string{
	"/consumers",
	BrokerIDsPath,
	TopicsPath,
	ConfigChangesPath,
	DeleteTopicsPath,
	BrokerSeqIDPath,
	IsrChangeNotificationPath,
	ProducerIDBlockPath,
	LogDirEventNotificationPath,
	"/config/topics",
	"/config/clients",
	"/config/users",
	"/config/brokers",
	"/config/ips",
}

// CreateTopLevelPaths creates PersistentPaths (and their parents) with null
// data, ignoring those that exist.
func (c *Client) CreateTopLevelPaths() error {
	for _, p := range PersistentPaths {
		if err := c.makeSurePersistentPathExists(p); err != nil {
			return err
		}
	}
	return nil
}

// makeSurePersistentPathExists is Kafka's helper of the same name: a
// recursive create ignoring NodeExists.
func (c *Client) makeSurePersistentPathExists(p string) error {
	if err := c.createRecursive(p, nil); err != nil && !errors.Is(err, ErrNodeExists) {
		return err
	}
	return nil
}

func sortStrings(s []string) { sort.Strings(s) }
