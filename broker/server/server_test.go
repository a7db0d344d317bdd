package server

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/config"
)

func startServer(t *testing.T) (*Server, string) {
	t.Helper()
	cfg := config.DefaultBroker()
	cfg.Listeners = []config.Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	s, err := New(Deps{BrokerID: 1, Config: cfg, Metadata: metadata.New(),
		ClusterID: func() string { return "test-cluster-id-000000" }, Log: logrus.NewEntry(lg)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, s.Addr("PLAINTEXT").String()
}

// roundTrip sends one request on a fresh connection and decodes the answer.
func roundTrip(t *testing.T, addr string, req kmsg.Request) kmsg.Response {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(protocol.AppendRequest(nil, 7, "test", req)); err != nil {
		t.Fatal(err)
	}
	frame := readFrame(t, nc)
	_, body, err := protocol.ParseResponse(frame, req.Key(), req.GetVersion())
	if err != nil {
		t.Fatal(err)
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	return resp
}

func readFrame(t *testing.T, nc net.Conn) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(nc, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// publish feeds the cache as the controller would: this broker, live, and
// one topic it leads.
func publish(t *testing.T, addr string) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(7)
	req.ControllerID, req.ControllerEpoch = 1, 1
	lb := kmsg.NewUpdateMetadataRequestLiveBroker()
	lb.ID = 1
	ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
	ep.Host, ep.Port, ep.ListenerName = host, int32(p), "PLAINTEXT"
	lb.Endpoints = append(lb.Endpoints, ep)
	req.LiveBrokers = append(req.LiveBrokers, lb)
	ts := kmsg.NewUpdateMetadataRequestTopicState()
	ts.Topic, ts.TopicID = "t1", [16]byte{1, 2, 3}
	ps := kmsg.NewUpdateMetadataRequestTopicPartition()
	ps.Topic, ps.Leader, ps.ISR, ps.Replicas = "t1", 1, []int32{1}, []int32{1}
	ts.PartitionStates = append(ts.PartitionStates, ps)
	req.TopicStates = append(req.TopicStates, ts)
	resp := roundTrip(t, addr, req).(*kmsg.UpdateMetadataResponse)
	if resp.ErrorCode != 0 {
		t.Fatalf("UpdateMetadata: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
}

func TestMetadataWithFranzGo(t *testing.T) {
	_, addr := startServer(t)
	publish(t, addr)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := adm.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.Cluster != "test-cluster-id-000000" || md.Controller != 1 || len(md.Brokers) != 1 {
		t.Fatalf("metadata %+v", md)
	}
	td, ok := md.Topics["t1"]
	if !ok || len(td.Partitions) != 1 || td.Partitions[0].Leader != 1 || td.ID != [16]byte{1, 2, 3} {
		t.Fatalf("topic %+v", td)
	}
	vs, err := adm.ApiVersions(ctx)
	if err != nil || len(vs) != 1 {
		t.Fatalf("api versions %v %v", vs, err)
	}
}

func TestUnknownTopicAndStaleEpoch(t *testing.T) {
	_, addr := startServer(t)
	publish(t, addr)
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr("nope")
	req.Topics = append(req.Topics, rt)
	resp := roundTrip(t, addr, req).(*kmsg.MetadataResponse)
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("unknown topic: %+v", resp.Topics)
	}
	um := kmsg.NewPtrUpdateMetadataRequest()
	um.SetVersion(7)
	um.ControllerEpoch = 0
	if got := roundTrip(t, addr, um).(*kmsg.UpdateMetadataResponse); got.ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Fatalf("stale epoch: %d", got.ErrorCode)
	}
}

func TestAPIVersionsFallbackToV0(t *testing.T) {
	_, addr := startServer(t)
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(4) // newer than we support
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write(protocol.AppendRequest(nil, 9, "x", req))
	_, body, _ := protocol.ParseResponse(readFrame(t, nc), 18, 0)
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != kerr.UnsupportedVersion.Code || len(resp.ApiKeys) != 1 || resp.ApiKeys[0].MaxVersion != 3 {
		t.Fatalf("fallback %+v", resp)
	}
}

func TestBadFramesCloseOnlyThatConnection(t *testing.T) {
	_, addr := startServer(t)
	cases := map[string][]byte{
		"oversized":    binary.BigEndian.AppendUint32(nil, 200<<20),
		"negative":     {0xff, 0xff, 0xff, 0xff},
		"unknown key":  append(binary.BigEndian.AppendUint32(nil, 10), 0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff),
		"bad version":  protocol.AppendRequest(nil, 1, "x", func() kmsg.Request { r := kmsg.NewPtrMetadataRequest(); r.SetVersion(13); return r }()),
		"garbage body": append(binary.BigEndian.AppendUint32(nil, 12), 0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0x05, 0x05),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(b)
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := nc.Read(make([]byte, 1)); err == nil {
				t.Fatalf("read %d bytes, want the connection closed", n)
			}
		})
	}
	// The server still answers others.
	publish(t, addr)
}
