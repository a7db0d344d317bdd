package kafkaharness

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// RawConn is a bare TCP connection speaking Kafka's framing, for tests
// that need exact control over what is sent (bad input, specific request
// versions) or must not depend on a client library's retries. It is not
// safe for concurrent use.
type RawConn struct {
	nc       net.Conn
	r        *bufio.Reader
	corr     int32
	ClientID string
	Timeout  time.Duration // per round trip; default 10s
}

// DialRaw connects to a broker.
func DialRaw(addr string) (*RawConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &RawConn{nc: nc, r: bufio.NewReader(nc), ClientID: "kafkaharness", Timeout: 10 * time.Second}, nil
}

// Close closes the connection.
func (c *RawConn) Close() error { return c.nc.Close() }

// Conn is the underlying connection.
func (c *RawConn) Conn() net.Conn { return c.nc }

// AppendRequest frames req (size, header v1 or v2, body) onto dst.
func AppendRequest(dst []byte, corr int32, clientID string, req kmsg.Request) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(req.Key()))
	dst = binary.BigEndian.AppendUint16(dst, uint16(req.GetVersion()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(corr))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(clientID)))
	dst = append(dst, clientID...)
	if req.IsFlexible() {
		dst = append(dst, 0) // no header tags
	}
	dst = req.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// Send writes one request and returns its correlation id.
func (c *RawConn) Send(req kmsg.Request) (int32, error) {
	c.corr++
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout()))
	_, err := c.nc.Write(AppendRequest(nil, c.corr, c.ClientID, req))
	return c.corr, err
}

// WriteRaw writes arbitrary bytes.
func (c *RawConn) WriteRaw(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout()))
	_, err := c.nc.Write(b)
	return err
}

func (c *RawConn) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 10 * time.Second
	}
	return c.Timeout
}

// ReadFrame reads one size-prefixed frame.
func (c *RawConn) ReadFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.timeout()))
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 256<<20 {
		return nil, fmt.Errorf("response frame of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(c.r, b)
	return b, err
}

// Recv reads the response to req (sent with correlation id corr).
func (c *RawConn) Recv(req kmsg.Request, corr int32) (kmsg.Response, error) {
	frame, err := c.ReadFrame()
	if err != nil {
		return nil, err
	}
	if len(frame) < 4 {
		return nil, errors.New("response shorter than its header")
	}
	if got := int32(binary.BigEndian.Uint32(frame)); got != corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, corr)
	}
	body := frame[4:]
	if req.IsFlexible() && req.Key() != 18 { // ApiVersions answers with header v0
		tags, n := binary.Uvarint(body)
		if n <= 0 {
			return nil, errors.New("bad response header tags")
		}
		body = body[n:]
		for i := uint64(0); i < tags; i++ {
			if _, n = binary.Uvarint(body); n <= 0 {
				return nil, errors.New("bad response header tag")
			}
			body = body[n:]
			size, n := binary.Uvarint(body)
			if n <= 0 || uint64(len(body)-n) < size {
				return nil, errors.New("bad response header tag size")
			}
			body = body[n+int(size):]
		}
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decoding %T v%d: %w", resp, req.GetVersion(), err)
	}
	return resp, nil
}

// RoundTrip sends req and reads its response.
func (c *RawConn) RoundTrip(req kmsg.Request) (kmsg.Response, error) {
	corr, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	return c.Recv(req, corr)
}

// WaitClosed reports nil once the peer has closed the connection (a read
// returns EOF or a reset) within timeout, and an error if the connection
// is still open or delivered data instead.
func (c *RawConn) WaitClosed(timeout time.Duration) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	var b [512]byte
	n, err := c.r.Read(b[:])
	switch {
	case n > 0:
		return fmt.Errorf("connection delivered %d bytes instead of closing", n)
	case err == nil:
		return errors.New("connection still open")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("connection still open after %v", timeout)
	}
	return nil // connection reset and similar: closed by the peer
}

// Request sends one request on a fresh connection to addr.
func Request(addr string, req kmsg.Request) (kmsg.Response, error) {
	c, err := DialRaw(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.RoundTrip(req)
}
