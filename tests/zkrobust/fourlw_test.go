package zkrobust

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
	"github.com/samsa-kafka/samsa/zkproto"
)

// TestFourLetterWordEdges: four-letter words are recognised only as the
// first four bytes of a connection. After a ConnectRequest the same bytes
// are a frame length or a request header; a partial word is not a word.
func TestFourLetterWordEdges(t *testing.T) {
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := zkharness.Start(t, kind, zkharness.Options{})
			st := newSentinel(t, s)
			for _, tc := range fourLetterCases {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, s)
					st.check(t, s)
				})
			}
		})
	}
}

var fourLetterCases = []rawCase{
	{"after-handshake-is-a-length", func(t *testing.T, s *zkharness.Server) {
		// "ruok" read as a length is 0x72756f6b, far above jute.maxbuffer.
		for _, w := range []string{"ruok", "srvr", "stat"} {
			c := dialRaw(t, s.Addr)
			c.handshake()
			c.mustWrite([]byte(w))
			c.expectClosedSilently(w + " after the handshake")
		}
	}},
	{"pipelined-behind-connect-request", func(t *testing.T, s *zkharness.Server) {
		// Both servers read "ruok" as the next frame's length and close
		// the connection, typically before the ConnectResponse (queued
		// behind the createSession commit) has been written. Whatever
		// arrives before the close may only be that ConnectResponse,
		// never four-letter-word output.
		c := dialRaw(t, s.Addr)
		c.mustWrite(append(zkproto.AppendFrame(nil, ptr(newSessionRequest())), "ruok"...))
		out, err := c.readUntilClose(ioTimeout)
		if err != nil {
			t.Fatalf("ConnectRequest followed by ruok in one write: %v", err)
		}
		if len(out) != 0 {
			var resp zkproto.ConnectResponse
			if len(out) < 4 || zkproto.Unmarshal(out[4:], &resp) != nil || int(binary.BigEndian.Uint32(out)) != len(out)-4 {
				t.Fatalf("ConnectRequest followed by ruok in one write: got %q, want nothing or a ConnectResponse", out)
			}
		}
	}},
	{"after-handshake-is-a-request-header", func(t *testing.T, s *zkharness.Server) {
		// A frame whose first four body bytes spell "ruok" is a request
		// with xid 0x72756f6b: here an exists of "/".
		c := dialRaw(t, s.Addr)
		c.handshake()
		body := append([]byte("ruok"), zkproto.Marshal(&zkproto.ExistsRequest{Path: "/"})...)
		body = append(body[:4], append(be32(int32(zkproto.OpExists)), body[4:]...)...)
		c.mustWrite(frame(body))
		h, rest, err := c.readReply()
		if err != nil {
			t.Fatalf("exists with xid \"ruok\": %v", err)
		}
		var ex zkproto.ExistsResponse
		if want := int32(binary.BigEndian.Uint32([]byte("ruok"))); h.Xid != want || h.Err != 0 || zkproto.Unmarshal(rest, &ex) != nil {
			t.Fatalf("exists with xid \"ruok\": reply %+v (%d body bytes), want xid %#x, err 0 and a Stat", h, len(rest), want)
		}
		c.expectStillOpen("after a request whose xid spells ruok")
	}},
	{"partial-word-then-close", func(t *testing.T, s *zkharness.Server) {
		for _, p := range []string{"r", "ru", "ruo"} {
			c := dialRaw(t, s.Addr)
			c.mustWrite([]byte(p))
			c.closeWrite()
			c.expectClosedSilently("partial four-letter word " + p + " then EOF")
		}
	}},
	{"word-split-across-writes", func(t *testing.T, s *zkharness.Server) {
		c := dialRaw(t, s.Addr)
		c.mustWrite([]byte("ru"))
		// Give the server a chance to read the first half on its own.
		time.Sleep(50 * time.Millisecond)
		c.mustWrite([]byte("ok"))
		out, err := c.readUntilClose(ioTimeout)
		if err != nil || string(out) != "imok" {
			t.Fatalf("ruok split over two writes: got %q, %v, want imok and a close", out, err)
		}
	}},
	{"unknown-word", func(t *testing.T, s *zkharness.Server) {
		for _, w := range []string{"abcd", "RUOK", "helo"} {
			c := dialRaw(t, s.Addr)
			c.mustWrite([]byte(w))
			c.expectClosedSilently("unknown word " + w)
		}
	}},
}
