package protocol

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRequestRoundTrip(t *testing.T) {
	for _, req := range []kmsg.Request{
		func() kmsg.Request { r := kmsg.NewPtrMetadataRequest(); r.SetVersion(12); return r }(),
		func() kmsg.Request { r := kmsg.NewPtrMetadataRequest(); r.SetVersion(1); return r }(),
		func() kmsg.Request { r := kmsg.NewPtrApiVersionsRequest(); r.SetVersion(3); return r }(),
		func() kmsg.Request {
			r := kmsg.NewPtrControlledShutdownRequest()
			r.SetVersion(0)
			r.BrokerID = 7
			return r
		}(),
	} {
		frame := AppendRequest(nil, 42, "cli", req)
		parsed, err := ParseRequest(frame[4:])
		if err != nil {
			t.Fatalf("key %d v%d: %v", req.Key(), req.GetVersion(), err)
		}
		if parsed.Key != req.Key() || parsed.Version != req.GetVersion() || parsed.CorrelationID != 42 {
			t.Fatalf("header %+v", parsed.Header)
		}
		got := kmsg.RequestForKey(parsed.Key)
		got.SetVersion(parsed.Version)
		if err := got.ReadFrom(parsed.Body); err != nil {
			t.Fatalf("body: %v", err)
		}
		wantClient := req.Key() != 7 || req.GetVersion() != 0
		if (parsed.ClientID != nil) != wantClient {
			t.Fatalf("client id %v", parsed.ClientID)
		}
	}
}

func TestApiVersionsResponseHeaderIsV0(t *testing.T) {
	resp := kmsg.NewPtrApiVersionsResponse()
	frame := AppendResponse(nil, Header{Key: 18, Version: 3, CorrelationID: 9}, resp)
	corr, body, err := ParseResponse(frame[4:], 18, 3)
	if err != nil || corr != 9 {
		t.Fatal(err)
	}
	got := kmsg.NewPtrApiVersionsResponse()
	got.SetVersion(3)
	if err := got.ReadFrom(body); err != nil {
		t.Fatalf("v3 body after a v0 header: %v", err)
	}
}

func FuzzParseRequest(f *testing.F) {
	r := kmsg.NewPtrMetadataRequest()
	r.SetVersion(12)
	f.Add(AppendRequest(nil, 1, "x", r)[4:])
	f.Add([]byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseRequest(b)
		if err != nil {
			return
		}
		if len(req.Body) > len(b) {
			t.Fatal("body longer than frame")
		}
		if k := kmsg.RequestForKey(req.Key); k != nil {
			k.SetVersion(req.Version)
			_ = k.ReadFrom(req.Body) // must not panic
		}
	})
}
