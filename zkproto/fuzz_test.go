package zkproto

import (
	"bytes"
	"reflect"
	"testing"
)

// Fuzz invariants: decoding never panics, and whatever decodes cleanly
// re-encodes to bytes that decode to an equal value.

// fuzzOps is every opcode the package names plus a few unknown ones, so
// the op-selecting fuzzers also exercise the "unknown op" path.
var fuzzOps = append(append([]Op{}, ClientOps...),
	OpNotification, OpDeleteContainer, OpCreateSession, OpError, 10, 23, 1000)

func fuzzOpIndex(op Op) byte {
	for i, o := range fuzzOps {
		if o == op {
			return byte(i)
		}
	}
	return 0
}

// checkRoundTrip decodes data into a fresh record from mk and, on
// success, checks the encode/decode round trip.
func checkRoundTrip(t *testing.T, mk func() Record, data []byte) {
	rec := mk()
	if rec == nil {
		return
	}
	if err := Unmarshal(data, rec); err != nil {
		return
	}
	enc := Marshal(rec)
	again := mk()
	if err := Unmarshal(enc, again); err != nil {
		t.Fatalf("re-decode of %x failed: %v (record %+v)", enc, err, rec)
	}
	if !reflect.DeepEqual(rec, again) {
		t.Fatalf("round trip differs:\n first %+v\nsecond %+v", rec, again)
	}
	if enc2 := Marshal(again); !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding not stable: %x vs %x", enc, enc2)
	}
}

// seedBodies adds each golden frame's body, and the part after its
// header, as seeds via add.
func seedBodies(f *testing.F, keep func(g goldenFrame) bool, add func(g goldenFrame, body, afterHeader []byte)) {
	for _, g := range loadGolden(f) {
		if !keep(g) {
			continue
		}
		body := g.frame[4:]
		var after []byte
		switch g.kind {
		case "request":
			after = body[min(len(body), RequestHeaderSize):]
		case "reply", "event":
			after = body[min(len(body), ReplyHeaderSize):]
		}
		add(g, body, after)
	}
}

func kindIs(kind string) func(goldenFrame) bool {
	return func(g goldenFrame) bool { return g.kind == kind }
}

func FuzzReadFrame(f *testing.F) {
	for _, g := range loadGolden(f) {
		f.Add(g.frame)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1 << 16
		body, err := ReadFrame(bytes.NewReader(data), max, make([]byte, 0, 16))
		if err != nil {
			return
		}
		if len(body) > max || len(data) < 4+len(body) || !bytes.Equal(body, data[4:4+len(body)]) {
			t.Fatalf("ReadFrame returned %d bytes not matching input", len(body))
		}
		if got := AppendFrame(nil, rawRecord(body)); !bytes.Equal(got, data[:4+len(body)]) {
			t.Fatalf("AppendFrame(%x) = %x", body, got)
		}
	})
}

// rawRecord encodes as its bytes verbatim.
type rawRecord []byte

func (r rawRecord) Encode(e *Encoder) { e.B = append(e.B, r...) }
func (r rawRecord) Decode(*Decoder)   {}

func FuzzConnectRequest(f *testing.F) {
	seedBodies(f, kindIs("connreq"), func(_ goldenFrame, body, _ []byte) { f.Add(body) })
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &ConnectRequest{} }, data)
	})
}

func FuzzConnectResponse(f *testing.F) {
	seedBodies(f, kindIs("connresp"), func(_ goldenFrame, body, _ []byte) { f.Add(body) })
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &ConnectResponse{} }, data)
	})
}

func FuzzRequestHeader(f *testing.F) {
	seedBodies(f, kindIs("request"), func(_ goldenFrame, body, _ []byte) { f.Add(body[:min(len(body), 8)]) })
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &RequestHeader{} }, data)
	})
}

func FuzzReplyHeader(f *testing.F) {
	seedBodies(f, func(g goldenFrame) bool { return g.kind == "reply" || g.kind == "event" },
		func(_ goldenFrame, body, _ []byte) { f.Add(body[:min(len(body), 16)]) })
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &ReplyHeader{} }, data)
	})
}

// FuzzRequest picks the op from the first byte and decodes the rest with
// the record NewRequest gives for it.
func FuzzRequest(f *testing.F) {
	seedBodies(f, kindIs("request"), func(g goldenFrame, _, after []byte) {
		f.Add(append([]byte{fuzzOpIndex(g.op)}, after...))
	})
	for _, rec := range roundTripCases() {
		for _, op := range ClientOps {
			if r, _ := NewRequest(op); r != nil && reflect.TypeOf(r) == reflect.TypeOf(rec) {
				f.Add(append([]byte{fuzzOpIndex(op)}, Marshal(rec)...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		op := fuzzOps[int(data[0])%len(fuzzOps)]
		checkRoundTrip(t, func() Record { r, _ := NewRequest(op); return r }, data[1:])
	})
}

// FuzzResponse is FuzzRequest for reply bodies, via NewResponse.
func FuzzResponse(f *testing.F) {
	seedBodies(f, kindIs("reply"), func(g goldenFrame, _, after []byte) {
		f.Add(append([]byte{fuzzOpIndex(g.op)}, after...))
	})
	for _, rec := range roundTripCases() {
		for _, op := range ClientOps {
			if r, _ := NewResponse(op); r != nil && reflect.TypeOf(r) == reflect.TypeOf(rec) {
				f.Add(append([]byte{fuzzOpIndex(op)}, Marshal(rec)...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		op := fuzzOps[int(data[0])%len(fuzzOps)]
		checkRoundTrip(t, func() Record { r, _ := NewResponse(op); return r }, data[1:])
	})
}

func FuzzMultiRequest(f *testing.F) {
	seedBodies(f, func(g goldenFrame) bool { return g.kind == "request" && (g.op == OpMulti || g.op == OpMultiRead) },
		func(_ goldenFrame, _, after []byte) { f.Add(after) })
	for _, rec := range roundTripCases() {
		if _, ok := rec.(*MultiRequest); ok {
			f.Add(Marshal(rec))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &MultiRequest{} }, data)
	})
}

func FuzzMultiResponse(f *testing.F) {
	seedBodies(f, func(g goldenFrame) bool { return g.kind == "reply" && (g.op == OpMulti || g.op == OpMultiRead) },
		func(_ goldenFrame, _, after []byte) { f.Add(after) })
	for _, rec := range roundTripCases() {
		if _, ok := rec.(*MultiResponse); ok {
			f.Add(Marshal(rec))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &MultiResponse{} }, data)
	})
}

func FuzzWatcherEvent(f *testing.F) {
	seedBodies(f, kindIs("event"), func(_ goldenFrame, _, after []byte) { f.Add(after) })
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &WatcherEvent{} }, data)
	})
}

func FuzzStat(f *testing.F) {
	st := sampleStat()
	f.Add(Marshal(&st))
	f.Add(make([]byte, StatSize))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &Stat{} }, data)
	})
}

// aclList adapts EncodeACLs/DecodeACLs to Record for fuzzing.
type aclList struct{ acls []ACL }

func (a *aclList) Encode(e *Encoder) { EncodeACLs(e, a.acls) }
func (a *aclList) Decode(d *Decoder) { a.acls = DecodeACLs(d) }

func FuzzACLs(f *testing.F) {
	f.Add(Marshal(&aclList{OpenACLUnsafe}))
	f.Add(Marshal(&aclList{append(CreatorAllACL, ReadACLUnsafe...)}))
	f.Add(Marshal(&aclList{}))
	f.Add(Marshal(&aclList{[]ACL{}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, func() Record { return &aclList{} }, data)
	})
}
