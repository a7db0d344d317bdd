package server

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

func apiVersionsReq() kmsg.Request {
	r := kmsg.NewPtrApiVersionsRequest()
	r.SetVersion(3)
	r.ClientSoftwareName, r.ClientSoftwareVersion = "pipe", "1"
	return r
}

func metadataReq() kmsg.Request {
	r := kmsg.NewPtrMetadataRequest()
	r.SetVersion(12)
	return r
}

func produceReq(acks int16) kmsg.Request {
	r := kmsg.NewPtrProduceRequest()
	r.SetVersion(9)
	r.Acks, r.TimeoutMillis = acks, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "t1"
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = record.Build(record.NewHeader(time.Now().UnixMilli()), []record.Record{{Value: []byte("v")}})
	rt.Partitions = append(rt.Partitions, rp)
	r.Topics = append(r.Topics, rt)
	return r
}

// readCorrelation reads one response frame and returns its correlation id.
func readCorrelation(t *testing.T, nc net.Conn) int32 {
	t.Helper()
	f := readFrame(t, nc)
	return int32(binary.BigEndian.Uint32(f))
}

// expectClosed checks that the server closed nc (after whatever was read).
func expectClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := nc.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d more bytes, want the connection closed", n)
	}
}

// Many requests written at once are answered in request order, and an
// acks=0 produce in between sends nothing.
func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	_, addr := startDataServer(t, t.TempDir())
	publish(t, addr)
	lead(t, addr, 0)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var out []byte
	var want []int32
	for i := int32(1); i <= 60; i++ {
		switch i % 4 {
		case 0:
			out = protocol.AppendRequest(out, i, "pipe", produceReq(0)) // no response
		case 1:
			out = protocol.AppendRequest(out, i, "pipe", produceReq(1))
			want = append(want, i)
		case 2:
			out = protocol.AppendRequest(out, i, "pipe", metadataReq())
			want = append(want, i)
		default:
			out = protocol.AppendRequest(out, i, "pipe", apiVersionsReq())
			want = append(want, i)
		}
	}
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if got := readCorrelation(t, nc); got != w {
			t.Fatalf("correlation id %d, want %d", got, w)
		}
	}
	// The 15 acks=0 records were appended too. Ask on the same connection:
	// its requests are handled in order, so the last (unanswered) acks=0
	// produce has been handled before this one.
	req := produceReq(1)
	if _, err := nc.Write(protocol.AppendRequest(nil, 61, "pipe", req)); err != nil {
		t.Fatal(err)
	}
	_, body, err := protocol.ParseResponse(readFrame(t, nc), req.Key(), req.GetVersion())
	if err != nil {
		t.Fatal(err)
	}
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	if got := resp.Topics[0].Partitions[0].BaseOffset; got != 30 {
		t.Fatalf("next offset %d, want 30 (15 acks=1 + 15 acks=0 appends)", got)
	}
}

// A request that closes the connection still lets every request before it
// be answered, and nothing after it is.
func TestPipelinedCloseAfterEarlierAnswers(t *testing.T) {
	_, addr := startServer(t)
	badVersion := func() kmsg.Request { r := kmsg.NewPtrMetadataRequest(); r.SetVersion(13); return r }()
	cases := map[string][]byte{
		"bad version": protocol.AppendRequest(nil, 3, "x", badVersion),
		"oversized":   binary.BigEndian.AppendUint32(nil, 200<<20),
		"unknown key": append(binary.BigEndian.AppendUint32(nil, 10), 0x7f, 0x00, 0, 0, 0, 3, 0, 1, 0xff, 0xff),
		"bad header":  append(binary.BigEndian.AppendUint32(nil, 3), 0, 3, 0),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			var out []byte
			out = protocol.AppendRequest(out, 1, "x", apiVersionsReq())
			out = protocol.AppendRequest(out, 2, "x", metadataReq())
			out = append(out, bad...)
			out = protocol.AppendRequest(out, 4, "x", apiVersionsReq())
			nc.Write(out)
			for _, w := range []int32{1, 2} {
				if got := readCorrelation(t, nc); got != w {
					t.Fatalf("correlation id %d, want %d", got, w)
				}
			}
			expectClosed(t, nc)
		})
	}
}

// KIP-511: an ApiVersions with an unknown version is answered in place,
// in order with its neighbours.
func TestPipelinedAPIVersionsFallbackInOrder(t *testing.T) {
	_, addr := startServer(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	future := kmsg.NewPtrApiVersionsRequest()
	future.SetVersion(4)
	var out []byte
	out = protocol.AppendRequest(out, 1, "x", metadataReq())
	out = protocol.AppendRequest(out, 2, "x", future)
	out = protocol.AppendRequest(out, 3, "x", metadataReq())
	nc.Write(out)
	for _, w := range []int32{1, 2, 3} {
		if got := readCorrelation(t, nc); got != w {
			t.Fatalf("correlation id %d, want %d", got, w)
		}
	}
}

// Every per-connection goroutine exits when its client goes away and when
// the server stops, also with a long poll in progress and requests queued
// behind it.
func TestConnectionGoroutinesExit(t *testing.T) {
	before := runtime.NumGoroutine()
	lg := logrus.New()
	lg.SetLevel(logrus.ErrorLevel)
	entry := logrus.NewEntry(lg)
	dir := t.TempDir()
	logs, err := log.NewManager([]string{dir}, log.DefaultConfig(), entry)
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cfg := config.DefaultBroker()
	cfg.Listeners = []config.Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
	cfg.LogDirs = []string{dir}
	reps := replica.NewManager(1, func() int64 { return 1 }, logs, staticConfigs{}, entry)
	s, err := New(Deps{BrokerID: 1, Config: cfg, Metadata: metadata.New(), Replicas: reps, ProducerIDs: &counterIDs{},
		ClusterID: func() string { return "c" }, Log: entry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	addr := s.Addr("PLAINTEXT").String()
	conns := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns)
	}

	// Clients that leave: their connections and goroutines go away.
	for i := 0; i < 5; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for j := int32(0); j < 20; j++ {
			out = protocol.AppendRequest(out, j, "x", apiVersionsReq())
		}
		nc.Write(out)
		readCorrelation(t, nc)
		nc.Close() // with responses still unread
	}
	zkharness.WaitFor(t, 10*time.Second, func() error {
		if n := conns(); n != 0 {
			return fmt.Errorf("%d connections still served", n)
		}
		return nil
	})

	// Clients still connected when the server stops, one of them in a
	// long poll with more requests queued behind it.
	var open []net.Conn
	for i := 0; i < 3; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		open = append(open, nc)
	}
	publish(t, addr)
	lead(t, addr, 0)
	fetch := kmsg.NewPtrFetchRequest()
	fetch.SetVersion(12)
	fetch.MaxWaitMillis, fetch.MinBytes, fetch.MaxBytes = 60000, 1, 1<<20
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "t1"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes, fp.CurrentLeaderEpoch = 1<<20, -1
	ft.Partitions = append(ft.Partitions, fp)
	fetch.Topics = append(fetch.Topics, ft)
	var out []byte
	out = protocol.AppendRequest(out, 1, "x", fetch)
	for j := int32(2); j < 10; j++ {
		out = protocol.AppendRequest(out, j, "x", apiVersionsReq())
	}
	open[0].Write(out)
	zkharness.WaitFor(t, 10*time.Second, func() error {
		if n := conns(); n != 3 {
			return fmt.Errorf("%d connections, want 3", n)
		}
		return nil
	})
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	for _, nc := range open {
		// What the server answered while stopping may arrive first.
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, nc); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("connection still open after the server stopped")
			}
		}
	}
	zkharness.WaitFor(t, 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			return fmt.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		return nil
	})
}

// A server stopping while an acks=all produce waits for a follower closes
// the connection without answering it (Kafka's shutdown closes its
// sockets), so the client retries instead of getting an error for a
// record that may still be replicated.
func TestShutdownClosesInsteadOfFailingWaits(t *testing.T) {
	s, addr, stop := startStoppableServer(t, t.TempDir())
	publish(t, addr)
	leadWith(t, addr, 0, []int32{1, 2}, []int32{1, 2})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(protocol.AppendRequest(nil, 1, "x", produceReq(-1))); err != nil {
		t.Fatal(err)
	}
	part, ok := s.Replicas.Get("t1", 0)
	if !ok {
		t.Fatal("t1-0 not hosted")
	}
	// The append is done (and the handler waits for broker 2) once the log end moves.
	if err := zkharness.Poll(10*time.Second, func() error {
		if part.Log().LogEndOffset() == 0 {
			return fmt.Errorf("produce not appended yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stop()
	expectClosed(t, nc)
}
