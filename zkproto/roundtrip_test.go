package zkproto

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func sampleStat() Stat {
	return Stat{Czxid: 1, Mzxid: 2, Ctime: 1700000000000, Mtime: 1700000000001, Version: 3,
		Cversion: -4, Aversion: 5, EphemeralOwner: 0x0100000795010001, DataLength: 6,
		NumChildren: 7, Pzxid: 8}
}

// roundTripCases covers every record type, including nil-versus-empty
// variants that ZooKeeper distinguishes on the wire.
func roundTripCases() map[string]Record {
	st := sampleStat()
	acls := []ACL{{Perms: PermAll, ID: ID{Scheme: "world", ID: "anyone"}},
		{Perms: PermRead | PermWrite, ID: ID{Scheme: "digest", ID: "u:hash="}}}
	pw := bytes.Repeat([]byte{0xab}, 16)
	return map[string]Record{
		"Stat":                  &st,
		"ACL":                   &acls[1],
		"ConnectRequest/go":     &ConnectRequest{LastZxidSeen: 9, TimeOut: 4000, Passwd: pw},
		"ConnectRequest/java":   &ConnectRequest{TimeOut: 30000, SessionID: 42, Passwd: pw, ReadOnly: true, HasReadOnly: true},
		"ConnectRequest/nilpw":  &ConnectRequest{HasReadOnly: true},
		"ConnectResponse/36":    &ConnectResponse{TimeOut: 4000, SessionID: 42, Passwd: pw},
		"ConnectResponse/37":    &ConnectResponse{TimeOut: 4000, SessionID: 42, Passwd: pw, HasReadOnly: true},
		"RequestHeader":         &RequestHeader{Xid: 7, Op: OpGetData},
		"ReplyHeader":           &ReplyHeader{Xid: 7, Zxid: 1 << 40, Err: ErrNoNode},
		"CreateRequest":         &CreateRequest{Path: "/a", Data: []byte("x"), ACL: acls, Flags: ModeEphemeralSequential},
		"CreateRequest/nil":     &CreateRequest{Path: "/a"},
		"CreateRequest/empty":   &CreateRequest{Path: "/a", Data: []byte{}, ACL: []ACL{}},
		"CreateTTLRequest":      &CreateTTLRequest{Path: "/t", Data: []byte("y"), ACL: acls[:1], Flags: ModePersistentWithTTL, TTL: 1000},
		"DeleteRequest":         &DeleteRequest{Path: "/a", Version: -1},
		"ExistsRequest":         &ExistsRequest{Path: "/a", Watch: true},
		"GetDataRequest":        &GetDataRequest{Path: "/a", Watch: true},
		"SetDataRequest":        &SetDataRequest{Path: "/a", Data: []byte("z"), Version: 3},
		"GetACLRequest":         &GetACLRequest{Path: "/a"},
		"SetACLRequest":         &SetACLRequest{Path: "/a", ACL: acls, Version: 1},
		"GetChildrenRequest":    &GetChildrenRequest{Path: "/", Watch: true},
		"GetChildren2Request":   &GetChildren2Request{Path: "/"},
		"SyncRequest":           &SyncRequest{Path: "/a"},
		"CheckVersionRequest":   &CheckVersionRequest{Path: "/a", Version: 2},
		"AuthPacket":            &AuthPacket{Scheme: "digest", Auth: []byte("u:p")},
		"SetWatches":            &SetWatches{RelativeZxid: 5, DataWatches: []string{"/a"}, ExistWatches: []string{}, ChildWatches: []string{"/", "/b"}},
		"SetWatches/nil":        &SetWatches{},
		"SetWatches2":           &SetWatches2{RelativeZxid: 5, DataWatches: []string{"/a"}, ExistWatches: []string{}, ChildWatches: []string{"/"}, PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r", ""}},
		"AddWatchRequest":       &AddWatchRequest{Path: "/a", Mode: AddWatchPersistentRecursive},
		"RemoveWatchesRequest":  &RemoveWatchesRequest{Path: "/a", Type: WatcherAny},
		"CheckWatchesRequest":   &CheckWatchesRequest{Path: "/a", Type: WatcherData},
		"GetEphemeralsRequest":  &GetEphemeralsRequest{PrefixPath: "/e"},
		"GetAllChildrenNumber":  &GetAllChildrenNumberRequest{Path: "/"},
		"ReconfigRequest":       &ReconfigRequest{JoiningServers: "server.4=h:2888:3888", NewMembers: "", CurConfigID: -1},
		"GetSASLRequest":        &GetSASLRequest{Token: []byte{1, 2}},
		"CreateResponse":        &CreateResponse{Path: "/a0000000001"},
		"Create2Response":       &Create2Response{Path: "/a", Stat: st},
		"ExistsResponse":        &ExistsResponse{Stat: st},
		"GetDataResponse":       &GetDataResponse{Data: []byte("hello"), Stat: st},
		"GetDataResponse/null":  &GetDataResponse{Stat: st},
		"GetDataResponse/empty": &GetDataResponse{Data: []byte{}, Stat: st},
		"SetDataResponse":       &SetDataResponse{Stat: st},
		"GetACLResponse":        &GetACLResponse{ACL: acls, Stat: st},
		"SetACLResponse":        &SetACLResponse{Stat: st},
		"GetChildrenResponse":   &GetChildrenResponse{Children: []string{"a", "b"}},
		"GetChildrenResponse/0": &GetChildrenResponse{Children: []string{}},
		"GetChildren2Response":  &GetChildren2Response{Children: []string{"a"}, Stat: st},
		"SyncResponse":          &SyncResponse{Path: "/a"},
		"GetEphemeralsResponse": &GetEphemeralsResponse{Ephemerals: []string{"/e1", "/e2"}},
		"GetAllChildrenNumResp": &GetAllChildrenNumberResponse{TotalNumber: 3},
		"WhoAmIResponse":        &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "digest", User: "u"}}},
		"WhoAmIResponse/nil":    &WhoAmIResponse{},
		"ErrorResponse":         &ErrorResponse{Err: ErrNodeExists},
		"SetSASLResponse":       &SetSASLResponse{Token: []byte("challenge")},
		"WatcherEvent":          &WatcherEvent{Type: EventNodeChildrenChanged, State: StateSyncConnected, Path: "/a"},
		"MultiHeader":           &MultiHeader{Type: OpCreate, Err: ErrSystemError},
		"MultiRequest/empty":    &MultiRequest{},
		"MultiRequest/all": &MultiRequest{Ops: []MultiOp{
			{Op: OpCreate, Req: &CreateRequest{Path: "/a", ACL: acls}},
			{Op: OpCreate2, Req: &CreateRequest{Path: "/b", Data: []byte{}, ACL: acls}},
			{Op: OpCreateContainer, Req: &CreateRequest{Path: "/c", ACL: acls, Flags: ModeContainer}},
			{Op: OpCreateTTL, Req: &CreateTTLRequest{Path: "/d", ACL: acls, Flags: ModePersistentWithTTL, TTL: 10}},
			{Op: OpDelete, Req: &DeleteRequest{Path: "/e", Version: -1}},
			{Op: OpSetData, Req: &SetDataRequest{Path: "/f", Data: []byte("v"), Version: 1}},
			{Op: OpCheck, Req: &CheckVersionRequest{Path: "/g", Version: 0}},
		}},
		"MultiRequest/read": &MultiRequest{Ops: []MultiOp{
			{Op: OpGetData, Req: &GetDataRequest{Path: "/a"}},
			{Op: OpGetChildren, Req: &GetChildrenRequest{Path: "/"}},
		}},
		"MultiResponse/empty": &MultiResponse{},
		"MultiResponse/ok": &MultiResponse{Results: []MultiResult{
			{Op: OpCreate, Resp: &CreateResponse{Path: "/a"}},
			{Op: OpCreate2, Resp: &Create2Response{Path: "/c", Stat: st}},
			{Op: OpDelete},
			{Op: OpSetData, Resp: &SetDataResponse{Stat: st}},
			{Op: OpCheck},
		}},
		"MultiResponse/read": &MultiResponse{Results: []MultiResult{
			{Op: OpGetData, Resp: &GetDataResponse{Data: []byte("d"), Stat: st}},
			{Op: OpGetChildren, Resp: &GetChildrenResponse{Children: []string{"x"}}},
			{Op: OpError, Err: ErrNoNode, Resp: &ErrorResponse{Err: ErrNoNode}},
		}},
	}
}

func newLike(r Record) Record {
	return reflect.New(reflect.TypeOf(r).Elem()).Interface().(Record)
}

func TestRoundTrip(t *testing.T) {
	for name, rec := range roundTripCases() {
		t.Run(name, func(t *testing.T) {
			b := Marshal(rec)
			got := newLike(rec)
			if err := Unmarshal(b, got); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			if !reflect.DeepEqual(got, rec) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, rec)
			}
			if b2 := Marshal(got); !bytes.Equal(b, b2) {
				t.Fatalf("re-encoding differs: %x vs %x", b2, b)
			}
			// Every strict prefix must fail cleanly, never panic. The
			// connect records are the exception: dropping their optional
			// last byte leaves a valid record.
			for i := 0; i < len(b); i++ {
				err := Unmarshal(b[:i], newLike(rec))
				if err == nil && !isConnect(rec) {
					t.Fatalf("prefix of %d/%d bytes decoded without error", i, len(b))
				}
			}
		})
	}
}

func isConnect(r Record) bool {
	switch r.(type) {
	case *ConnectRequest, *ConnectResponse:
		return true
	}
	return false
}

func TestRecordSizes(t *testing.T) {
	st := sampleStat()
	if n := len(Marshal(&st)); n != StatSize {
		t.Errorf("Stat is %d bytes, want %d", n, StatSize)
	}
	if n := len(Marshal(&RequestHeader{})); n != RequestHeaderSize {
		t.Errorf("RequestHeader is %d bytes", n)
	}
	if n := len(Marshal(&ReplyHeader{})); n != ReplyHeaderSize {
		t.Errorf("ReplyHeader is %d bytes", n)
	}
	if n := len(Marshal(&MultiHeader{})); n != MultiHeaderSize {
		t.Errorf("MultiHeader is %d bytes", n)
	}
	pw := make([]byte, 16)
	for _, c := range []struct {
		r    Record
		want int
	}{
		{&ConnectRequest{Passwd: pw}, 44},
		{&ConnectRequest{Passwd: pw, HasReadOnly: true}, 45},
		{&ConnectResponse{Passwd: pw}, 36},
		{&ConnectResponse{Passwd: pw, HasReadOnly: true}, 37},
	} {
		if n := len(Marshal(c.r)); n != c.want {
			t.Errorf("%T%+v is %d bytes, want %d", c.r, c.r, n, c.want)
		}
	}
}

func TestNewRequestResponse(t *testing.T) {
	for _, op := range ClientOps {
		if _, known := NewRequest(op); !known {
			t.Errorf("NewRequest(%v) unknown", op)
		}
		if _, known := NewResponse(op); !known {
			t.Errorf("NewResponse(%v) unknown", op)
		}
	}
	for _, op := range []Op{OpPing, OpCloseSession, OpWhoAmI} {
		if r, known := NewRequest(op); r != nil || !known || HasRequestBody(op) {
			t.Errorf("NewRequest(%v) = %T, %v; want no body", op, r, known)
		}
	}
	for _, op := range []Op{OpNotification, OpDeleteContainer, OpCreateSession, OpError, 10, 23, 99, 108, -12} {
		if r, known := NewRequest(op); r != nil || known {
			t.Errorf("NewRequest(%v) = %T, %v; want unknown", op, r, known)
		}
		if r, known := NewResponse(op); r != nil || known {
			t.Errorf("NewResponse(%v) = %T, %v; want unknown", op, r, known)
		}
	}
	// Fresh values each call: callers decode into them concurrently.
	a, _ := NewRequest(OpCreate)
	b, _ := NewRequest(OpCreate)
	if a == b {
		t.Error("NewRequest returned a shared record")
	}
}

func TestMultiBadOp(t *testing.T) {
	for _, op := range []Op{OpExists, OpMulti, OpSync, OpError, 1000} {
		e := &Encoder{}
		(&MultiHeader{Type: op, Err: -1}).Encode(e)
		(&ExistsRequest{Path: "/a"}).Encode(e)
		multiEnd.Encode(e)
		if err := Unmarshal(e.B, &MultiRequest{}); !errors.Is(err, ErrBadMultiOp) {
			t.Errorf("multi request with %v: err %v, want ErrBadMultiOp", op, err)
		}
	}
	for _, op := range []Op{OpExists, OpCreateContainer, OpCreateTTL, OpGetChildren2, 1000} {
		e := &Encoder{}
		(&MultiHeader{Type: op}).Encode(e)
		multiEnd.Encode(e)
		if err := Unmarshal(e.B, &MultiResponse{}); !errors.Is(err, ErrBadMultiOp) {
			t.Errorf("multi response with %v: err %v, want ErrBadMultiOp", op, err)
		}
	}
	// A missing terminator is truncation, not an empty multi.
	if err := Unmarshal(nil, &MultiRequest{}); err == nil {
		t.Error("empty input decoded as a multi")
	}
}

// TestMultiNilBodies checks the encoder's conveniences for servers: a nil
// Resp on a failure result carries Err, and a nil body of any other type is
// encoded as its zero value so the stream stays parseable.
func TestMultiNilBodies(t *testing.T) {
	m := &MultiResponse{Results: []MultiResult{
		{Op: OpError, Err: ErrOK},
		{Op: OpError, Err: ErrNoNode},
		{Op: OpError, Err: ErrRuntimeInconsistency},
	}}
	want := "ffffffff0000000000" + "00000000" +
		"ffffffff00ffffff9b" + "ffffff9b" +
		"ffffffff00fffffffe" + "fffffffe" +
		"ffffffff01ffffffff"
	if got := hexString(Marshal(m)); got != want {
		t.Errorf("failed multi:\n got %s\nwant %s", got, want)
	}
	r := &MultiResponse{Results: []MultiResult{{Op: OpCreate}, {Op: OpSetData}}}
	var back MultiResponse
	if err := Unmarshal(Marshal(r), &back); err != nil {
		t.Fatal(err)
	}
	q := &MultiRequest{Ops: []MultiOp{{Op: OpCreate}, {Op: OpDelete}}}
	var backQ MultiRequest
	if err := Unmarshal(Marshal(q), &backQ); err != nil || len(backQ.Ops) != 2 {
		t.Fatalf("nil-body multi request: %v %+v", err, backQ)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func TestReadFrame(t *testing.T) {
	frame := AppendFrame(nil, &RequestHeader{Xid: 1, Op: OpGetData}, &GetDataRequest{Path: "/a", Watch: true})
	if len(frame) != 4+8+6+1 || frame[3] != 15 {
		t.Fatalf("AppendFrame = %x", frame)
	}
	// Two frames back to back, reading into a reused buffer.
	stream := append(append([]byte{}, frame...), frame...)
	r := bytes.NewReader(stream)
	buf := make([]byte, 0, 64)
	for i := 0; i < 2; i++ {
		body, err := ReadFrame(r, 0, buf)
		if err != nil || !bytes.Equal(body, frame[4:]) {
			t.Fatalf("frame %d: %x, %v", i, body, err)
		}
		if &body[0] != &buf[:1][0] {
			t.Errorf("frame %d: buffer not reused", i)
		}
	}
	if _, err := ReadFrame(r, 0, buf); err != io.EOF {
		t.Errorf("at end: %v, want io.EOF", err)
	}
	// StartFrame/EndFrame build the same bytes as AppendFrame.
	e := &Encoder{B: []byte{9}}
	start := e.StartFrame()
	(&RequestHeader{Xid: 1, Op: OpGetData}).Encode(e)
	(&GetDataRequest{Path: "/a", Watch: true}).Encode(e)
	e.EndFrame(start)
	if !bytes.Equal(e.B[1:], frame) || e.B[0] != 9 {
		t.Errorf("StartFrame/EndFrame = %x, want 09%x", e.B, frame)
	}
	// AppendFrame appends: an existing prefix is kept.
	two := AppendFrame(AppendFrame(nil, &SyncRequest{Path: "/"}), &SyncRequest{Path: "/"})
	if !bytes.Equal(two[:9], two[9:]) {
		t.Errorf("AppendFrame clobbered dst: %x", two)
	}
	for _, c := range []struct {
		in   []byte
		max  int
		want error
	}{
		{[]byte{0, 0}, 0, io.ErrUnexpectedEOF},
		{[]byte{0, 0, 0, 3, 1}, 0, io.ErrUnexpectedEOF},
		{[]byte{0, 0, 0, 3}, 0, io.ErrUnexpectedEOF},
		{[]byte{0xff, 0xff, 0xff, 0xff}, 0, ErrFrameTooLarge},
		{[]byte{0x00, 0x10, 0x00, 0x00}, 0, ErrFrameTooLarge}, // 1 MiB > jute.maxbuffer
		{[]byte{0, 0, 0, 5, 1, 2, 3, 4, 5}, 4, ErrFrameTooLarge},
		{[]byte{0, 0, 0, 0}, 0, nil},
	} {
		_, err := ReadFrame(bytes.NewReader(c.in), c.max, nil)
		if err != c.want {
			t.Errorf("ReadFrame(%x, %d) err %v, want %v", c.in, c.max, err, c.want)
		}
	}
	// The exact limit is accepted, one more is not, and the body is not
	// read when refused.
	big := make([]byte, 4+DefaultMaxBuffer)
	big[1], big[2], big[3] = 0x0f, 0xff, 0xff
	if b, err := ReadFrame(bytes.NewReader(big), DefaultMaxBuffer, nil); err != nil || len(b) != DefaultMaxBuffer {
		t.Errorf("max-size frame: %d, %v", len(b), err)
	}
	r = bytes.NewReader([]byte{0, 0x10, 0, 0, 1, 2, 3})
	if _, err := ReadFrame(r, DefaultMaxBuffer, nil); err != ErrFrameTooLarge || r.Len() != 3 {
		t.Errorf("oversize frame: %v, %d bytes left", err, r.Len())
	}
}

// TestDecodeCopies makes sure decoded values do not alias the input, so
// connection loops can reuse their read buffer.
func TestDecodeCopies(t *testing.T) {
	in := Marshal(&GetDataResponse{Data: []byte("hello")})
	var r GetDataResponse
	if err := Unmarshal(in, &r); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 0
	}
	if string(r.Data) != "hello" {
		t.Errorf("decoded data aliases the input: %q", r.Data)
	}
}

func TestErrorIsError(t *testing.T) {
	var err error = ErrNoNode
	var code Error
	if !errors.As(err, &code) || code != ErrNoNode || code.Name() != "NoNode" {
		t.Errorf("errors.As on Error: %v %v", code, code.Name())
	}
}
