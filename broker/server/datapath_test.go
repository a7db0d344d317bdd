package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/config"
)

type counterIDs struct{ n atomic.Int64 }

func (c *counterIDs) NextProducerID(context.Context) (int64, error) { return c.n.Add(1), nil }

type staticConfigs struct{}

func (staticConfigs) LogConfig(string) log.Config { return log.DefaultConfig() }
func (staticConfigs) MinISR(string) int           { return 1 }

// startDataServer runs a server with real logs and a replica manager.
func startDataServer(t *testing.T, dir string) (*Server, string) {
	t.Helper()
	s, addr, _ := startStoppableServer(t, dir)
	return s, addr
}

// startStoppableServer is startDataServer that also returns a function
// stopping the server (and waiting for Run to return).
func startStoppableServer(t *testing.T, dir string) (*Server, string, func()) {
	t.Helper()
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	entry := logrus.NewEntry(lg)
	logs, err := log.NewManager([]string{dir}, log.DefaultConfig(), entry)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultBroker()
	cfg.Listeners = []config.Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
	cfg.LogDirs = []string{dir}
	reps := replica.NewManager(1, func() int64 { return 1 }, logs, staticConfigs{}, entry)
	s, err := New(Deps{BrokerID: 1, Config: cfg, Metadata: metadata.New(), Replicas: reps, ProducerIDs: &counterIDs{},
		ClusterID: func() string { return "test-cluster-id-000000" }, Log: entry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(func() { stop(); logs.Close() })
	return s, s.Addr("PLAINTEXT").String(), stop
}

// lead makes broker 1 leader of t1-0, as the controller would.
func lead(t *testing.T, addr string, epoch int32) {
	leadWith(t, addr, epoch, []int32{1}, []int32{1})
}

// leadWith is lead with the given ISR and replicas.
func leadWith(t *testing.T, addr string, epoch int32, isr, replicas []int32) {
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.SetVersion(5)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, 1
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic, ts.TopicID = "t1", [16]byte{1, 2, 3}
	ps := kmsg.NewLeaderAndISRRequestTopicPartition()
	ps.Partition, ps.Leader, ps.LeaderEpoch, ps.ISR, ps.Replicas, ps.IsNew = 0, 1, epoch, isr, replicas, true
	ts.PartitionStates = append(ts.PartitionStates, ps)
	req.TopicStates = append(req.TopicStates, ts)
	resp := roundTrip(t, addr, req).(*kmsg.LeaderAndISRResponse)
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("LeaderAndIsr: %+v", resp)
	}
}

func TestProduceConsumeFranzGo(t *testing.T) {
	_, addr := startDataServer(t, t.TempDir())
	publish(t, addr)
	lead(t, addr, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DefaultProduceTopic("t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	const n = 200
	for i := 0; i < n; i++ {
		prod.Produce(ctx, &kgo.Record{Value: []byte(fmt.Sprintf("v%03d", i))}, nil)
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	res := prod.ProduceSync(ctx, &kgo.Record{Value: []byte("last")})
	if r, err := res.First(); err != nil || r.Offset != n {
		t.Fatalf("last record offset %v, %v; want %d", r, err, n)
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"t1": {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var got []string
	for len(got) < n+1 {
		fs := cons.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("fetch errors: %v", errs)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if got[0] != "v000" || got[n-1] != fmt.Sprintf("v%03d", n-1) || got[n] != "last" {
		t.Fatalf("consumed %v...", got[:3])
	}
}

func TestListOffsetsAndEpochs(t *testing.T) {
	_, addr := startDataServer(t, t.TempDir())
	publish(t, addr)
	lead(t, addr, 3)
	// A stale LeaderAndIsr (same epoch) is refused per partition.
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.SetVersion(5)
	req.ControllerEpoch, req.BrokerEpoch = 1, 1
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic = "t1"
	ps := kmsg.NewLeaderAndISRRequestTopicPartition()
	ps.Leader, ps.LeaderEpoch, ps.ISR, ps.Replicas = 1, 3, []int32{1}, []int32{1}
	ts.PartitionStates = append(ts.PartitionStates, ps)
	req.TopicStates = append(req.TopicStates, ts)
	if got := roundTrip(t, addr, req).(*kmsg.LeaderAndISRResponse); got.Topics[0].Partitions[0].ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Fatalf("stale LeaderAndIsr: %+v", got)
	}
	// One partition per request: Kafka answers a partition named twice
	// in one request with INVALID_REQUEST for each mention.
	listOffsets := func(parts ...kmsg.ListOffsetsRequestTopicPartition) []kmsg.ListOffsetsResponseTopicPartition {
		lo := kmsg.NewPtrListOffsetsRequest()
		lo.SetVersion(7)
		lt := kmsg.NewListOffsetsRequestTopic()
		lt.Topic = "t1"
		lt.Partitions = parts
		lo.Topics = append(lo.Topics, lt)
		return roundTrip(t, addr, lo).(*kmsg.ListOffsetsResponse).Topics[0].Partitions
	}
	var ps0 []kmsg.ListOffsetsResponseTopicPartition
	for _, q := range []struct {
		ts    int64
		epoch int32
	}{{-1, 3}, {-2, 3}, {-1, 2}} {
		lp := kmsg.NewListOffsetsRequestTopicPartition()
		lp.Timestamp, lp.CurrentLeaderEpoch = q.ts, q.epoch
		ps0 = append(ps0, listOffsets(lp)...)
	}
	if ps0[0].ErrorCode != 0 || ps0[0].Offset != 0 || ps0[0].LeaderEpoch != 3 || ps0[1].Offset != 0 ||
		ps0[2].ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("list offsets %+v", ps0)
	}
	dup := kmsg.NewListOffsetsRequestTopicPartition()
	dup.Timestamp = -1
	for _, p := range listOffsets(dup, dup) {
		if p.ErrorCode != kerr.InvalidRequest.Code || p.Offset != -1 {
			t.Fatalf("duplicate partition: %+v", p)
		}
	}
}

func TestDeleteRecordsAndLogDirs(t *testing.T) {
	dir := t.TempDir()
	_, addr := startDataServer(t, dir)
	publish(t, addr)
	lead(t, addr, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < 10; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	dr := kmsg.NewPtrDeleteRecordsRequest()
	dr.SetVersion(2)
	drt := kmsg.NewDeleteRecordsRequestTopic()
	drt.Topic = "t1"
	drp := kmsg.NewDeleteRecordsRequestTopicPartition()
	drp.Offset = 4
	drt.Partitions = append(drt.Partitions, drp)
	dr.Topics = append(dr.Topics, drt)
	got := roundTrip(t, addr, dr).(*kmsg.DeleteRecordsResponse)
	if p := got.Topics[0].Partitions[0]; p.ErrorCode != 0 || p.LowWatermark != 4 {
		t.Fatalf("delete records: %+v", p)
	}
	ld := kmsg.NewPtrDescribeLogDirsRequest()
	ld.SetVersion(2)
	dirs := roundTrip(t, addr, ld).(*kmsg.DescribeLogDirsResponse)
	if len(dirs.Dirs) != 1 || len(dirs.Dirs[0].Topics) != 1 || dirs.Dirs[0].Topics[0].Partitions[0].Size <= 0 {
		t.Fatalf("log dirs: %+v", dirs.Dirs)
	}
}
