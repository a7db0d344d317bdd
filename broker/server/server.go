package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/config"
)

// Authorizer decides whether a principal may perform an operation on a
// resource. It is the hook the ACL issue will fill; until then every
// request is allowed.
type Authorizer interface {
	Authorize(ctx context.Context, principal string, op Operation, resourceType ResourceType, name string) bool
}

// Operation and ResourceType use Kafka's ACL codes.
type (
	Operation    int8
	ResourceType int8
)

// A few of Kafka's ACL operation and resource codes.
const (
	OpDescribe        Operation = 8
	OpCreate          Operation = 7
	OpWrite           Operation = 4
	OpDelete          Operation = 6
	OpAlter           Operation = 5
	OpDescribeConfigs Operation = 10
	OpAlterConfigs    Operation = 11
	OpRead            Operation = 3

	ResourceTopic   ResourceType = 2
	ResourceGroup   ResourceType = 3
	ResourceCluster ResourceType = 4
)

type allowAll struct{}

func (allowAll) Authorize(context.Context, string, Operation, ResourceType, string) bool { return true }

// Deps are the broker components the request layer serves from.
type Deps struct {
	BrokerID     int32
	Config       *config.Broker
	Metadata     *metadata.Cache
	Replicas     *replica.Manager
	ClusterID    func() string
	Topics       TopicCreator // nil = no auto-creation
	Controller   Controller   // nil = never the controller
	ProducerIDs  ProducerIDs
	TopicConfigs TopicConfigSource
	ConfigWriter TopicConfigWriter
	// BrokerConfigs serves dynamic broker configs; nil = static only
	// (AlterConfigs on BROKER resources is refused).
	BrokerConfigs BrokerConfigStore
	Groups        GroupCoordinator // nil = coordinates no group
	// OffsetsLeadership hears about __consumer_offsets role changes.
	OffsetsLeadership OffsetsLeadership
	Authorizer        Authorizer // nil = allow everything
	Log               *logrus.Entry
}

// Server accepts connections on every configured listener.
type Server struct {
	Deps
	table     []api
	listeners map[string]net.Listener
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[*conn]struct{}
	closed    bool
}

// New binds every listener in cfg.Listeners.
func New(d Deps) (*Server, error) {
	if d.Authorizer == nil {
		d.Authorizer = allowAll{}
	}
	if d.Groups == nil {
		d.Groups = noGroups()
	}
	if d.Log == nil {
		d.Log = logrus.NewEntry(logrus.New())
	}
	s := &Server{Deps: d, listeners: map[string]net.Listener{}, conns: map[*conn]struct{}{}}
	s.table = s.apis()
	for _, l := range d.Config.Listeners {
		ln, err := net.Listen("tcp", net.JoinHostPort(l.Host, strconv.Itoa(l.Port)))
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("listen %s: %w", l.String(), err)
		}
		s.listeners[l.Name] = ln
	}
	return s, nil
}

// Addr returns the bound address of a listener (useful with port 0).
func (s *Server) Addr(listener string) net.Addr {
	if ln := s.listeners[listener]; ln != nil {
		return ln.Addr()
	}
	return nil
}

// Run serves until ctx ends, then closes every connection and waits.
func (s *Server) Run(ctx context.Context) error {
	for name, ln := range s.listeners {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.accept(ctx, name, ln)
		}()
	}
	<-ctx.Done()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.closeListeners()
	s.wg.Wait()
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		ln.Close()
	}
}

func (s *Server) accept(ctx context.Context, listener string, ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.Log.WithError(err).Warn("accept failed")
			continue
		}
		c := &conn{s: s, nc: nc, listener: listener,
			log: s.Log.WithFields(logrus.Fields{"remote_addr": nc.RemoteAddr().String(), "listener": listener})}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve(ctx)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// conn is one client connection.
type conn struct {
	s         *Server
	nc        net.Conn
	listener  string
	principal string
	log       *logrus.Entry
}

// Buffers up to this size are reused for the next frame or response;
// larger ones (big fetch responses, big produce batches) are dropped so
// that an idle connection does not pin them.
const maxRecycled = 1 << 20

// inbound is one decoded request.
type inbound struct {
	a     api
	h     protocol.Header
	req   kmsg.Request
	frame []byte // backs req; reused once the handler is done with it
	resp  []byte // an answer known from the header alone (KIP-511 ApiVersions fallback)
}

// serve runs the connection in one goroutine: read a request, handle
// it, write its response, in arrival order. Reading the next request only
// after answering the previous one is Kafka's muted channel; whatever
// the client sent meanwhile arrives in one read, produce requests found
// there run as one group (see step), and responses are flushed once no
// further request is buffered, so a pipelining client gets them in one
// write. A request that must close the connection (oversized frame, bad
// header, unsupported key or version, malformed body, failed handler) is
// never handled; everything before it was answered, then the connection
// closes. With no goroutine hand-offs on the way, a request costs no
// wake-ups besides the network poller's.
func (c *conn) serve(ctx context.Context) {
	defer c.nc.Close()
	st := &connState{r: bufio.NewReaderSize(c.nc, 64<<10), w: bufio.NewWriterSize(c.nc, 64<<10)}
	defer st.w.Flush()
	for ctx.Err() == nil && c.step(ctx, st) {
		if st.held == nil && !buffered(st.r) {
			if err := st.w.Flush(); err != nil {
				return
			}
		}
	}
}

// connState is what serve keeps between requests.
type connState struct {
	r            *bufio.Reader
	w            *bufio.Writer
	frames, outs [][]byte // free lists: buffers for the next frames / responses
	held         *inbound // read while gathering a group; runs next
}

// step reads the next request (or takes the held one), runs it, together
// with the produce requests buffered right behind it when it is one
// (execProduceGroup: a partition's batches from all of them reach the log
// in one write), and writes the response(s). false: close the connection.
func (c *conn) step(ctx context.Context, st *connState) bool {
	var in inbound
	if st.held != nil {
		in, st.held = *st.held, nil
	} else {
		var ok bool
		if in, ok = c.next(st.r, pop(&st.frames)); !ok {
			return false
		}
	}
	group, closing := []inbound{in}, false
	if groupable(in) {
		group, st.held, closing = c.gatherProduce(st.r, &st.frames, group)
	}
	var resp []byte
	ok := true
	if len(group) == 1 {
		resp, ok = c.exec(ctx, in, pop(&st.outs))
	} else {
		resp, ok = c.execProduceGroup(ctx, group, pop(&st.outs))
	}
	for _, g := range group {
		push(&st.frames, g.frame)
	}
	if ctx.Err() != nil {
		// The server is stopping, so an answer now may be a cancelled
		// wait's error (an acks=all produce would fail for good). Close
		// instead, as Kafka's shutdown does: the client retries elsewhere.
		return false
	}
	if ok && resp != nil {
		_, err := st.w.Write(resp)
		push(&st.outs, resp)
		ok = err == nil
	}
	return ok && !closing
}

// freeListLen bounds each connection's free list of buffers.
const freeListLen = 4

// pop takes a buffer from a free list (nil if empty).
func pop(free *[][]byte) []byte {
	if n := len(*free); n > 0 {
		b := (*free)[n-1]
		*free = (*free)[:n-1]
		return b[:0]
	}
	return nil
}

// push returns a buffer to a free list unless it is too big or the list
// is full.
func push(free *[][]byte, b []byte) {
	if b != nil && cap(b) <= maxRecycled && len(*free) < freeListLen {
		*free = append(*free, b)
	}
}

// next reads and decodes one request into buf; false: the connection must
// close (read error, a request that closes it, or a decoder panic).
func (c *conn) next(r *bufio.Reader, buf []byte) (in inbound, ok bool) {
	defer func() {
		if rec := recover(); rec != nil {
			c.log.WithField("panic", rec).WithField("stack", string(debug.Stack())).Error("closing connection: decoder panic")
			in, ok = inbound{}, false
		}
	}()
	frame, err := c.readFrame(r, buf)
	if err != nil {
		return inbound{}, false
	}
	return c.decode(frame)
}

// buffered reports whether a whole request frame is already buffered in
// r, so reading it cannot block.
func buffered(r *bufio.Reader) bool {
	if r.Buffered() < 4 {
		return false
	}
	hdr, _ := r.Peek(4)
	n := int32(binary.BigEndian.Uint32(hdr))
	return n >= 0 && r.Buffered()-4 >= int(n)
}

// maxProduceGroup bounds a produce group.
const maxProduceGroup = 8

// groupable reports whether a request may join a produce group: a
// Produce expecting a response (acks=0 failures close the connection
// before the requests after them run, so those run alone).
func groupable(in inbound) bool {
	if in.resp != nil || in.a.key != 0 {
		return false
	}
	req, ok := in.req.(*kmsg.ProduceRequest)
	return ok && req.Acks != 0
}

// gatherProduce adds the groupable requests already buffered right
// behind group's first, without blocking; it returns the first other
// request it read, which runs next, and whether a request that closes the
// connection came after the group.
func (c *conn) gatherProduce(r *bufio.Reader, frames *[][]byte, group []inbound) ([]inbound, *inbound, bool) {
	for len(group) < maxProduceGroup && buffered(r) {
		nxt, ok := c.next(r, pop(frames))
		if !ok {
			return group, nil, true
		}
		if !groupable(nxt) {
			return group, &nxt, false
		}
		group = append(group, nxt)
	}
	return group, nil, false
}

// execProduceGroup runs a produce group and frames the responses, in
// request order, into dst. A panic closes only this connection, as in
// exec.
func (c *conn) execProduceGroup(ctx context.Context, group []inbound, dst []byte) (out []byte, keep bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.WithFields(logrus.Fields{"api_key": 0, "requests": len(group), "panic": r, "stack": string(debug.Stack())}).
				Error("closing connection: handler panic")
			out, keep = nil, false
		}
	}()
	resps := c.s.handleProduceGroup(ctx, c, group)
	for i, in := range group {
		dst = protocol.AppendResponse(dst, in.h, resps[i])
	}
	return dst, true
}

// readFrame reads one size-prefixed request; a size over
// socket.request.max.bytes closes the connection, as in Kafka.
func (c *conn) readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || n > c.s.Config.SocketRequestMaxBytes {
		c.log.WithFields(logrus.Fields{"size": n, "max": c.s.Config.SocketRequestMaxBytes}).
			Warn("closing connection: request size exceeds socket.request.max.bytes")
		return nil, errInvalidRequest
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// handle decodes and runs one request frame: the framed response (nil
// for none) and whether the connection stays open, as serve does for one
// request; the fuzz target drives it directly.
func (c *conn) handle(ctx context.Context, frame []byte) ([]byte, bool) {
	in, ok := c.decode(frame)
	if !ok {
		return nil, false
	}
	return c.exec(ctx, in, nil)
}

// decode checks a frame's header against the dispatch table and decodes
// its body; false means the connection must close (after answering the
// requests before it).
func (c *conn) decode(frame []byte) (inbound, bool) {
	key, version, corr, err := protocol.PeekHeader(frame)
	if err != nil {
		c.log.Warn("closing connection: request shorter than its header")
		return inbound{}, false
	}
	a, known := c.s.lookup(key)
	if !known {
		c.log.WithFields(logrus.Fields{"api_key": key, "api_version": version}).Warn("closing connection: unsupported api key")
		return inbound{}, false
	}
	if key == 18 && (version > a.max || version < a.min) {
		// KIP-511: answer in v0 so the client can retry with a version we know.
		return inbound{frame: frame, resp: protocol.AppendResponse(nil, protocol.Header{Key: 18, Version: 0, CorrelationID: corr},
			c.s.unsupportedAPIVersions())}, true
	}
	if version < a.min || version > a.max {
		c.log.WithFields(logrus.Fields{"api_key": key, "api_version": version}).Warn("closing connection: unsupported api version")
		return inbound{}, false
	}
	r, err := protocol.ParseRequest(frame)
	if err != nil {
		c.log.WithError(err).WithField("api_key", key).Warn("closing connection: malformed request header")
		return inbound{}, false
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(r.Body); err != nil {
		c.log.WithError(err).WithFields(logrus.Fields{"api_key": key, "api_version": version, "correlation_id": corr}).
			Warn("closing connection: malformed request body")
		return inbound{}, false
	}
	return inbound{a: a, h: r.Header, req: req, frame: frame}, true
}

// exec runs a decoded request's handler and frames its response into
// dst (nil response: none to send); false closes the connection. A
// handler panic closes only this connection.
func (c *conn) exec(ctx context.Context, in inbound, dst []byte) (out []byte, keep bool) {
	if in.resp != nil {
		return in.resp, true
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.WithFields(logrus.Fields{"api_key": in.h.Key, "api_version": in.h.Version, "panic": r, "stack": string(debug.Stack())}).
				Error("closing connection: handler panic")
			out, keep = nil, false
		}
	}()
	resp, err := in.a.handle(ctx, c, in.h, in.req)
	if err != nil {
		c.log.WithError(err).WithFields(logrus.Fields{"api_key": in.h.Key, "api_version": in.h.Version}).Warn("closing connection: request failed")
		return nil, false
	}
	if resp == nil {
		return nil, true
	}
	return protocol.AppendResponse(dst, in.h, resp), true
}
