package zk_test

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Recorder builds the normalized transcript of one scenario run against one
// server. Everything a client can observe is written as one line; values
// that legitimately differ between runs are normalized:
//
//   - zxids are printed relative to the scenario's base zxid (the czxid of
//     the scenario root created by Begin) as "B", "B+3", "B-1"; 0 and -1
//     stay literal. Scenarios on a fresh server that never call Begin print
//     absolute zxids.
//   - session ids become s1, s2, ... in the order the scenario's clients
//     connected (ephemeralOwner uses the same names).
//   - ctime/mtime become "T" (or "0" when zero) after checking that the
//     time is recent and mtime >= ctime.
//   - children lists are sorted.
type Recorder struct {
	t        *testing.T
	srv      *zkharness.Server
	Root     string // "/<scenario name>"
	fresh    bool
	lines    []string
	base     int64
	haveBase bool
	sessions map[int64]string
	nsess    int
	clients  []*Client
	raws     []*Raw
	start    time.Time
}

func newRecorder(t *testing.T, name string, srv *zkharness.Server, fresh bool) *Recorder {
	r := &Recorder{t: t, srv: srv, Root: "/" + name, fresh: fresh, sessions: map[int64]string{}, start: time.Now()}
	return r
}

// Lines returns the transcript so far.
func (r *Recorder) Lines() []string { return append([]string(nil), r.lines...) }

// Printf appends one transcript line.
func (r *Recorder) Printf(format string, args ...interface{}) {
	line := fmt.Sprintf(format, args...)
	r.lines = append(r.lines, line)
	if testing.Verbose() {
		r.t.Logf("| %s", line)
	}
}

// Note appends a comment line (section header) to the transcript.
func (r *Recorder) Note(format string, args ...interface{}) {
	r.Printf("# "+format, args...)
}

// Check records a boolean fact (e.g. "mtime advanced") in the transcript.
func (r *Recorder) Check(what string, ok bool) {
	r.Printf("check %s: %v", what, ok)
}

// SetBase makes zxid z the origin for relative zxids.
func (r *Recorder) SetBase(z int64) { r.base, r.haveBase = z, true }

// Begin connects the scenario's first client, creates the scenario root
// (r.Root) with it and uses the root's czxid as base zxid.
func (r *Recorder) Begin() *Client {
	r.t.Helper()
	c := r.Connect()
	defer c.guard("begin")()
	if _, err := c.Conn.Create(r.Root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		r.t.Fatalf("creating scenario root %s: %v", r.Root, err)
	}
	_, st, err := c.Conn.Exists(r.Root)
	if err != nil {
		r.t.Fatalf("exists %s: %v", r.Root, err)
	}
	r.SetBase(st.Czxid)
	r.Printf("%s: create %s (scenario root) czxid=%s", c.Name, r.Root, r.Zxid(st.Czxid))
	return c
}

// P joins path elements under the scenario root.
func (r *Recorder) P(elems ...string) string {
	return r.Root + "/" + strings.Join(elems, "/")
}

// Zxid normalizes a zxid.
func (r *Recorder) Zxid(z int64) string {
	switch {
	case z == 0 || z == -1:
		return strconv.FormatInt(z, 10)
	case r.haveBase:
		d := z - r.base
		switch {
		case d == 0:
			return "B"
		case d > 0:
			return "B+" + strconv.FormatInt(d, 10)
		default:
			return "B" + strconv.FormatInt(d, 10)
		}
	case r.fresh:
		return strconv.FormatInt(z, 10)
	default:
		r.t.Fatalf("zxid %#x printed before Begin/SetBase on a shared server: transcript would not be deterministic", z)
		return ""
	}
}

// Session names a session id (registering unknown ones).
func (r *Recorder) Session(id int64) string {
	if id == 0 {
		return "0"
	}
	if name, ok := r.sessions[id]; ok {
		return name
	}
	r.nsess++
	name := "s" + strconv.Itoa(r.nsess)
	r.sessions[id] = name
	return name
}

// Time normalizes a ctime/mtime.
func (r *Recorder) Time(ms int64) string {
	if ms == 0 {
		return "0"
	}
	tm := time.UnixMilli(ms)
	if tm.Before(r.start.Add(-5*time.Second)) || tm.After(time.Now().Add(5*time.Second)) {
		r.t.Errorf("time %v (%d) is not close to now (scenario started %v)", tm, ms, r.start)
		return "BADTIME"
	}
	return "T"
}

// Stat normalizes a Stat.
func (r *Recorder) Stat(st *zk.Stat) string {
	if st == nil {
		return "stat=<nil>"
	}
	if st.Mtime < st.Ctime {
		r.t.Errorf("mtime %d < ctime %d", st.Mtime, st.Ctime)
	}
	return fmt.Sprintf("stat{czxid=%s mzxid=%s pzxid=%s ctime=%s mtime=%s version=%d cversion=%d aversion=%d ephemeralOwner=%s dataLength=%d numChildren=%d}",
		r.Zxid(st.Czxid), r.Zxid(st.Mzxid), r.Zxid(st.Pzxid), r.Time(st.Ctime), r.Time(st.Mtime),
		st.Version, st.Cversion, st.Aversion, r.Session(st.EphemeralOwner), st.DataLength, st.NumChildren)
}

func fmtData(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	if len(b) > 64 {
		return fmt.Sprintf("<%d bytes>", len(b))
	}
	return strconv.Quote(string(b))
}

func fmtACL(acl []zk.ACL) string {
	if acl == nil {
		return "[]"
	}
	parts := make([]string, len(acl))
	for i, a := range acl {
		parts[i] = fmt.Sprintf("%s:%s:%s", a.Scheme, a.ID, fmtPerms(a.Perms))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtPerms(p int32) string {
	var b strings.Builder
	for _, x := range []struct {
		bit int32
		c   byte
	}{{zk.PermCreate, 'c'}, {zk.PermDelete, 'd'}, {zk.PermRead, 'r'}, {zk.PermWrite, 'w'}, {zk.PermAdmin, 'a'}} {
		if p&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	if rest := p &^ zk.PermAll; rest != 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "(%d)", p)
	}
	return b.String()
}

func fmtChildren(ch []string) string {
	s := append([]string(nil), ch...)
	sort.Strings(s)
	return "[" + strings.Join(s, " ") + "]"
}

// codeNames maps ZooKeeper error codes to KeeperException.Code names.
var codeNames = map[int32]string{
	0: "OK", -1: "SystemError", -2: "RuntimeInconsistency", -3: "DataInconsistency",
	-4: "ConnectionLoss", -5: "MarshallingError", -6: "Unimplemented", -7: "OperationTimeout",
	-8: "BadArguments", -12: "UnknownSession", -13: "NewConfigNoQuorum", -14: "ReconfigInProgress",
	-100: "APIError", -101: "NoNode", -102: "NoAuth", -103: "BadVersion",
	-108: "NoChildrenForEphemerals", -110: "NodeExists", -111: "NotEmpty", -112: "SessionExpired",
	-113: "InvalidCallback", -114: "InvalidACL", -115: "AuthFailed", -118: "SessionMoved",
	-119: "NotReadOnly", -120: "EphemeralOnLocalSession", -121: "NoWatcher", -122: "RequestTimeout",
	-123: "ReconfigDisabled", -124: "SessionClosedRequireSaslAuth", -125: "QuotaExceeded", -127: "ThrottledOp",
}

func codeName(code int32) string {
	if n, ok := codeNames[code]; ok {
		return n
	}
	return fmt.Sprintf("Code(%d)", code)
}

var zkErrNames = []struct {
	err  error
	name string
}{
	{zk.ErrAPIError, "APIError"}, {zk.ErrNoNode, "NoNode"}, {zk.ErrNoAuth, "NoAuth"},
	{zk.ErrBadVersion, "BadVersion"}, {zk.ErrNoChildrenForEphemerals, "NoChildrenForEphemerals"},
	{zk.ErrNodeExists, "NodeExists"}, {zk.ErrNotEmpty, "NotEmpty"}, {zk.ErrSessionExpired, "SessionExpired"},
	{zk.ErrInvalidACL, "InvalidACL"}, {zk.ErrAuthFailed, "AuthFailed"}, {zk.ErrClosing, "Closing"},
	{zk.ErrNothing, "Nothing"}, {zk.ErrSessionMoved, "SessionMoved"}, {zk.ErrReconfigDisabled, "ReconfigDisabled"},
	{zk.ErrBadArguments, "BadArguments"}, {zk.ErrConnectionClosed, "client:ConnectionClosed"},
	{zk.ErrInvalidPath, "client:InvalidPath"}, {zk.ErrInvalidFlags, "client:InvalidFlags"},
	{zk.ErrNoServer, "client:NoServer"},
}

// errName names the server error behind a go-zookeeper error.
func errName(err error) string {
	if err == nil {
		return "OK"
	}
	for _, e := range zkErrNames {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	var code int32
	if _, scanErr := fmt.Sscanf(err.Error(), "unknown error: %d", &code); scanErr == nil {
		return codeName(code)
	}
	return "client:" + err.Error()
}

var eventNames = map[zk.EventType]string{
	zk.EventNodeCreated: "NodeCreated", zk.EventNodeDeleted: "NodeDeleted",
	zk.EventNodeDataChanged: "NodeDataChanged", zk.EventNodeChildrenChanged: "NodeChildrenChanged",
}

func eventName(t int32) string {
	if n, ok := eventNames[zk.EventType(t)]; ok {
		return n
	}
	return fmt.Sprintf("EventType(%d)", t)
}

// Client is a go-zookeeper session whose every operation is recorded.
// Watch events are captured in arrival order through the client's event
// callback, which go-zookeeper invokes from its receive loop before it
// delivers any later reply, so events that precede an operation's reply
// are always written before that operation's line.
type Client struct {
	r       *Recorder
	Name    string
	Conn    *zk.Conn
	Session string

	mu     sync.Mutex
	events []zk.Event
	states []zk.State
}

// Connect opens a recorded go-zookeeper session.
func (r *Recorder) Connect(opts ...zkharness.ConnOption) *Client {
	return r.ConnectTimeout(zkharness.DefaultSessionTimeout, opts...)
}

// ConnectTimeout opens a recorded session with a given requested timeout.
func (r *Recorder) ConnectTimeout(timeout time.Duration, opts ...zkharness.ConnOption) *Client {
	r.t.Helper()
	c := &Client{r: r, Name: fmt.Sprintf("c%d", len(r.clients)+1)}
	cb := func(ev zk.Event) {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch ev.Type {
		case zk.EventSession:
			c.states = append(c.states, ev.State)
		case zk.EventNotWatching:
		default:
			c.events = append(c.events, ev)
		}
	}
	all := append([]zkharness.ConnOption{zk.WithEventCallback(cb)}, opts...)
	conn, _ := zkharness.ConnectTimeout(r.t, r.srv.Addr, timeout, all...)
	c.Conn = conn
	c.Session = r.Session(conn.SessionID())
	r.clients = append(r.clients, c)
	r.Printf("%s: connect -> session %s", c.Name, c.Session)
	return c
}

// drain writes the events received so far.
func (c *Client) drain() {
	c.mu.Lock()
	evs := c.events
	c.events = nil
	c.mu.Unlock()
	for _, ev := range evs {
		c.r.Printf("%s: event %s %s", c.Name, eventName(int32(ev.Type)), ev.Path)
	}
}

// drainSorted writes the events received so far in sorted order, for
// places where their order is legitimately unspecified.
func (c *Client) drainSorted() {
	c.mu.Lock()
	evs := c.events
	c.events = nil
	c.mu.Unlock()
	lines := make([]string, len(evs))
	for i, ev := range evs {
		lines[i] = fmt.Sprintf("%s: event %s %s", c.Name, eventName(int32(ev.Type)), ev.Path)
	}
	sort.Strings(lines)
	for _, l := range lines {
		c.r.Printf("%s (sorted)", l)
	}
}

// EventCount returns the number of undrained watch events.
func (c *Client) EventCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// States returns the session states seen so far.
func (c *Client) States() []zk.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]zk.State(nil), c.states...)
}

// Barrier makes a read round trip on each client (so every event caused by
// earlier writes has arrived, as ZooKeeper delivers an event before any
// later reply on the watcher's connection) and records their events.
func (r *Recorder) Barrier(clients ...*Client) {
	r.t.Helper()
	if len(clients) == 0 {
		clients = r.clients
	}
	for _, c := range clients {
		stop := c.guard("barrier")
		_, _, err := c.Conn.Exists("/")
		stop()
		if err != nil {
			r.t.Fatalf("%s: barrier: %v", c.Name, err)
		}
		c.drain()
	}
}

// finish records trailing events and closes the scenario's sessions in
// order, so that the next scenario on a shared server starts clean.
func (r *Recorder) finish() {
	for _, c := range r.clients {
		if c.Conn.State() == zk.StateHasSession {
			if _, _, err := c.Conn.Exists("/"); err == nil {
				c.drain()
			}
		}
	}
	for _, c := range r.clients {
		c.Conn.Close()
	}
	for _, rc := range r.raws {
		rc.closeQuietly()
	}
}

// opTimeout bounds every recorded go-zookeeper call: go-zookeeper waits
// forever for a reply that never comes, which would hang the whole suite.
const opTimeout = 20 * time.Second

// guard closes the client if the current call gets no reply in time (the
// call then returns an error and the test fails instead of hanging). Use as
// defer c.guard("op")().
func (c *Client) guard(op string) func() {
	t := c.r.t
	timer := time.AfterFunc(opTimeout, func() {
		t.Errorf("%s: %s got no reply within %v; closing the client", c.Name, op, opTimeout)
		c.Conn.Close()
	})
	return func() { timer.Stop() }
}

func (c *Client) rec(format string, args ...interface{}) {
	c.drain()
	c.r.Printf(c.Name+": "+format, args...)
}

// Create records a create (op 1).
func (c *Client) Create(path string, data []byte, flags int32, acl []zk.ACL) (string, error) {
	defer c.guard("Create")()
	p, err := c.Conn.Create(path, data, flags, acl)
	c.rec("create %s data=%s flags=%d acl=%s -> %s path=%q", path, fmtData(data), flags, fmtACL(acl), errName(err), p)
	return p, err
}

// CreateContainer records a createContainer (op 19).
func (c *Client) CreateContainer(path string, data []byte, acl []zk.ACL) (string, error) {
	defer c.guard("CreateContainer")()
	p, err := c.Conn.CreateContainer(path, data, zk.FlagContainer, acl)
	c.rec("createContainer %s data=%s acl=%s -> %s path=%q", path, fmtData(data), fmtACL(acl), errName(err), p)
	return p, err
}

// CreateTTL records a createTTL (op 21).
func (c *Client) CreateTTL(path string, data []byte, flags int32, acl []zk.ACL, ttl time.Duration) (string, error) {
	defer c.guard("CreateTTL")()
	p, err := c.Conn.CreateTTL(path, data, flags, acl, ttl)
	c.rec("createTTL %s data=%s flags=%d ttl=%v acl=%s -> %s path=%q", path, fmtData(data), flags, ttl, fmtACL(acl), errName(err), p)
	return p, err
}

// Delete records a delete.
func (c *Client) Delete(path string, version int32) error {
	defer c.guard("Delete")()
	err := c.Conn.Delete(path, version)
	c.rec("delete %s version=%d -> %s", path, version, errName(err))
	return err
}

// Exists records an exists without a watch.
func (c *Client) Exists(path string) (bool, *zk.Stat, error) {
	defer c.guard("Exists")()
	ok, st, err := c.Conn.Exists(path)
	c.rec("exists %s -> %s exists=%v%s", path, errName(err), ok, c.statIf(ok && err == nil, st))
	return ok, st, err
}

// ExistsW records an exists with a watch.
func (c *Client) ExistsW(path string) (bool, *zk.Stat, error) {
	defer c.guard("ExistsW")()
	ok, st, _, err := c.Conn.ExistsW(path)
	c.rec("existsW %s -> %s exists=%v%s", path, errName(err), ok, c.statIf(ok && err == nil, st))
	return ok, st, err
}

func (c *Client) statIf(ok bool, st *zk.Stat) string {
	if !ok {
		return ""
	}
	return " " + c.r.Stat(st)
}

// Get records a getData.
func (c *Client) Get(path string) ([]byte, *zk.Stat, error) {
	defer c.guard("Get")()
	data, st, err := c.Conn.Get(path)
	c.rec("get %s -> %s%s", path, errName(err), c.dataStat(err, data, st))
	return data, st, err
}

// GetW records a getData with a watch.
func (c *Client) GetW(path string) ([]byte, *zk.Stat, error) {
	defer c.guard("GetW")()
	data, st, _, err := c.Conn.GetW(path)
	c.rec("getW %s -> %s%s", path, errName(err), c.dataStat(err, data, st))
	return data, st, err
}

func (c *Client) dataStat(err error, data []byte, st *zk.Stat) string {
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" data=%s %s", fmtData(data), c.r.Stat(st))
}

// Set records a setData.
func (c *Client) Set(path string, data []byte, version int32) (*zk.Stat, error) {
	defer c.guard("Set")()
	st, err := c.Conn.Set(path, data, version)
	c.rec("set %s data=%s version=%d -> %s%s", path, fmtData(data), version, errName(err), c.statIf(err == nil, st))
	return st, err
}

// Children records a getChildren2.
func (c *Client) Children(path string) ([]string, *zk.Stat, error) {
	defer c.guard("Children")()
	ch, st, err := c.Conn.Children(path)
	c.rec("children %s -> %s%s", path, errName(err), c.childrenStat(err, ch, st))
	return ch, st, err
}

// ChildrenW records a getChildren2 with a watch.
func (c *Client) ChildrenW(path string) ([]string, *zk.Stat, error) {
	defer c.guard("ChildrenW")()
	ch, st, _, err := c.Conn.ChildrenW(path)
	c.rec("childrenW %s -> %s%s", path, errName(err), c.childrenStat(err, ch, st))
	return ch, st, err
}

func (c *Client) childrenStat(err error, ch []string, st *zk.Stat) string {
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" children=%s %s", fmtChildren(ch), c.r.Stat(st))
}

// GetACL records a getACL.
func (c *Client) GetACL(path string) ([]zk.ACL, *zk.Stat, error) {
	defer c.guard("GetACL")()
	acl, st, err := c.Conn.GetACL(path)
	extra := ""
	if err == nil {
		extra = fmt.Sprintf(" acl=%s %s", fmtACL(acl), c.r.Stat(st))
	}
	c.rec("getACL %s -> %s%s", path, errName(err), extra)
	return acl, st, err
}

// GetACLSorted records a getACL with the entries sorted. Use it where the
// entry order is unspecified: ZooKeeper expands an "auth" ACL to the
// caller's identities in the iteration order of a Java hash set.
func (c *Client) GetACLSorted(path string) ([]zk.ACL, *zk.Stat, error) {
	defer c.guard("GetACL")()
	acl, st, err := c.Conn.GetACL(path)
	extra := ""
	if err == nil {
		extra = fmt.Sprintf(" acl(sorted)=%s %s", fmtACL(sortACL(acl)), c.r.Stat(st))
	}
	c.rec("getACL %s -> %s%s", path, errName(err), extra)
	return acl, st, err
}

func sortACL(acl []zk.ACL) []zk.ACL {
	s := append([]zk.ACL(nil), acl...)
	sort.Slice(s, func(i, j int) bool { return fmtACL(s[i:i+1]) < fmtACL(s[j:j+1]) })
	return s
}

// SetACL records a setACL.
func (c *Client) SetACL(path string, acl []zk.ACL, version int32) (*zk.Stat, error) {
	defer c.guard("SetACL")()
	st, err := c.Conn.SetACL(path, acl, version)
	c.rec("setACL %s acl=%s version=%d -> %s%s", path, fmtACL(acl), version, errName(err), c.statIf(err == nil, st))
	return st, err
}

// Sync records a sync.
func (c *Client) Sync(path string) (string, error) {
	defer c.guard("Sync")()
	p, err := c.Conn.Sync(path)
	c.rec("sync %s -> %s path=%q", path, errName(err), p)
	return p, err
}

// AddAuth records an auth packet.
func (c *Client) AddAuth(scheme, auth string) error {
	defer c.guard("AddAuth")()
	err := c.Conn.AddAuth(scheme, []byte(auth))
	c.rec("addAuth %s %s -> %s", scheme, auth, errName(err))
	return err
}

// Close closes the session (closeSession) and records it.
func (c *Client) Close() {
	c.drain()
	c.Conn.Close()
	c.r.Printf("%s: close", c.Name)
}

func describeOp(op interface{}) string {
	switch o := op.(type) {
	case *zk.CreateRequest:
		return fmt.Sprintf("create %s data=%s flags=%d acl=%s", o.Path, fmtData(o.Data), o.Flags, fmtACL(o.Acl))
	case *zk.DeleteRequest:
		return fmt.Sprintf("delete %s version=%d", o.Path, o.Version)
	case *zk.SetDataRequest:
		return fmt.Sprintf("set %s data=%s version=%d", o.Path, fmtData(o.Data), o.Version)
	case *zk.CheckVersionRequest:
		return fmt.Sprintf("check %s version=%d", o.Path, o.Version)
	}
	return fmt.Sprintf("%T", op)
}

// Multi records a multi and its per-op results.
func (c *Client) Multi(ops ...interface{}) ([]zk.MultiResponse, error) {
	defer c.guard("Multi")()
	res, err := c.Conn.Multi(ops...)
	c.drain()
	descs := make([]string, len(ops))
	for i, op := range ops {
		descs[i] = describeOp(op)
	}
	c.r.Printf("%s: multi [%s] -> %s (%d results)", c.Name, strings.Join(descs, "; "), errName(err), len(res))
	for i, mr := range res {
		line := fmt.Sprintf("%s:   result[%d] %s", c.Name, i, errName(mr.Error))
		if mr.String != "" {
			line += fmt.Sprintf(" path=%q", mr.String)
		}
		if mr.Stat != nil {
			line += " " + c.r.Stat(mr.Stat)
		}
		c.r.Printf("%s", line)
	}
	return res, err
}

// Raw is a recorded raw-protocol connection.
type Raw struct {
	*rawConn
	r    *Recorder
	Name string
}

// Raw dials a raw connection (no handshake yet).
func (r *Recorder) Raw() *Raw {
	r.t.Helper()
	rc := &Raw{rawConn: rawDial(r.t, r.srv.Addr), r: r, Name: fmt.Sprintf("r%d", len(r.raws)+1)}
	r.raws = append(r.raws, rc)
	return rc
}

// RawSession dials and establishes a new session, recording the response.
func (r *Recorder) RawSession(timeoutMs int32) *Raw {
	r.t.Helper()
	rc := r.Raw()
	resp := rc.MustHandshake(timeoutMs)
	r.Printf("%s: connect timeout=%d -> session %s negotiatedTimeout=%d", rc.Name, timeoutMs, r.Session(resp.SessionID), resp.Timeout)
	return rc
}

// Do performs a raw call and records header, events and a decoded body.
// decode may be nil (the body length is recorded instead).
func (rc *Raw) Do(desc string, op int32, body []byte, decode func(*jr) string) *reply {
	rc.r.t.Helper()
	rep, err := rc.Call(op, body)
	rc.recEvents()
	if err != nil {
		what := "error: " + err.Error()
		if isClosedErr(err) {
			what = "connection closed"
		}
		rc.r.Printf("%s: %s -> %s", rc.Name, desc, what)
		return nil
	}
	rc.r.Printf("%s: %s -> %s zxid=%s%s", rc.Name, desc, codeName(rep.Err), rc.r.Zxid(rep.Zxid), rc.body(rep, decode))
	return rep
}

func (rc *Raw) recEvents() {
	for _, ev := range rc.TakeEvents() {
		rc.r.Printf("%s: event %s %s state=%d zxid=%s", rc.Name, eventName(ev.Type), ev.Path, ev.State, rc.r.Zxid(ev.Zxid))
	}
}

func (rc *Raw) body(rep *reply, decode func(*jr) string) string {
	if len(rep.Body) == 0 {
		return " body=none"
	}
	if decode == nil || rep.Err != 0 {
		return fmt.Sprintf(" body=%d bytes", len(rep.Body))
	}
	r := &jr{b: rep.Body}
	s := decode(r)
	if r.err != nil {
		rc.r.t.Errorf("%s: decoding reply: %v", rc.Name, r.err)
	}
	if len(r.b) != 0 {
		s += fmt.Sprintf(" (+%d trailing bytes)", len(r.b))
	}
	return " " + s
}

// ClosedState records whether the server closed the connection.
func (rc *Raw) ClosedState(what string, timeout time.Duration) string {
	st := rc.waitClosed(timeout)
	rc.r.Printf("%s: %s -> connection %s", rc.Name, what, st)
	return st
}

// closeQuietly ends the raw connection's session, if any, so it cannot
// expire later and consume a zxid in the middle of another scenario. If
// the server has closed the socket, the session is resumed on a new one
// (with its id and password) and closed there.
func (rc *Raw) closeQuietly() {
	defer rc.Close()
	if rc.SessionID == 0 {
		return
	}
	if err := rc.Send(rc.nextXid(), opCloseSession, nil); err == nil {
		for {
			rep, err := rc.ReadReply(3 * time.Second)
			if err != nil {
				break
			}
			if rep.Xid >= 0 && rep.Err == 0 {
				return
			}
		}
	}
	c, err := net.DialTimeout("tcp", rc.r.srv.Addr, 2*time.Second)
	if err != nil {
		return
	}
	nc := &rawConn{t: rc.r.t, c: c}
	defer nc.Close()
	resp, err := nc.Handshake(connectReq{Timeout: rc.Timeout, SessionID: rc.SessionID, Passwd: rc.Passwd})
	if err != nil || resp.SessionID == 0 {
		return
	}
	_ = nc.Send(1, opCloseSession, nil)
	_, _ = nc.ReadReply(3 * time.Second)
}

// Decoders for Do.

// decOpaque accepts any body without recording its contents.
func decOpaque(j *jr) string { j.b = nil; return "body=<not recorded>" }
func decStat(r *Recorder) func(*jr) string {
	return func(j *jr) string { return r.Stat(j.stat()) }
}
func decPath(j *jr) string { return fmt.Sprintf("path=%q", j.str()) }
func decPathStat(r *Recorder) func(*jr) string {
	return func(j *jr) string { p := j.str(); return fmt.Sprintf("path=%q %s", p, r.Stat(j.stat())) }
}
func decData(r *Recorder) func(*jr) string {
	return func(j *jr) string { d := j.buf(); return fmt.Sprintf("data=%s %s", fmtData(d), r.Stat(j.stat())) }
}
func decChildren(j *jr) string { return "children=" + fmtChildren(j.strs()) }
func decChildrenStat(r *Recorder) func(*jr) string {
	return func(j *jr) string {
		ch := j.strs()
		return fmt.Sprintf("children=%s %s", fmtChildren(ch), r.Stat(j.stat()))
	}
}
func decACLSorted(r *Recorder) func(*jr) string {
	return func(j *jr) string {
		a := j.acls()
		return fmt.Sprintf("acl(sorted)=%s %s", fmtACL(sortACL(a)), r.Stat(j.stat()))
	}
}
func decACL(r *Recorder) func(*jr) string {
	return func(j *jr) string { a := j.acls(); return fmt.Sprintf("acl=%s %s", fmtACL(a), r.Stat(j.stat())) }
}

// decMulti decodes a MultiResponse.
func decMulti(r *Recorder) func(*jr) string {
	return func(j *jr) string {
		var parts []string
		for j.err == nil {
			typ, done, e := j.i32(), j.boolean(), j.i32()
			if done {
				parts = append(parts, fmt.Sprintf("end(type=%d err=%d)", typ, e))
				break
			}
			s := fmt.Sprintf("type=%d err=%s", typ, codeName(e))
			switch typ {
			case -1:
				s += " code=" + codeName(j.i32())
			case opCreate:
				s += fmt.Sprintf(" path=%q", j.str())
			case opCreate2:
				p := j.str()
				s += fmt.Sprintf(" path=%q %s", p, r.Stat(j.stat()))
			case opSetData:
				s += " " + r.Stat(j.stat())
			case opGetData:
				d := j.buf()
				s += fmt.Sprintf(" data=%s %s", fmtData(d), r.Stat(j.stat()))
			case opGetChildren:
				s += " children=" + fmtChildren(j.strs())
			}
			parts = append(parts, "{"+s+"}")
		}
		return "results=" + strings.Join(parts, " ")
	}
}
