package interbroker

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

// serve answers each request frame on one connection with Metadata
// responses naming controller id; corrDelta skews the correlation id.
func serve(t *testing.T, ln net.Listener, controller, corrDelta int32) {
	t.Helper()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		for {
			var size [4]byte
			if _, err := io.ReadFull(c, size[:]); err != nil {
				return
			}
			frame := make([]byte, binary.BigEndian.Uint32(size[:]))
			if _, err := io.ReadFull(c, frame); err != nil {
				return
			}
			r, err := protocol.ParseRequest(frame)
			if err != nil {
				return
			}
			resp := kmsg.NewPtrMetadataResponse()
			resp.ControllerID = controller
			h := r.Header
			h.CorrelationID += corrDelta
			if _, err := c.Write(protocol.AppendResponse(nil, h, resp)); err != nil {
				return
			}
		}
	}()
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func metadataReq() *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(9)
	return req
}

func TestConnRoundTrip(t *testing.T) {
	ln := listen(t)
	serve(t, ln, 7, 0)
	ctx := context.Background()
	c, err := Dial(ctx, NetDialer(time.Second), ln.Addr().String(), "test", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		resp, err := c.RoundTrip(ctx, metadataReq())
		if err != nil {
			t.Fatal(err)
		}
		if md := resp.(*kmsg.MetadataResponse); md.ControllerID != 7 || md.Version != 9 {
			t.Fatalf("response %+v", md)
		}
	}
}

// A response for another request fails the round trip and closes the
// connection for good.
func TestConnCorrelationMismatch(t *testing.T) {
	ln := listen(t)
	serve(t, ln, 7, 1)
	ctx := context.Background()
	c, err := Dial(ctx, NetDialer(time.Second), ln.Addr().String(), "test", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RoundTrip(ctx, metadataReq()); err == nil {
		t.Fatal("mismatched correlation id accepted")
	}
	if _, err := c.RoundTrip(ctx, metadataReq()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after a failure: %v", err)
	}
}

// Ending the context aborts a round trip the peer never answers.
func TestConnContextAbort(t *testing.T) {
	ln := listen(t)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	c, err := Dial(context.Background(), NetDialer(time.Second), ln.Addr().String(), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.RoundTrip(ctx, metadataReq()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("aborted round trip: %v", err)
	}
}

// ToController follows the controller id and reports when there is none.
func TestToController(t *testing.T) {
	a, b := listen(t), listen(t)
	serve(t, a, 1, 0)
	serve(t, b, 2, 0)
	addrs := map[int32]string{1: a.Addr().String(), 2: b.Addr().String()}
	id := int32(-1)
	tc := NewToController(func() int32 { return id }, func(i int32) (string, bool) { s, ok := addrs[i]; return s, ok },
		NetDialer(time.Second), "test", 5*time.Second)
	defer tc.Close()
	ctx := context.Background()
	if _, err := tc.Send(ctx, metadataReq()); !errors.Is(err, ErrNoController) {
		t.Fatalf("no controller: %v", err)
	}
	for _, want := range []int32{1, 2} {
		id = want
		resp, err := tc.Send(ctx, metadataReq())
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.(*kmsg.MetadataResponse).ControllerID; got != want {
			t.Fatalf("sent to %d, want %d", got, want)
		}
	}
}
