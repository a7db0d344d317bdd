package docker

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// cluster is docker-compose.cluster.yml brought up with random host ports.
type cluster struct {
	*stack
	zk      string
	brokers map[int32]string // broker id -> host address
}

func (c *cluster) seeds() []string {
	var s []string
	for _, id := range []int32{1, 2, 3} {
		s = append(s, c.brokers[id])
	}
	return s
}

func (c *cluster) waitAll(t *testing.T) {
	t.Helper()
	for _, addr := range c.seeds() {
		waitBroker(t, addr, 90*time.Second)
	}
	// Every broker sees all three, each at its own advertised port.
	for _, addr := range c.seeds() {
		waitFor(t, 60*time.Second, "three brokers in the metadata of "+addr, func() error {
			md, err := admin(t, addr).BrokerMetadata(ctxT(t, 10*time.Second))
			if err != nil {
				return err
			}
			got := map[int32]string{}
			for _, b := range md.Brokers {
				got[b.NodeID] = fmt.Sprintf("%s:%d", b.Host, b.Port)
			}
			if !reflect.DeepEqual(got, c.brokers) {
				return fmt.Errorf("brokers %v, want %v", got, c.brokers)
			}
			return nil
		})
	}
}

// TestComposeCluster brings up docker-compose.cluster.yml: three brokers
// reachable from the host, KAFKA_CREATE_TOPICS, data kept across down/up,
// a killed broker's stale registration, failover of a replicated topic,
// and the cluster id refusal after the coordinator's data is lost.
func TestComposeCluster(t *testing.T) {
	tag := images(t)
	kc := kcatBin(t)
	c := &cluster{brokers: map[int32]string{}}
	vars := map[string]string{}
	zkPort := freePort(t)
	vars["SAMSA_ZOOKEEPER_PORT"] = strconv.Itoa(zkPort)
	c.zk = fmt.Sprintf("127.0.0.1:%d", zkPort)
	for _, id := range []int32{1, 2, 3} {
		p := freePort(t)
		vars[fmt.Sprintf("SAMSA_KAFKA%d_PORT", id)] = strconv.Itoa(p)
		c.brokers[id] = fmt.Sprintf("127.0.0.1:%d", p)
	}
	c.stack = newStack(t, tag, vars, "docker-compose.cluster.yml", "tests/docker/testdata/cluster-test.yml")
	c.mustCompose("up", "-d")
	c.waitAll(t)

	t.Run("create-topics", func(t *testing.T) {
		adm := admin(t, c.seeds()...)
		waitFor(t, 90*time.Second, "KAFKA_CREATE_TOPICS topics", func() error {
			td, err := adm.ListTopics(ctxT(t, 10*time.Second), "replicated", "compacted")
			if err != nil {
				return err
			}
			r, ok1 := td["replicated"]
			cp, ok2 := td["compacted"]
			if !ok1 || !ok2 || r.Err != nil || cp.Err != nil {
				return fmt.Errorf("topics %v", td.Names())
			}
			if n := len(r.Partitions[0].Replicas); n != 3 || len(cp.Partitions) != 2 {
				return fmt.Errorf("replicated has %d replicas, compacted %d partitions", n, len(cp.Partitions))
			}
			return nil
		})
		rc, err := adm.DescribeTopicConfigs(ctxT(t, 10*time.Second), "compacted")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, cfg := range rc[0].Configs {
			if cfg.Value != nil {
				got[cfg.Key] = *cfg.Value
			}
		}
		if got["cleanup.policy"] != "compact" || got["compression.type"] != "snappy" {
			t.Errorf("compacted: cleanup.policy=%q compression.type=%q", got["cleanup.policy"], got["compression.type"])
		}
	})

	t.Run("down-up-keeps-data", func(t *testing.T) {
		before, err := admin(t, c.seeds()...).BrokerMetadata(ctxT(t, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for i := 0; i < 20; i++ {
			lines = append(lines, fmt.Sprintf("kept-%02d", i))
		}
		kcat(t, kc, strings.Join(lines, "\n")+"\n", "-b", c.brokers[2], "-t", "durable", "-P")
		c.mustCompose("down")
		c.mustCompose("up", "-d")
		c.waitAll(t)
		after, err := admin(t, c.seeds()...).BrokerMetadata(ctxT(t, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if before.Cluster != after.Cluster {
			t.Errorf("cluster id %s after down/up, was %s", after.Cluster, before.Cluster)
		}
		var got []string
		waitFor(t, 60*time.Second, "durable after down/up", func() error {
			out, err := run(t, 30*time.Second, "", nil, kc, "-b", c.brokers[3], "-t", "durable", "-C", "-o", "beginning", "-e", "-q")
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			got = strings.Fields(out)
			if len(got) != len(lines) {
				return fmt.Errorf("%d records", len(got))
			}
			return nil
		})
		if !reflect.DeepEqual(got, lines) {
			t.Errorf("durable = %q, want %q", got, lines)
		}
		if out := zkCli(t, c.zk, "ls", "/brokers/topics"); out != "" && !strings.Contains(out, "durable") {
			t.Errorf("zkCli ls /brokers/topics after down/up:\n%s", out)
		}
	})

	t.Run("killed-broker-stale-registration", func(t *testing.T) {
		mustRun(t, time.Minute, "", nil, "docker", "kill", c.container("kafka2"))
		mustRun(t, time.Minute, "", nil, "docker", "start", c.container("kafka2"))
		waitBroker(t, c.brokers[2], 90*time.Second)
		logs := c.logs("kafka2")
		if !strings.Contains(logs, "broker id 2 is still registered") {
			t.Errorf("no stale-registration note after docker kill + start:\n%s", logs)
		}
		c.waitAll(t)
	})

	t.Run("failover", func(t *testing.T) { testFailover(t, c) })
	t.Run("network-partition", func(t *testing.T) { testPartition(t, c) })

	t.Run("fresh-coordinator-refused", func(t *testing.T) {
		c.mustCompose("down")
		for _, v := range []string{"zookeeper-data", "zookeeper-datalog"} {
			mustRun(t, time.Minute, "", nil, "docker", "volume", "rm", c.project+"_"+v)
		}
		c.mustCompose("up", "-d")
		waitFor(t, 90*time.Second, "kafka1 to refuse the new cluster", func() error {
			if st := inspect(t, "{{.State.Status}}", c.container("kafka1")); st != "exited" {
				return fmt.Errorf("kafka1 is %s", st)
			}
			return nil
		})
		logs := c.logs("kafka1")
		for _, want := range []string{"doesn't match stored clusterId", "docker-compose down -v", "meta.properties"} {
			if !strings.Contains(logs, want) {
				t.Errorf("kafka1's refusal does not mention %q:\n%s", want, logs)
			}
		}
	})
}

// testFailover: acks=all to the replication-factor-3 topic, kill its
// leader, and the topic keeps serving every acknowledged record.
func testFailover(t *testing.T, c *cluster) {
	values := func(from, to int) []string {
		var v []string
		for i := from; i < to; i++ {
			v = append(v, fmt.Sprintf("r%03d", i))
		}
		return v
	}
	produce := func(vals []string, timeout time.Duration) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.seeds()...), kgo.RequiredAcks(kgo.AllISRAcks()),
			kgo.RecordDeliveryTimeout(timeout), kgo.ProduceRequestTimeout(timeout/2))
		if err != nil {
			return err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Second)
		defer cancel()
		var recs []*kgo.Record
		for _, v := range vals {
			recs = append(recs, &kgo.Record{Topic: "replicated", Value: []byte(v)})
		}
		return cl.ProduceSync(ctx, recs...).FirstErr()
	}
	if err := produce(values(0, 50), 30*time.Second); err != nil {
		t.Fatalf("produce acks=all: %v", err)
	}
	md, err := admin(t, c.seeds()...).Metadata(ctxT(t, 10*time.Second), "replicated")
	if err != nil {
		t.Fatal(err)
	}
	leader := md.Topics["replicated"].Partitions[0].Leader
	if leader < 1 || leader > 3 {
		t.Fatalf("replicated/0 leader = %d", leader)
	}
	mustRun(t, time.Minute, "", nil, "docker", "kill", c.container(fmt.Sprintf("kafka%d", leader)))
	t.Cleanup(func() { run(t, time.Minute, "", nil, "docker", "start", c.container(fmt.Sprintf("kafka%d", leader))) })
	var live []string
	for id, addr := range c.brokers {
		if id != leader {
			live = append(live, addr)
		}
	}
	if err := produce(values(50, 100), 60*time.Second); err != nil {
		t.Fatalf("produce acks=all after killing leader %d: %v", leader, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(live...), kgo.ConsumeTopics("replicated"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []string
	ctx := ctxT(t, 60*time.Second)
	for len(got) < 100 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	sort.Strings(got)
	if want := values(0, 100); !reflect.DeepEqual(got, want) {
		t.Errorf("after failover read %d records, want the 100 acknowledged ones: %q", len(got), got)
	}
}
