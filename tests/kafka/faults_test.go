package kafka

// A Jepsen-style workload (research anchors.md 2.6): unique values
// produced with acks=all and idempotence to an RF=3,
// min.insync.replicas=2 topic while the leader, the controller and a
// follower are killed, paused and restarted in turn; a consumer group
// commits as it reads. Afterwards every partition is read back from the
// start and checked: no acknowledged value lost, each at the offset it was
// acknowledged at, no value twice, offsets strictly increasing, and the
// group's committed offsets never went backwards.

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// ackLog records the producer's acknowledgements.
type ackLog struct {
	mu     sync.Mutex
	acked  map[string][2]int64 // value -> partition, offset
	failed int
}

func (a *ackLog) ack(r *kgo.Record, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.failed++ // indeterminate: may or may not be in the log
		return
	}
	a.acked[string(r.Value)] = [2]int64{int64(r.Partition), r.Offset}
}

func (a *ackLog) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.acked)
}

// commitWatch polls a group's committed offsets and records any that went
// backwards.
type commitWatch struct {
	mu   sync.Mutex
	last map[int32]int64
	back []string
}

func (w *commitWatch) observe(offs kadm.OffsetResponses, topic string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, o := range offs[topic] {
		if o.Err != nil {
			continue
		}
		if prev, ok := w.last[p]; ok && o.At < prev {
			w.back = append(w.back, fmt.Sprintf("partition %d: %d after %d", p, o.At, prev))
		}
		if o.At > w.last[p] {
			w.last[p] = o.At
		}
	}
}

type fault struct {
	name   string
	target func(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker
	inject func(t *testing.T, c *kafkaharness.Cluster, b *kafkaharness.Broker)
}

// leaderOf returns the broker leading partition 0 of topic.
func leaderOf(topic string) func(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker {
	return func(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker {
		t.Helper()
		var leader int32 = -1
		kafkaharness.WaitFor(t, 60*time.Second, func() error {
			for _, b := range c.Brokers() {
				if !b.Running() {
					continue
				}
				md, err := metadataFrom(b, topic)
				if err != nil {
					continue
				}
				_, _, parts, err := view(md)
				if err != nil {
					return err
				}
				if p, ok := parts[0]; ok && p.Leader >= 0 {
					leader = p.Leader
					return nil
				}
			}
			return fmt.Errorf("partition 0 of %s has no leader", topic)
		})
		return c.BrokerByID(leader)
	}
}

func controllerOf(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker {
	t.Helper()
	for _, b := range c.Brokers() {
		if b.Running() {
			return c.BrokerByID(b.ControllerID(t))
		}
	}
	t.Fatal("no broker running")
	return nil
}

// followerOf returns a running broker that does not lead partition 0.
func followerOf(topic string) func(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker {
	return func(t *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker {
		leader := leaderOf(topic)(t, c)
		for _, b := range c.Brokers() {
			if b.ID != leader.ID && b.Running() {
				return b
			}
		}
		t.Fatal("no follower running")
		return nil
	}
}

func kill9(t *testing.T, _ *kafkaharness.Cluster, b *kafkaharness.Broker) {
	b.Kill()
	b.Restart(t)
}

// pause stops the broker until the others no longer list it (its
// ZooKeeper session expired, as for a partitioned broker), then lets it
// continue: it must notice it was fenced and rejoin.
func pause(t *testing.T, c *kafkaharness.Cluster, b *kafkaharness.Broker) {
	pid := b.Pid()
	if err := zkharness.StopGroup(pid); err != nil {
		t.Fatalf("SIGSTOP broker %d: %v", b.ID, err)
	}
	defer syscall.Kill(-pid, syscall.SIGCONT)
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		for _, o := range c.Brokers() {
			if o.ID == b.ID {
				continue
			}
			md, err := metadataFrom(o, "")
			if err != nil {
				return err
			}
			for _, mb := range md.Brokers {
				if mb.NodeID == b.ID {
					return fmt.Errorf("broker %d still listed by broker %d", b.ID, o.ID)
				}
			}
		}
		return nil
	})
}

const jepsenTopic = "jepsen"

func TestFaultsJepsen(t *testing.T) {
	if testing.Short() {
		t.Skip("fault workload: about a minute")
	}
	runFaultWorkload(t, []fault{
		{"kill -9 the leader", leaderOf(jepsenTopic), kill9Timed},
		{"pause the leader", leaderOf(jepsenTopic), pause},
		{"kill -9 the controller", controllerOf, kill9},
		{"pause the controller", controllerOf, pause},
		{"kill -9 a follower", followerOf(jepsenTopic), kill9},
		{"pause a follower", followerOf(jepsenTopic), pause},
	})
}

// TestFaultsRollingRestart: every broker restarted in turn with SIGTERM
// (controlled shutdown) while the producer and the group consumer run.
func TestFaultsRollingRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("fault workload: about a minute")
	}
	byIndex := func(i int) func(*testing.T, *kafkaharness.Cluster) *kafkaharness.Broker {
		return func(_ *testing.T, c *kafkaharness.Cluster) *kafkaharness.Broker { return c.Broker(i) }
	}
	restart := func(t *testing.T, _ *kafkaharness.Cluster, b *kafkaharness.Broker) { b.Restart(t) }
	runFaultWorkload(t, []fault{
		{"restart broker 1", byIndex(0), restart},
		{"restart broker 2", byIndex(1), restart},
		{"restart broker 3", byIndex(2), restart},
	})
}

// kill9Timed kills the leader of partition 0 and requires a new leader in
// the survivors' metadata within the ZooKeeper session timeout plus a few
// seconds (the failover bound), then restarts the broker.
func kill9Timed(t *testing.T, c *kafkaharness.Cluster, b *kafkaharness.Broker) {
	t.Helper()
	b.Kill()
	start := time.Now()
	session, _ := time.ParseDuration(crashSessionTimeout + "ms")
	kafkaharness.WaitFor(t, session+10*time.Second, func() error {
		for _, o := range c.Brokers() {
			if o.ID == b.ID {
				continue
			}
			md, err := metadataFrom(o, jepsenTopic)
			if err != nil {
				return err
			}
			_, _, parts, err := view(md)
			if err != nil {
				return err
			}
			if p := parts[0]; p.Leader < 0 || p.Leader == b.ID {
				return fmt.Errorf("broker %d reports leader %d for partition 0", o.ID, p.Leader)
			}
		}
		return nil
	})
	t.Logf("failover after kill -9 of broker %d: new leader known to every survivor after %v", b.ID, time.Since(start).Round(time.Millisecond))
	b.Restart(t)
}

// runFaultWorkload runs the producer and the group consumer against a
// three-broker cluster, injects faults one after the other (each followed
// by progress), then checks what was acknowledged against the logs.
func runFaultWorkload(t *testing.T, faults []fault) {
	const topic, parts, group = jepsenTopic, 3, "jepsen-readers"
	c := kafkaharness.Start(t, kafkaharness.Options{Brokers: 3, IDs: []int32{1, 2, 3}, ZK: crashZK,
		Props: withStock(map[string]string{
			"zookeeper.session.timeout.ms":     crashSessionTimeout,
			"offsets.topic.replication.factor": "3",
			"offsets.topic.num.partitions":     "3",
			"replica.lag.time.max.ms":          "5000",
			"unclean.leader.election.enable":   "false",
		})})
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	adm := c.Admin(t)
	min2 := "2"
	if r, err := adm.CreateTopic(ctx, parts, 3, map[string]*string{"min.insync.replicas": &min2}, topic); err != nil || r.Err != nil {
		t.Fatalf("create %s: %v %v", topic, err, r.Err)
	}

	acks := &ackLog{acked: map[string][2]int64{}}
	prod := c.Client(t, kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(2*time.Minute), kgo.ProducerLinger(2*time.Millisecond))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := &kgo.Record{Value: []byte(fmt.Sprintf("v%07d", i))}
			prod.Produce(ctx, r, acks.ack)
			if i%20 == 19 {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	seen := &groupSeen{recs: map[string]string{}}
	reader := startMember(t, c, seen, group, topic)
	watch := &commitWatch{last: map[int32]int64{}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
			if offs, err := adm.FetchOffsets(qctx, group); err == nil {
				watch.observe(offs, topic)
			}
			qcancel()
		}
	}()

	waitAcks := func(more int) {
		t.Helper()
		want := acks.count() + more
		kafkaharness.WaitFor(t, 90*time.Second, func() error {
			if n := acks.count(); n < want {
				return fmt.Errorf("%d acknowledged, waiting for %d", n, want)
			}
			return nil
		})
	}
	waitAcks(500)
	for _, f := range faults {
		b := f.target(t, c)
		t.Logf("fault: %s (broker %d), %d acknowledged so far", f.name, b.ID, acks.count())
		f.inject(t, c, b)
		c.WaitReady(t)
		waitAcks(300) // progress resumes after every fault
	}
	close(stop)
	wg.Wait()
	flushCtx, flushCancel := context.WithTimeout(ctx, 2*time.Minute)
	if err := prod.Flush(flushCtx); err != nil {
		t.Errorf("flush: %v", err)
	}
	flushCancel()
	reader.close()

	got := readPartitions(t, c, topic)
	checkJepsen(t, acks, got)
	watch.mu.Lock()
	for _, b := range watch.back {
		t.Errorf("committed offset went backwards: %s", b)
	}
	watch.mu.Unlock()
	t.Logf("%d acknowledged, %d failed (indeterminate), %d read back, group read %d", len(acks.acked), acks.failed,
		func() int {
			n := 0
			for _, m := range got {
				n += len(m)
			}
			return n
		}(), seen.count())
}

func checkJepsen(t *testing.T, acks *ackLog, got map[int32]map[int64]string) {
	t.Helper()
	where := map[string]string{}
	for p, m := range got {
		for o, v := range m {
			at := fmt.Sprintf("%d/%d", p, o)
			if prev, dup := where[v]; dup {
				t.Errorf("value %s at %s and at %s", v, prev, at)
			}
			where[v] = at
		}
	}
	lost := 0
	for v, po := range acks.acked {
		if got[int32(po[0])][po[1]] != v {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged %s at %d/%d, log has %q there", v, po[0], po[1], got[int32(po[0])][po[1]])
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged values lost or moved", lost)
	}
}
