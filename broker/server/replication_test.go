package server

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/interbroker"
	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/broker/replica/fetch"
	"github.com/samsa-kafka/samsa/config"
)

// replBroker is an in-process broker with replication enabled (no
// controller: ISR changes are not proposed).
type replBroker struct {
	id   int32
	addr string
	reps *replica.Manager
	logs *log.Manager
}

// startReplBrokers starts brokers 1 and 2, each fetching from the other
// by id.
func startReplBrokers(t *testing.T) (*replBroker, *replBroker) {
	t.Helper()
	addrs := map[int32]string{}
	resolve := func(id int32) (string, bool) { a, ok := addrs[id]; return a, ok }
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	entry := logrus.NewEntry(lg)
	var out []*replBroker
	for _, id := range []int32{1, 2} {
		dir := t.TempDir()
		logs, err := log.NewManager([]string{dir}, log.DefaultConfig(), entry)
		if err != nil {
			t.Fatal(err)
		}
		cfg := config.DefaultBroker()
		cfg.Listeners = []config.Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
		cfg.LogDirs = []string{dir}
		reps := replica.NewManager(id, func() int64 { return 1 }, logs, staticConfigs{}, entry)
		reps.EnableReplication(replica.Replication{Fetch: fetch.Config{
			BrokerID: id, Resolve: resolve, Dial: interbroker.NetDialer(time.Second),
			MaxWait: 100 * time.Millisecond, MinBytes: 1, MaxBytes: 1 << 20, ResponseMaxBytes: 10 << 20,
			Backoff: 20 * time.Millisecond, SocketTimeout: 5 * time.Second, TopicIDs: true, Log: entry,
		}})
		s, err := New(Deps{BrokerID: id, Config: cfg, Metadata: metadata.New(), Replicas: reps, ProducerIDs: &counterIDs{},
			ClusterID: func() string { return "test-cluster-id-000000" }, Log: entry})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, 2)
		go func() { s.Run(ctx); done <- struct{}{} }()
		go func() { reps.Run(ctx); done <- struct{}{} }()
		t.Cleanup(func() { cancel(); <-done; <-done; logs.Close() })
		b := &replBroker{id: id, addr: s.Addr("PLAINTEXT").String(), reps: reps, logs: logs}
		addrs[id] = b.addr
		out = append(out, b)
	}
	for _, b := range out {
		replPublish(t, b.addr, addrs)
	}
	return out[0], out[1]
}

// replPublish sends UpdateMetadata: brokers 1 and 2, t1-0 on both.
func replPublish(t *testing.T, addr string, addrs map[int32]string) {
	t.Helper()
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(7)
	req.ControllerID, req.ControllerEpoch = 1, 1
	for _, id := range []int32{1, 2} {
		host, port, _ := net.SplitHostPort(addrs[id])
		p, _ := strconv.Atoi(port)
		lb := kmsg.NewUpdateMetadataRequestLiveBroker()
		lb.ID = id
		ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
		ep.Host, ep.Port, ep.ListenerName = host, int32(p), "PLAINTEXT"
		lb.Endpoints = append(lb.Endpoints, ep)
		req.LiveBrokers = append(req.LiveBrokers, lb)
	}
	ts := kmsg.NewUpdateMetadataRequestTopicState()
	ts.Topic, ts.TopicID = "t1", [16]byte{1, 2, 3}
	ps := kmsg.NewUpdateMetadataRequestTopicPartition()
	ps.Topic, ps.Leader, ps.ISR, ps.Replicas = "t1", 1, []int32{1, 2}, []int32{1, 2}
	ts.PartitionStates = append(ts.PartitionStates, ps)
	req.TopicStates = append(req.TopicStates, ts)
	if resp := roundTrip(t, addr, req).(*kmsg.UpdateMetadataResponse); resp.ErrorCode != 0 {
		t.Fatalf("UpdateMetadata: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
}

// replRole sends LeaderAndIsr for t1-0 (replicas 1, 2) to b.
func replRole(t *testing.T, b *replBroker, leader, epoch int32, isr ...int32) {
	t.Helper()
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.SetVersion(5)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, 1
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic, ts.TopicID = "t1", [16]byte{1, 2, 3}
	ps := kmsg.NewLeaderAndISRRequestTopicPartition()
	ps.Partition, ps.Leader, ps.LeaderEpoch, ps.ISR, ps.Replicas = 0, leader, epoch, isr, []int32{1, 2}
	ts.PartitionStates = append(ts.PartitionStates, ps)
	req.TopicStates = append(req.TopicStates, ts)
	resp := roundTrip(t, b.addr, req).(*kmsg.LeaderAndISRResponse)
	if resp.ErrorCode != 0 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("LeaderAndIsr to %d: %+v", b.id, resp)
	}
}

func (b *replBroker) log(t *testing.T) *log.Log {
	t.Helper()
	l := b.logs.Get("t1", 0)
	if l == nil {
		t.Fatalf("broker %d has no t1-0", b.id)
	}
	return l
}

// produceRaw appends n records with acks=1 to b, returning the error code.
func produceRaw(t *testing.T, b *replBroker, n int, prefix string) int16 {
	t.Helper()
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{OffsetDelta: int32(i), Value: []byte(fmt.Sprintf("%s%d", prefix, i))}
	}
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(8)
	req.Acks, req.TimeoutMillis = 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "t1"
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = record.Build(record.NewHeader(time.Now().UnixMilli()), recs)
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return roundTrip(t, b.addr, req).(*kmsg.ProduceResponse).Topics[0].Partitions[0].ErrorCode
}

func waitCond(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sameLogs waits until both brokers hold byte-identical logs up to n.
func sameLogs(t *testing.T, a, b *replBroker, n int64) {
	t.Helper()
	waitCond(t, "logs converge", func() error {
		la, lb := a.log(t), b.log(t)
		if la.LogEndOffset() != n || lb.LogEndOffset() != n {
			return fmt.Errorf("log ends %d and %d, want %d", la.LogEndOffset(), lb.LogEndOffset(), n)
		}
		da, _ := la.Read(0, 1<<30, n, true)
		db, _ := lb.Read(0, 1<<30, n, true)
		if !bytes.Equal(da, db) {
			return fmt.Errorf("contents differ (%d vs %d bytes)", len(da), len(db))
		}
		return nil
	})
}

// A follower copies the leader (acks=all completes once it has), and a
// deposed leader with an unreplicated tail truncates it to the new
// leader's history (DivergingEpoch) and then copies the new epoch.
func TestFollowerReplicatesAndTruncates(t *testing.T) {
	b1, b2 := startReplBrokers(t)
	replRole(t, b1, 1, 0, 1, 2)
	replRole(t, b2, 1, 0, 1, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b1.addr), kgo.DefaultProduceTopic("t1"), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < 50; i++ {
		cl.Produce(ctx, &kgo.Record{Value: []byte(fmt.Sprintf("v%d", i))}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatalf("acks=all with a fetching follower: %v", err)
	}
	sameLogs(t, b1, b2, 50)
	waitCond(t, "follower HW", func() error {
		if hw := b2.log(t).HighWatermark(); hw != 50 {
			return fmt.Errorf("follower HW %d", hw)
		}
		return nil
	})

	// Broker 2 takes over at epoch 1 while broker 1, not told yet, takes
	// writes no one will fetch.
	replRole(t, b2, 2, 1, 2)
	if code := produceRaw(t, b1, 3, "lost"); code != 0 {
		t.Fatalf("acks=1 to the deposed leader: %d", code)
	}
	if code := produceRaw(t, b2, 2, "new"); code != 0 {
		t.Fatalf("acks=1 to the new leader: %d", code)
	}
	if b1.log(t).LogEndOffset() != 53 || b2.log(t).LogEndOffset() != 52 {
		t.Fatalf("log ends %d / %d", b1.log(t).LogEndOffset(), b2.log(t).LogEndOffset())
	}
	replRole(t, b1, 2, 1, 2)
	sameLogs(t, b1, b2, 52)
	if e, ok := b1.log(t).LatestEpoch(); !ok || e != 1 {
		t.Fatalf("follower's latest epoch %d %v, want 1", e, ok)
	}
}

// Leader-side checks of follower fetches: an unassigned broker gets no
// records, an old epoch FENCED_LEADER_EPOCH, a newer one
// UNKNOWN_LEADER_EPOCH, a follower of the partition NOT_LEADER_OR_FOLLOWER.
func TestFollowerFetchChecks(t *testing.T) {
	b1, b2 := startReplBrokers(t)
	replRole(t, b1, 1, 3, 1)
	if code := produceRaw(t, b1, 5, "x"); code != 0 {
		t.Fatalf("produce: %d", code)
	}
	fetchAs := func(b *replBroker, replicaID, epoch int32) kmsg.FetchResponseTopicPartition {
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(12)
		req.ReplicaID, req.MaxWaitMillis, req.MaxBytes, req.SessionEpoch = replicaID, 0, 1<<20, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "t1"
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.CurrentLeaderEpoch, rp.PartitionMaxBytes = epoch, 1<<20
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return roundTrip(t, b.addr, req).(*kmsg.FetchResponse).Topics[0].Partitions[0]
	}
	if p := fetchAs(b1, 2, 3); p.ErrorCode != 0 || len(p.RecordBatches) == 0 || p.HighWatermark != 5 {
		t.Fatalf("replica 2 at the current epoch: %+v", p)
	}
	if p := fetchAs(b1, 7, 3); p.ErrorCode != 0 || len(p.RecordBatches) != 0 {
		t.Fatalf("unassigned broker 7: error %d, %d bytes", p.ErrorCode, len(p.RecordBatches))
	}
	if p := fetchAs(b1, 2, 2); p.ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("old epoch: %d", p.ErrorCode)
	}
	if p := fetchAs(b1, 2, 4); p.ErrorCode != kerr.UnknownLeaderEpoch.Code {
		t.Fatalf("newer epoch: %d", p.ErrorCode)
	}
	replRole(t, b2, 1, 3, 1)
	if p := fetchAs(b2, 1, 3); p.ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Fatalf("fetch from a follower: %d", p.ErrorCode)
	}
}
