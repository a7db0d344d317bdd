package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
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
	Authorizer   Authorizer // nil = allow everything
	Log          *logrus.Entry
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

// serve reads and answers requests one at a time until the connection
// fails or must be closed.
func (c *conn) serve(ctx context.Context) {
	defer c.nc.Close()
	r := bufio.NewReaderSize(c.nc, 64<<10)
	w := bufio.NewWriterSize(c.nc, 64<<10)
	var buf, out []byte
	for {
		frame, err := c.readFrame(r, buf)
		if err != nil {
			return
		}
		buf = frame[:0]
		resp, ok := c.handle(ctx, frame)
		if !ok {
			return
		}
		if resp == nil {
			continue
		}
		out = resp
		if _, err := w.Write(out); err != nil {
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
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

// handle parses and dispatches one request and returns the framed
// response (nil for none) and whether the connection stays open.
func (c *conn) handle(ctx context.Context, frame []byte) ([]byte, bool) {
	key, version, corr, err := protocol.PeekHeader(frame)
	if err != nil {
		c.log.Warn("closing connection: request shorter than its header")
		return nil, false
	}
	a, known := c.s.lookup(key)
	if !known {
		c.log.WithFields(logrus.Fields{"api_key": key, "api_version": version}).Warn("closing connection: unsupported api key")
		return nil, false
	}
	if key == 18 && (version > a.max || version < a.min) {
		// KIP-511: answer in v0 so the client can retry with a version we know.
		return protocol.AppendResponse(nil, protocol.Header{Key: 18, Version: 0, CorrelationID: corr},
			c.s.unsupportedAPIVersions()), true
	}
	if version < a.min || version > a.max {
		c.log.WithFields(logrus.Fields{"api_key": key, "api_version": version}).Warn("closing connection: unsupported api version")
		return nil, false
	}
	r, err := protocol.ParseRequest(frame)
	if err != nil {
		c.log.WithError(err).WithField("api_key", key).Warn("closing connection: malformed request header")
		return nil, false
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(r.Body); err != nil {
		c.log.WithError(err).WithFields(logrus.Fields{"api_key": key, "api_version": version, "correlation_id": corr}).
			Warn("closing connection: malformed request body")
		return nil, false
	}
	resp, err := a.handle(ctx, c, r.Header, req)
	if err != nil {
		c.log.WithError(err).WithFields(logrus.Fields{"api_key": key, "api_version": version}).Warn("closing connection: request failed")
		return nil, false
	}
	if resp == nil {
		return nil, true
	}
	return protocol.AppendResponse(nil, r.Header, resp), true
}
