package zkproto

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// A golden file holds one whole frame (length prefix included) as hex.
// Its first line says how to decode it: "# connreq", "# connresp",
// "# event", "# request <op>" or "# reply <op>", where op is the opcode of
// the request the frame carries or answers. Other "#" lines are comments.
type goldenFrame struct {
	name  string
	kind  string
	op    Op
	frame []byte
}

func loadGolden(tb testing.TB) []goldenFrame {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.hex"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []goldenFrame
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		g, err := parseGolden(filepath.Base(f), string(raw))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, g)
	}
	if len(out) == 0 {
		tb.Fatal("no golden frames in testdata")
	}
	return out
}

func parseGolden(name, text string) (goldenFrame, error) {
	g := goldenFrame{name: name}
	var hexText strings.Builder
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			if i == 0 {
				f := strings.Fields(strings.TrimPrefix(line, "#"))
				if len(f) == 0 {
					return g, fmt.Errorf("empty kind line")
				}
				g.kind = f[0]
				if len(f) > 1 {
					n, err := strconv.Atoi(f[1])
					if err != nil {
						return g, err
					}
					g.op = Op(n)
				}
			}
			continue
		}
		hexText.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(hexText.String())
	if err != nil {
		return g, err
	}
	g.frame = b
	return g, nil
}

func formatGolden(g goldenFrame, comment string) []byte {
	var buf bytes.Buffer
	buf.WriteString("# " + g.kind)
	if g.kind == "request" || g.kind == "reply" {
		fmt.Fprintf(&buf, " %d %s", int32(g.op), g.op)
	}
	buf.WriteString("\n")
	if comment != "" {
		buf.WriteString("# " + comment + "\n")
	}
	h := hex.EncodeToString(g.frame)
	buf.WriteString(h[:8] + "\n")
	for h = h[8:]; len(h) > 0; {
		n := min(64, len(h))
		buf.WriteString(h[:n] + "\n")
		h = h[n:]
	}
	return buf.Bytes()
}

// decodeGolden decodes a frame body into the records it consists of.
func decodeGolden(g goldenFrame, body []byte) ([]Record, error) {
	d := NewDecoder(body)
	var recs []Record
	var body2 Record // decoded after the header, which picks its type
	switch g.kind {
	case "connreq":
		body2 = &ConnectRequest{}
	case "connresp":
		body2 = &ConnectResponse{}
	case "event":
		h := &ReplyHeader{}
		h.Decode(d)
		recs = append(recs, h)
		body2 = &WatcherEvent{}
	case "request":
		h := &RequestHeader{}
		h.Decode(d)
		recs = append(recs, h)
		if d.Err == nil && h.Op != g.op {
			return nil, fmt.Errorf("header op %v, file says %v", h.Op, g.op)
		}
		body2, _ = NewRequest(h.Op)
	case "reply":
		h := &ReplyHeader{}
		h.Decode(d)
		recs = append(recs, h)
		if h.Err == ErrOK {
			body2, _ = NewResponse(g.op)
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", g.kind)
	}
	if body2 != nil {
		body2.Decode(d)
		recs = append(recs, body2)
	}
	if d.Err != nil {
		return nil, d.Err
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("%d trailing bytes", d.Remaining())
	}
	return recs, nil
}

func TestGoldenFrames(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.name, func(t *testing.T) {
			body, err := ReadFrame(bytes.NewReader(g.frame), DefaultMaxBuffer, nil)
			if err != nil {
				t.Fatalf("ReadFrame: %v", err)
			}
			if 4+len(body) != len(g.frame) {
				t.Fatalf("frame has %d trailing bytes", len(g.frame)-4-len(body))
			}
			recs, err := decodeGolden(g, body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := AppendFrame(nil, recs...); !bytes.Equal(got, g.frame) {
				t.Fatalf("re-encoded frame differs\n got %x\nwant %x", got, g.frame)
			}
		})
	}
}

// TestGoldenValues pins the decoded meaning of the hand-built frames.
func TestGoldenValues(t *testing.T) {
	pw := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	want := map[string][]Record{
		"connect_request_go.hex": {&ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)}},
		"connect_request_java.hex": {&ConnectRequest{LastZxidSeen: 5, TimeOut: 30000,
			SessionID: 0x0100000795010001, Passwd: pw, HasReadOnly: true}},
		"connect_response_36.hex": {&ConnectResponse{TimeOut: 4000, SessionID: 0x0100000795010001, Passwd: pw}},
		"connect_response_37.hex": {&ConnectResponse{TimeOut: 30000, SessionID: 0x0100000795010001,
			Passwd: pw, HasReadOnly: true}},
		"multi_failed_reply.hex": {&ReplyHeader{Xid: 5, Zxid: 16}, &MultiResponse{Results: []MultiResult{
			{Op: OpError, Err: ErrOK, Resp: &ErrorResponse{Err: ErrOK}},
			{Op: OpError, Err: ErrNoNode, Resp: &ErrorResponse{Err: ErrNoNode}},
			{Op: OpError, Err: ErrRuntimeInconsistency, Resp: &ErrorResponse{Err: ErrRuntimeInconsistency}},
		}}},
		"multi_empty_reply.hex": {&ReplyHeader{Xid: 7, Zxid: 17}, &MultiResponse{}},
		"watch_event.hex": {&ReplyHeader{Xid: XidWatchEvent, Zxid: -1},
			&WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/foo"}},
		"ping_reply.hex":   {&ReplyHeader{Xid: XidPing, Zxid: 16}},
		"ping_request.hex": {&RequestHeader{Xid: XidPing, Op: OpPing}},
		"create_request.hex": {&RequestHeader{Xid: 1, Op: OpCreate},
			&CreateRequest{Path: "/foo", Data: []byte("bar"), ACL: OpenACLUnsafe}},
	}
	byName := map[string]goldenFrame{}
	for _, g := range loadGolden(t) {
		byName[g.name] = g
	}
	for name, w := range want {
		g, ok := byName[name]
		if !ok {
			t.Errorf("missing golden file %s", name)
			continue
		}
		recs, err := decodeGolden(g, g.frame[4:])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(recs, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, dump(recs), dump(w))
		}
	}
	// Sizes the C client and go-zookeeper depend on.
	if n := len(byName["connect_request_go.hex"].frame) - 4; n != 44 {
		t.Errorf("go connect request body is %d bytes, want 44", n)
	}
	if n := len(byName["connect_request_java.hex"].frame) - 4; n != 45 {
		t.Errorf("java connect request body is %d bytes, want 45", n)
	}
}

func dump(recs []Record) string {
	var sb strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&sb, "%T%+v ", r, r)
		if m, ok := r.(*MultiResponse); ok {
			for _, res := range m.Results {
				fmt.Fprintf(&sb, "[%v %v %+v] ", res.Op, res.Err, res.Resp)
			}
		}
	}
	return sb.String()
}
