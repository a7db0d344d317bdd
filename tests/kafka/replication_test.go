package kafka

// Replication across brokers (research kafka-zk-mode.md sections 3.4-3.6
// and 4): three brokers, RF 3 topics with min.insync.replicas=2, franz-go
// idempotent acks=all producers. Every check reads what the brokers hold
// (their segment files, Metadata/kadm views, consumers), never timings.

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

var replIDs = []int32{1, 2, 3}

// startReplicated starts brokers 1-3 and creates topic with RF 3 and
// min.insync.replicas=2, waiting until every partition has the full ISR.
func startReplicated(t *testing.T, topic string, partitions int32, extra ...string) *kafkaharness.Cluster {
	t.Helper()
	props := map[string]string{"zookeeper.session.timeout.ms": crashSessionTimeout,
		// The last broker standing cannot hand its leadership to anyone:
		// keep its controlled-shutdown retries short.
		"controlled.shutdown.retry.backoff.ms": "300"}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	c := kafkaharness.Start(t, kafkaharness.Options{Brokers: 3, IDs: replIDs, ZK: crashZK, Props: withStock(props)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.Admin(t).CreateTopic(ctx, partitions, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s RF 3: %v", topic, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, b := range c.Brokers() {
				t.Logf("--- tail of broker %d log %s ---\n%s", b.ID, b.LogFile, b.LogTail(60))
			}
		}
	})
	for p := int32(0); p < partitions; p++ {
		replWaitISR(t, c, topic, p, replIDs, 30*time.Second)
	}
	return c
}

// replDescribe returns the partitions of topic as a broker's metadata
// (kadm) reports them.
func replDescribe(t *testing.T, c *kafkaharness.Cluster, topic string) (map[int32]kadm.PartitionDetail, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adm := kadm.NewClient(c.Client(t, kgo.MetadataMinAge(10*time.Millisecond)))
	defer adm.Close()
	td, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, err
	}
	d, ok := td[topic]
	if !ok || d.Err != nil {
		return nil, fmt.Errorf("topic %s: %v", topic, d.Err)
	}
	return d.Partitions, nil
}

// replWaitISR waits until partition p's leader is in want and its ISR is
// exactly want (any order); it returns the leader.
func replWaitISR(t *testing.T, c *kafkaharness.Cluster, topic string, p int32, want []int32, timeout time.Duration) int32 {
	t.Helper()
	var leader int32
	kafkaharness.WaitFor(t, timeout, func() error {
		parts, err := replDescribe(t, c, topic)
		if err != nil {
			return err
		}
		pd := parts[p]
		isr := slices.Sorted(slices.Values(pd.ISR))
		if !slices.Equal(isr, slices.Sorted(slices.Values(want))) || !slices.Contains(want, pd.Leader) {
			return fmt.Errorf("%s-%d: leader %d isr %v, want isr %v", topic, p, pd.Leader, pd.ISR, want)
		}
		leader = pd.Leader
		return nil
	})
	return leader
}

// replOnDisk reads the values of topic-p from broker b's segment files,
// by offset.
func replOnDisk(b *kafkaharness.Broker, topic string, p int32) (map[int64]string, error) {
	dir := filepath.Join(b.LogDir, fmt.Sprintf("%s-%d", topic, p))
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[int64]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for rest := data; len(rest) > 0; {
			batch, r, err := record.Next(rest)
			if err != nil {
				break // a batch still being written
			}
			rest = r
			h, err := record.ParseHeader(batch)
			if err != nil {
				return nil, err
			}
			if h.Attributes&0x20 != 0 { // control batch
				continue
			}
			recs, err := record.Records(batch)
			if err != nil {
				return nil, err
			}
			for _, rec := range recs {
				out[h.BaseOffset+int64(rec.OffsetDelta)] = string(rec.Value)
			}
		}
	}
	return out, nil
}

// replWaitOnDisk waits until broker b's log of each acknowledged
// record's partition holds it at its acknowledged offset.
func replWaitOnDisk(t *testing.T, b *kafkaharness.Broker, topic string, acks []acked, timeout time.Duration) {
	t.Helper()
	kafkaharness.WaitFor(t, timeout, func() error {
		logs := map[int32]map[int64]string{}
		for _, a := range acks {
			if logs[a.partition] == nil {
				m, err := replOnDisk(b, topic, a.partition)
				if err != nil {
					return err
				}
				logs[a.partition] = m
			}
			if got := logs[a.partition][a.offset]; got != a.value {
				return fmt.Errorf("broker %d %s-%d offset %d: %q, want %q", b.ID, topic, a.partition, a.offset, got, a.value)
			}
		}
		return nil
	})
}

// replCheckConsumed consumes topic from the beginning and checks every
// acknowledged record is there at its offset, and no value twice.
func replCheckConsumed(t *testing.T, c *kafkaharness.Cluster, topic string, partitions int32, acks []acked) {
	t.Helper()
	got := consumeAll(t, c, topic, partitions, len(acks), 60*time.Second)
	at := map[int32]map[int64]string{}
	seen := map[string]bool{}
	for _, r := range got {
		if at[r.Partition] == nil {
			at[r.Partition] = map[int64]string{}
		}
		at[r.Partition][r.Offset] = string(r.Value)
		if seen[string(r.Value)] {
			t.Errorf("value %q read twice", r.Value)
		}
		seen[string(r.Value)] = true
	}
	lost := 0
	for _, a := range acks {
		if v := at[a.partition][a.offset]; v != a.value {
			if lost++; lost <= 5 {
				t.Errorf("acknowledged %q at %d/%d reads back as %q", a.value, a.partition, a.offset, v)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged records lost", lost, len(acks))
	}
}

func replProducer(t *testing.T, c *kafkaharness.Cluster) *kgo.Client {
	return c.Client(t, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
}

// TestReplicationFailover: followers copy the leader's log; kill -9 of a
// leader promotes an in-sync follower with no acknowledged record lost;
// the restarted broker truncates/catches up and rejoins the ISR.
func TestReplicationFailover(t *testing.T) {
	const topic, parts = "repl", 2
	c := startReplicated(t, topic, parts)
	cl := replProducer(t, c)
	acks := produceAcked(t, cl, topic, "a", 300)
	for _, b := range c.Brokers() {
		replWaitOnDisk(t, b, topic, acks, 30*time.Second)
	}

	parts0, err := replDescribe(t, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	dead := parts0[0].Leader
	epoch0 := parts0[0].LeaderEpoch
	c.BrokerByID(dead).Kill()
	live := slices.DeleteFunc(slices.Clone(replIDs), func(id int32) bool { return id == dead })
	for p := int32(0); p < parts; p++ {
		if l := replWaitISR(t, c, topic, p, live, 30*time.Second); l == dead {
			t.Fatalf("partition %d still led by the killed broker", p)
		}
	}
	if after, err := replDescribe(t, c, topic); err != nil {
		t.Fatal(err)
	} else if after[0].LeaderEpoch <= epoch0 {
		t.Errorf("leader epoch %d after failover, was %d", after[0].LeaderEpoch, epoch0)
	}

	// min.insync.replicas=2 still holds with two live brokers.
	acks = append(acks, produceAcked(t, cl, topic, "b", 200)...)
	replCheckConsumed(t, c, topic, parts, acks)

	// The killed broker comes back, catches up and rejoins every ISR.
	c.BrokerByID(dead).Restart(t)
	for p := int32(0); p < parts; p++ {
		replWaitISR(t, c, topic, p, replIDs, 45*time.Second)
	}
	replWaitOnDisk(t, c.BrokerByID(dead), topic, acks, 30*time.Second)
}

// TestReplicationControlledShutdown: SIGTERM of a leader's broker moves
// leadership away before it exits (ControlledShutdown to the
// controller), so acks=all producers keep going with nothing lost.
func TestReplicationControlledShutdown(t *testing.T) {
	const topic, parts = "repl-cs", 3
	c := startReplicated(t, topic, parts)
	cl := replProducer(t, c)
	acks := produceAcked(t, cl, topic, "a", 150)

	pd, err := replDescribe(t, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	stopping := pd[0].Leader
	b := c.BrokerByID(stopping)
	if err := b.Stop(); err != nil {
		t.Fatalf("SIGTERM of broker %d: %v", stopping, err)
	}
	logText := b.Log()
	if !strings.Contains(logText, "controlled shutdown succeeded") {
		t.Errorf("broker %d log shows no successful controlled shutdown:\n%s", stopping, b.LogTail(40))
	}
	// Leadership had moved before the broker exited: the new leaders were
	// elected by the controlled-shutdown election (leader epoch bumped
	// once, the stopping broker out of the ISR), not after a failure.
	live := slices.DeleteFunc(slices.Clone(replIDs), func(id int32) bool { return id == stopping })
	for p := int32(0); p < parts; p++ {
		if l := replWaitISR(t, c, topic, p, live, 30*time.Second); l == stopping {
			t.Fatalf("partition %d still led by the stopped broker", p)
		}
	}
	acks = append(acks, produceAcked(t, cl, topic, "b", 150)...)
	replCheckConsumed(t, c, topic, parts, acks)
}

// TestReplicationNotEnoughReplicas: with only the leader left in the ISR,
// acks=all is refused with NOT_ENOUGH_REPLICAS before anything is written
// (acks=1 still works); a returning follower restores acks=all.
func TestReplicationNotEnoughReplicas(t *testing.T) {
	const topic = "repl-min"
	c := startReplicated(t, topic, 1)
	pd, err := replDescribe(t, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	leader := pd[0].Leader
	var followers []int32
	for _, id := range replIDs {
		if id != leader {
			followers = append(followers, id)
			c.BrokerByID(id).Kill()
		}
	}
	replWaitISR(t, c, topic, 0, []int32{leader}, 30*time.Second)

	produce := func(acks int16) int16 {
		t.Helper()
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(8)
		req.Acks, req.TimeoutMillis = acks, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = record.Build(record.NewHeader(time.Now().UnixMilli()), []record.Record{{Value: []byte("x")}})
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := kafkaharness.Request(c.BrokerByID(leader).Addr, req)
		if err != nil {
			t.Fatalf("produce acks=%d: %v", acks, err)
		}
		return resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0].ErrorCode
	}
	if code := produce(-1); code != kerr.NotEnoughReplicas.Code {
		t.Errorf("acks=all with ISR [%d], min.insync.replicas=2: error %d, want NOT_ENOUGH_REPLICAS (19)", leader, code)
	}
	if code := produce(1); code != 0 {
		t.Errorf("acks=1 with ISR [%d]: error %d", leader, code)
	}

	c.BrokerByID(followers[0]).Restart(t)
	replWaitISR(t, c, topic, 0, []int32{leader, followers[0]}, 45*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := replProducer(t, c)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("after")}).FirstErr(); err != nil {
		t.Fatalf("acks=all with two in-sync replicas: %v", err)
	}
}

// TestReplicationDivergentTruncation: a leader appends records no follower
// fetched (acks=1 while its followers are paused), dies, and comes back as
// a follower of the new leader's epoch: it truncates its divergent tail
// (Fetch DivergingEpoch) and ends with exactly the new leader's log.
func TestReplicationDivergentTruncation(t *testing.T) {
	const topic = "repl-div"
	c := startReplicated(t, topic, 1)
	all := replProducer(t, c)
	acks := produceAcked(t, all, topic, "base", 50)
	pd, err := replDescribe(t, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	old := pd[0].Leader
	var followers []*kafkaharness.Broker
	for _, id := range replIDs {
		if id != old {
			followers = append(followers, c.BrokerByID(id))
		}
	}
	// Pause the followers (well within the ZooKeeper session timeout).
	for _, b := range followers {
		if err := zkharness.StopGroup(b.Pid()); err != nil {
			t.Fatal(err)
		}
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			for _, b := range followers {
				_ = syscall.Kill(-b.Pid(), syscall.SIGCONT)
			}
		}
	}
	defer resume()
	one := c.Client(t, kgo.SeedBrokers(c.BrokerByID(old).Addr), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A fetch the followers had in flight may still carry the first of
	// these (and, if the leader reads its log late, more): lone-2 goes
	// out only once those answers sit in the paused followers' sockets,
	// so it can only be on the old leader.
	for _, v := range []string{"lone-1", "lone-2"} {
		if v == "lone-2" {
			awaitInflightFetches(t, followers, c.BrokerByID(old))
		}
		if err := one.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("acks=1 produce %s: %v", v, err)
		}
	}
	oldLog, err := replOnDisk(c.BrokerByID(old), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	loneAt := int64(-1)
	for off, v := range oldLog {
		if v == "lone-2" {
			loneAt = off
		}
	}
	if loneAt < 0 {
		t.Fatalf("lone-2 not in the old leader's log")
	}
	c.BrokerByID(old).Kill()
	resume()
	live := []int32{followers[0].ID, followers[1].ID}
	leader := replWaitISR(t, c, topic, 0, live, 30*time.Second)
	acks = append(acks, produceAcked(t, all, topic, "new", 50)...)

	c.BrokerByID(old).Restart(t)
	replWaitISR(t, c, topic, 0, replIDs, 45*time.Second)
	replWaitOnDisk(t, c.BrokerByID(old), topic, acks, 30*time.Second)
	want, err := replOnDisk(c.BrokerByID(leader), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := replOnDisk(c.BrokerByID(old), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("old leader holds %d records, the new leader %d", len(got), len(want))
	}
	for off, v := range want {
		if got[off] != v {
			t.Errorf("offset %d: old leader %q, new leader %q", off, got[off], v)
		}
	}
	if got[loneAt] == "lone-2" {
		t.Errorf("the unreplicated record survived at offset %d", loneAt)
	}
	if !strings.Contains(c.BrokerByID(old).Log(), "truncating follower log") {
		t.Errorf("old leader's log shows no truncation:\n%s", c.BrokerByID(old).LogTail(30))
	}
	replCheckConsumed(t, c, topic, 1, acks)
}

// awaitInflightFetches waits until each paused follower has the leader's
// answer to the fetch it had in flight queued in its socket. A follower
// always has one in flight but for the moment between a response and its
// next request, and the leader answers it within replica.fetch.wait.max.ms
// (500 ms) even without new data; a follower with nothing queued after
// many times that had none in flight.
func awaitInflightFetches(t *testing.T, followers []*kafkaharness.Broker, leader *kafkaharness.Broker) {
	t.Helper()
	_, portStr, _ := net.SplitHostPort(leader.Addr)
	port, _ := strconv.Atoi(portStr)
	for _, f := range followers {
		var procErr error
		err := zkharness.Poll(10*time.Second, func() error {
			n, err := zkharness.ReceiveQueued(f.Pid(), port)
			if err != nil {
				procErr = err
				return zkharness.ErrStop{Err: err}
			}
			if n == 0 {
				return fmt.Errorf("nothing from the leader queued at paused broker %d", f.ID)
			}
			return nil
		})
		switch {
		case procErr != nil:
			t.Fatalf("socket queues of broker %d: %v", f.ID, procErr)
		case err != nil:
			t.Logf("%v (taking it that no fetch was in flight)", err)
		}
	}
}

// TestReplicationISRShrinkExpand: a paused follower (still registered in
// ZooKeeper) is dropped from the ISR by the leader itself after
// replica.lag.time.max.ms (AlterIsr to the controller), so acks=all
// completes without it; resumed, it catches up and the leader adds it
// back.
func TestReplicationISRShrinkExpand(t *testing.T) {
	const topic = "repl-isr"
	c := startReplicated(t, topic, 1, "replica.lag.time.max.ms", "1000",
		"zookeeper.session.timeout.ms", "15000") // the pause must not expire the session
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	cl := replProducer(t, c)
	acks := produceAcked(t, cl, topic, "a", 20)
	pd, err := replDescribe(t, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	leader := pd[0].Leader
	ctl, _, err := zkControllerInfo(conn)
	if err != nil {
		t.Fatal(err)
	}
	// Pause a follower that is not the controller: the leader's AlterIsr
	// needs a live controller.
	var paused *kafkaharness.Broker
	for _, id := range replIDs {
		if id != leader && id != ctl.BrokerID {
			paused = c.BrokerByID(id)
			break
		}
	}
	if err := zkharness.StopGroup(paused.Pid()); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(-paused.Pid(), syscall.SIGCONT)
		}
	}
	defer resume()
	// Blocks until the leader drops the paused follower, then succeeds
	// with the two others (min.insync.replicas=2).
	acks = append(acks, produceAcked(t, cl, topic, "b", 20)...)
	st := zkState(t, conn, topic, 0)
	if slices.Contains(st.ISR, paused.ID) || st.Leader != leader {
		t.Fatalf("after acks=all with broker %d paused: state %+v", paused.ID, st)
	}
	if ok, _, err := conn.Exists(fmt.Sprintf("/brokers/ids/%d", paused.ID)); err != nil || !ok {
		t.Fatalf("paused broker %d deregistered (%v): the shrink was not the leader's", paused.ID, err)
	}
	resume()
	replWaitISR(t, c, topic, 0, replIDs, 30*time.Second)
	replWaitOnDisk(t, paused, topic, acks, 30*time.Second)
}

// TestReplicationDeleteTopic: deleting an RF 3 topic removes its replicas
// from every broker's log dir and its znodes, and a topic created again
// under the same name starts empty on all three.
func TestReplicationDeleteTopic(t *testing.T) {
	const topic, parts = "repl-del", 2
	c := startReplicated(t, topic, parts)
	acks := produceAcked(t, replProducer(t, c), topic, "gone", 50)
	for _, b := range c.Brokers() {
		replWaitOnDisk(t, b, topic, acks, 30*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	adm := c.Admin(t)
	if r, err := adm.DeleteTopics(ctx, topic); err != nil || r[topic].Err != nil {
		t.Fatalf("delete %s: %v %v", topic, err, r[topic].Err)
	}
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		for _, b := range c.Brokers() {
			for p := 0; p < parts; p++ {
				dir := filepath.Join(b.LogDir, fmt.Sprintf("%s-%d", topic, p))
				if _, err := os.Stat(dir); err == nil {
					return fmt.Errorf("broker %d still has %s", b.ID, dir)
				}
			}
		}
		for _, path := range []string{c.Chroot + "/brokers/topics/" + topic, c.Chroot + "/admin/delete_topics/" + topic, c.Chroot + "/config/topics/" + topic} {
			if ok, _, err := conn.Exists(path); err != nil || ok {
				return fmt.Errorf("%s exists (%v)", path, err)
			}
		}
		return nil
	})
	resp, err := adm.CreateTopic(ctx, parts, 3, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("re-create %s: %v", topic, err)
	}
	for p := int32(0); p < parts; p++ {
		replWaitISR(t, c, topic, p, replIDs, 30*time.Second)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("end offsets: %v %v", err, ends.Error())
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset != 0 {
			t.Errorf("re-created %s/%d has end offset %d, want 0", topic, o.Partition, o.Offset)
		}
	})
}
