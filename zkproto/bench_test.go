package zkproto

import "testing"

func benchGetData() *GetDataResponse {
	return &GetDataResponse{Data: make([]byte, 512), Stat: sampleStat()}
}

func benchCreate() *CreateRequest {
	return &CreateRequest{Path: "/brokers/topics/example/partitions/0/state",
		Data: make([]byte, 128), ACL: OpenACLUnsafe, Flags: ModePersistent}
}

// benchEncode measures the steady state of a connection loop: the output
// buffer is reused, so encoding should not allocate at all.
func benchEncode(b *testing.B, r Record) {
	b.ReportAllocs()
	e := Encoder{}
	for i := 0; i < b.N; i++ {
		e.B = e.B[:0]
		r.Encode(&e)
	}
	b.SetBytes(int64(len(e.B)))
}

func benchDecode(b *testing.B, in []byte, r Record) {
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		if err := Unmarshal(in, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetDataResponseEncode(b *testing.B) { benchEncode(b, benchGetData()) }

func BenchmarkGetDataResponseDecode(b *testing.B) {
	benchDecode(b, Marshal(benchGetData()), &GetDataResponse{})
}

func BenchmarkCreateRequestEncode(b *testing.B) { benchEncode(b, benchCreate()) }

func BenchmarkCreateRequestDecode(b *testing.B) {
	benchDecode(b, Marshal(benchCreate()), &CreateRequest{})
}

func BenchmarkAppendFrameReply(b *testing.B) {
	b.ReportAllocs()
	h, r := &ReplyHeader{Xid: 1, Zxid: 2}, benchGetData()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = AppendFrame(buf[:0], h, r)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncoderFrameReply is the allocation-free path: one Encoder per
// connection, reused for every reply.
func BenchmarkEncoderFrameReply(b *testing.B) {
	b.ReportAllocs()
	h, r := &ReplyHeader{Xid: 1, Zxid: 2}, benchGetData()
	e := &Encoder{}
	for i := 0; i < b.N; i++ {
		e.B = e.B[:0]
		start := e.StartFrame()
		h.Encode(e)
		r.Encode(e)
		e.EndFrame(start)
	}
	b.SetBytes(int64(len(e.B)))
}
