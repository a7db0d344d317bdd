package interbroker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

// MaxResponseSize bounds a response frame (a fetch response is at most
// replica.fetch.response.max.bytes plus one batch per partition).
const MaxResponseSize = 256 << 20

// ErrClosed is returned by a Conn used after a failure or Close.
var ErrClosed = errors.New("interbroker: connection closed")

// Dialer opens a connection to addr.
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// NetDialer dials TCP with a connect timeout.
func NetDialer(timeout time.Duration) Dialer {
	d := &net.Dialer{Timeout: timeout}
	return func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
}

// Resolver maps a broker id to its inter-broker address ("host:port").
type Resolver func(id int32) (string, bool)

// CacheResolver resolves brokers through the metadata cache's live
// brokers and their endpoint on listener.
func CacheResolver(cache *metadata.Cache, listener string) Resolver {
	return func(id int32) (string, bool) {
		b := cache.Load().Broker(id)
		if b == nil {
			return "", false
		}
		ep, ok := b.Endpoint(listener)
		if !ok {
			return "", false
		}
		return net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))), true
	}
}

// Conn is one connection to a broker. RoundTrip may be called from one
// goroutine at a time; Close from any.
type Conn struct {
	Addr     string
	clientID string
	timeout  time.Duration

	mu     sync.Mutex
	nc     net.Conn
	corr   int32
	closed bool
}

// Dial connects to addr. timeout bounds every round trip (on top of the
// request's own wait, e.g. a fetch's max wait).
func Dial(ctx context.Context, dial Dialer, addr, clientID string, timeout time.Duration) (*Conn, error) {
	nc, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &Conn{Addr: addr, clientID: clientID, timeout: timeout, nc: nc}, nil
}

// Close closes the connection; a RoundTrip in progress fails.
func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.nc.Close()
	}
}

// RoundTrip sends req (its version set by the caller) and reads the
// response. Any error closes the connection. Ending ctx aborts it.
func (c *Conn) RoundTrip(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.corr++
	corr, nc := c.corr, c.nc
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	resp, err := c.roundTrip(nc, corr, req)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s to %s: %w", kmsg.NameForKey(req.Key()), c.Addr, err)
	}
	return resp, nil
}

func (c *Conn) roundTrip(nc net.Conn, corr int32, req kmsg.Request) (kmsg.Response, error) {
	if err := nc.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, err
	}
	if _, err := nc.Write(protocol.AppendRequest(nil, corr, c.clientID, req)); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(nc, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > MaxResponseSize {
		return nil, fmt.Errorf("response of %d bytes is too large", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(nc, buf); err != nil {
		return nil, err
	}
	got, body, err := protocol.ParseResponse(buf, req.Key(), req.GetVersion())
	if err != nil {
		return nil, err
	}
	if got != corr {
		return nil, fmt.Errorf("correlation id %d does not match request %d", got, corr)
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	return resp, nil
}
