package docker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// testPartition cuts the leader of an RF=3, min.insync.replicas=2 topic,
// then the controller, then a follower off the network (docker network
// disconnect: no client, broker or coordinator reaches it, nor it them)
// while an idempotent acks=all producer runs; the others go on, each
// cut-off broker rejoins after reconnecting (truncating whatever it could
// not commit), and every acknowledged value is read back exactly once at
// the offset it was acknowledged at.
func testPartition(t *testing.T, c *cluster) {
	const topic = "partitioned"
	c.waitAll(t) // the broker an earlier subtest killed is back
	adm := admin(t, c.seeds()...)
	min2 := "2"
	if r, err := adm.CreateTopic(ctxT(t, 30*time.Second), 1, 3, map[string]*string{"min.insync.replicas": &min2}, topic); err != nil || r.Err != nil {
		t.Fatalf("create %s: %v %v", topic, err, r.Err)
	}
	leaderISR := func(addrs []string) (int32, int, error) {
		md, err := admin(t, addrs...).Metadata(ctxT(t, 10*time.Second), topic)
		if err != nil {
			return -1, 0, err
		}
		p, ok := md.Topics[topic].Partitions[0]
		if !ok || p.Err != nil {
			return -1, 0, fmt.Errorf("no partition 0: %v", p.Err)
		}
		return p.Leader, len(p.ISR), nil
	}
	waitFor(t, 60*time.Second, topic+" with a full ISR", func() error {
		if _, n, err := leaderISR(c.seeds()); err != nil || n != 3 {
			return fmt.Errorf("ISR of %d (%v)", n, err)
		}
		return nil
	})

	var mu sync.Mutex
	acked := map[string]int64{}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.seeds()...), kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordDeliveryTimeout(3*time.Minute),
		kgo.RequestTimeoutOverhead(5*time.Second), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			prod.Produce(ctx, &kgo.Record{Value: []byte(fmt.Sprintf("p%07d", i))}, func(r *kgo.Record, err error) {
				if err == nil {
					mu.Lock()
					acked[string(r.Value)] = r.Offset
					mu.Unlock()
				}
			})
			time.Sleep(2 * time.Millisecond)
		}
	}()
	waitAcks := func(more int) {
		want := count() + more
		waitFor(t, 2*time.Minute, fmt.Sprintf("%d acknowledged records", want), func() error {
			if n := count(); n < want {
				return fmt.Errorf("%d acknowledged", n)
			}
			return nil
		})
	}
	waitAcks(200)

	network := c.project + "_default"
	var cut []string
	for _, role := range []string{"leader", "controller", "follower"} {
		target := pickTarget(t, c, role, leaderISR)
		cut = append(cut, fmt.Sprintf("%s %d", role, target))
		isolate(t, c, network, target)
		// The connected brokers go on without it: its ZooKeeper session
		// expires, a new leader or controller is elected, and acks=all
		// completes with the two replicas left (min.insync.replicas 2).
		waitAcks(200)
		heal(t, c, network, target)
		c.waitAll(t)
		waitFor(t, 2*time.Minute, fmt.Sprintf("broker %d back in the ISR", target), func() error {
			if _, n, err := leaderISR(c.seeds()); err != nil || n != 3 {
				return fmt.Errorf("ISR of %d (%v)", n, err)
			}
			return nil
		})
	}
	waitAcks(100)
	cancel()
	<-done
	fctx, fcancel := context.WithTimeout(context.Background(), time.Minute)
	defer fcancel()
	if err := prod.Flush(fctx); err != nil {
		t.Errorf("flush: %v", err)
	}

	// Read everything back from the (new) leader.
	ends, err := adm.ListEndOffsets(ctxT(t, 10*time.Second), topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("end offsets: %v %v", err, ends.Error())
	}
	end, _ := ends.Lookup(topic, 0)
	got := readAll(t, c.seeds(), topic, end.Offset)
	where := map[string]int64{}
	for off, v := range got {
		if prev, dup := where[v]; dup {
			t.Errorf("value %s at offsets %d and %d", v, prev, off)
		}
		where[v] = off
	}
	mu.Lock()
	defer mu.Unlock()
	lost := 0
	for v, off := range acked {
		if got[off] != v {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged %s at offset %d, the log has %q there", v, off, got[off])
			}
		}
	}
	t.Logf("cut off %v in turn: %d acknowledged, %d in the log, %d lost", cut, len(acked), len(got), lost)
}

// pickTarget returns the broker id holding role for partition 0 of the
// topic: its leader, the controller, or a follower.
func pickTarget(t *testing.T, c *cluster, role string, leaderISR func([]string) (int32, int, error)) int32 {
	t.Helper()
	leader, _, err := leaderISR(c.seeds())
	if err != nil {
		t.Fatal(err)
	}
	switch role {
	case "leader":
		return leader
	case "controller":
		md, err := admin(t, c.seeds()...).BrokerMetadata(ctxT(t, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return md.Controller
	}
	// A follower that is not also the controller, when there is one.
	md, err := admin(t, c.seeds()...).BrokerMetadata(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	pick := int32(-1)
	for _, id := range []int32{1, 2, 3} {
		if id != leader && (pick < 0 || id != md.Controller) {
			pick = id
		}
	}
	return pick
}

// isolate disconnects a broker's container from the compose network and
// waits until the other brokers no longer list it (its session expired).
func isolate(t *testing.T, c *cluster, network string, id int32) {
	t.Helper()
	mustRun(t, time.Minute, "", nil, "docker", "network", "disconnect", network, c.container(fmt.Sprintf("kafka%d", id)))
	t.Cleanup(func() { heal(t, c, network, id) })
	var others []string
	for oid, addr := range c.brokers {
		if oid != id {
			others = append(others, addr)
		}
	}
	waitFor(t, 90*time.Second, fmt.Sprintf("broker %d gone from the others' metadata", id), func() error {
		for _, addr := range others {
			md, err := admin(t, addr).BrokerMetadata(ctxT(t, 10*time.Second))
			if err != nil {
				return err
			}
			for _, b := range md.Brokers {
				if b.NodeID == id {
					return fmt.Errorf("%s still lists broker %d", addr, id)
				}
			}
		}
		return nil
	})
}

// heal reconnects a broker's container (with its service name as alias,
// which the other brokers' INTERNAL listener addresses use); a container
// already connected is left alone.
func heal(t *testing.T, c *cluster, network string, id int32) {
	t.Helper()
	name := c.container(fmt.Sprintf("kafka%d", id))
	if strings.Contains(inspect(t, "{{json .NetworkSettings.Networks}}", name), network) {
		return
	}
	mustRun(t, time.Minute, "", nil, "docker", "network", "connect", "--alias", fmt.Sprintf("kafka%d", id), network, name)
}

// readAll reads partition 0 of topic from offset 0 to end.
func readAll(t *testing.T, seeds []string, topic string, end int64) map[int64]string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(0)}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[int64]string{}
	ctx := ctxT(t, 2*time.Minute)
	for int64(len(got)) < end && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			if _, dup := got[r.Offset]; dup {
				t.Errorf("offset %d delivered twice", r.Offset)
			}
			got[r.Offset] = string(r.Value)
		})
	}
	if int64(len(got)) != end {
		t.Fatalf("read %d of %d records", len(got), end)
	}
	return got
}
