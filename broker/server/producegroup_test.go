package server

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/record"
)

// groupCase is one produce request of the group tests and a name for it.
type groupCase struct {
	name string
	req  *kmsg.ProduceRequest
}

// groupCases mixes what a produce group must keep apart: an idempotent
// sequence spread over several requests, a duplicate, an out-of-order
// sequence, acks=1 and acks=all, and requests that fail before the log
// (unknown topic, internal topic, bad acks) or in it (corrupt batch).
func groupCases(ts int64) []groupCase {
	idem := func(seq int32, n int) []byte {
		h := record.NewHeader(ts)
		h.ProducerID, h.ProducerEpoch, h.BaseSequence = 42, 0, seq
		recs := make([]record.Record, n)
		for i := range recs {
			recs[i] = record.Record{OffsetDelta: int32(i), Value: []byte("idem")}
		}
		return record.Build(h, recs)
	}
	plain := record.Build(record.NewHeader(ts), []record.Record{{Value: []byte("a")}, {OffsetDelta: 1, Value: []byte("b")}})
	corrupt := record.Build(record.NewHeader(ts), []record.Record{{Value: []byte("c")}})
	corrupt[len(corrupt)-1] ^= 0xff
	req := func(topic string, acks int16, batches []byte) *kmsg.ProduceRequest {
		r := kmsg.NewPtrProduceRequest()
		r.SetVersion(9)
		r.Acks, r.TimeoutMillis = acks, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = batches
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
		return r
	}
	return []groupCase{
		{"idempotent seq 0", req("t1", -1, idem(0, 3))},
		{"plain acks=1", req("t1", 1, plain)},
		{"unknown topic", req("nope", 1, plain)},
		{"idempotent seq 3", req("t1", -1, idem(3, 2))},
		{"duplicate of seq 0", req("t1", -1, idem(0, 3))},
		{"out of order", req("t1", 1, idem(9, 1))},
		{"bad acks", req("t1", 5, plain)},
		{"internal topic", req("__consumer_offsets", 1, plain)},
		{"corrupt", req("t1", 1, corrupt)},
		{"idempotent seq 5", req("t1", 1, idem(5, 1))},
	}
}

type produceOutcome struct {
	code                    int16
	base, appendTime, start int64
}

func outcomeOf(t *testing.T, r kmsg.Response) produceOutcome {
	t.Helper()
	p := r.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
	return produceOutcome{p.ErrorCode, p.BaseOffset, p.LogAppendTime, p.LogStartOffset}
}

// TestProduceGroupMatchesOneByOne: a produce group answers each request
// as running the requests one by one does.
func TestProduceGroupMatchesOneByOne(t *testing.T) {
	ts := time.Now().UnixMilli()
	cases := groupCases(ts)
	run := func(grouped bool) []produceOutcome {
		s, addr := startDataServer(t, t.TempDir())
		publish(t, addr)
		lead(t, addr, 0)
		entry := logrus.NewEntry(logrus.New())
		c := &conn{s: s, nc: fakeConn{}, listener: "PLAINTEXT", log: entry}
		var out []produceOutcome
		if grouped {
			var group []inbound
			for i, gc := range cases {
				group = append(group, inbound{a: api{key: 0}, h: protocol.Header{Key: 0, Version: 9, CorrelationID: int32(i)}, req: gc.req})
			}
			for _, r := range s.handleProduceGroup(context.Background(), c, group) {
				out = append(out, outcomeOf(t, r))
			}
			return out
		}
		for i, gc := range cases {
			r, err := s.handleProduce(context.Background(), c, protocol.Header{Key: 0, Version: 9, CorrelationID: int32(i)}, gc.req)
			if err != nil {
				t.Fatalf("%s: %v", gc.name, err)
			}
			out = append(out, outcomeOf(t, r))
		}
		return out
	}
	// The requests' batches are rewritten in place by the append, so each
	// run gets its own copies.
	want := run(false)
	cases = groupCases(ts)
	got := run(true)
	for i, gc := range cases {
		if want[i] != got[i] {
			t.Errorf("%s: one by one %+v, grouped %+v", gc.name, want[i], got[i])
		}
	}
	wantCodes := []int16{0, 0, kerr.UnknownTopicOrPartition.Code, 0, 0, kerr.OutOfOrderSequenceNumber.Code,
		kerr.InvalidRequiredAcks.Code, kerr.InvalidTopicException.Code, kerr.CorruptMessage.Code, 0}
	for i, gc := range cases {
		if got[i].code != wantCodes[i] {
			t.Errorf("%s: error %v, want %v", gc.name, kerr.ErrorForCode(got[i].code), kerr.ErrorForCode(wantCodes[i]))
		}
	}
	if got[4].base != got[0].base {
		t.Errorf("duplicate answered at offset %d, original at %d", got[4].base, got[0].base)
	}
}

// TestProduceGroupOverTheWire: produce requests written back to back on
// one connection (so the handler finds them queued) with a Metadata
// request among them are answered in order, with the offsets one-by-one
// handling gives.
func TestProduceGroupOverTheWire(t *testing.T) {
	_, addr := startDataServer(t, t.TempDir())
	publish(t, addr)
	lead(t, addr, 0)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cases := groupCases(time.Now().UnixMilli())
	var out []byte
	var keys []int16
	for i, gc := range cases {
		if i == 4 {
			out = protocol.AppendRequest(out, 100, "g", metadataReq())
			keys = append(keys, 3)
		}
		out = protocol.AppendRequest(out, int32(i), "g", gc.req)
		keys = append(keys, 0)
	}
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}
	wantBase := []int64{0, 3, -1, 5, 0, -1, -1, -1, -1, 7}
	i := 0
	for _, key := range keys {
		frame := readFrame(t, nc)
		if key == 3 {
			if corr, _, _ := protocol.ParseResponse(frame, 3, 12); corr != 100 {
				t.Fatalf("metadata answered with correlation %d", corr)
			}
			continue
		}
		corr, body, err := protocol.ParseResponse(frame, 0, 9)
		if err != nil {
			t.Fatal(err)
		}
		if corr != int32(i) {
			t.Fatalf("response %d has correlation id %d", i, corr)
		}
		resp := kmsg.NewPtrProduceResponse()
		resp.SetVersion(9)
		if err := resp.ReadFrom(body); err != nil {
			t.Fatal(err)
		}
		if got := resp.Topics[0].Partitions[0].BaseOffset; got != wantBase[i] {
			t.Errorf("%s: base offset %d, want %d", cases[i].name, got, wantBase[i])
		}
		i++
	}
}
