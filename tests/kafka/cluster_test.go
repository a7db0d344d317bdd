package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

type partState struct {
	ControllerEpoch int32   `json:"controller_epoch"`
	Leader          int32   `json:"leader"`
	Version         int     `json:"version"`
	LeaderEpoch     int32   `json:"leader_epoch"`
	ISR             []int32 `json:"isr"`
}

func zkGet(t *testing.T, conn *zk.Conn, path string) []byte {
	t.Helper()
	data, _, err := conn.Get(path)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	return data
}

func zkState(t *testing.T, conn *zk.Conn, topic string, p int32) partState {
	t.Helper()
	var st partState
	path := fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p)
	if err := json.Unmarshal(zkGet(t, conn, path), &st); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return st
}

type zkController struct {
	Version   int    `json:"version"`
	BrokerID  int32  `json:"brokerid"`
	Timestamp string `json:"timestamp"`
}

func zkControllerInfo(conn *zk.Conn) (zkController, int, error) {
	var ctl zkController
	data, _, err := conn.Get("/controller")
	if err != nil {
		return ctl, 0, fmt.Errorf("get /controller: %w", err)
	}
	if err := json.Unmarshal(data, &ctl); err != nil {
		return ctl, 0, fmt.Errorf("/controller %s: %w", data, err)
	}
	ep, _, err := conn.Get("/controller_epoch")
	if err != nil {
		return ctl, 0, fmt.Errorf("get /controller_epoch: %w", err)
	}
	epoch, err := strconv.Atoi(string(ep))
	if err != nil {
		return ctl, 0, fmt.Errorf("/controller_epoch %q: %w", ep, err)
	}
	return ctl, epoch, nil
}

// metadataFrom asks one broker for Metadata v9 about topic.
func metadataFrom(b *kafkaharness.Broker, topic string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(9)
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, mt)
	resp, err := kafkaharness.Request(b.Addr, req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.MetadataResponse), nil
}

type partView struct {
	Leader      int32
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32
	Offline     []int32
	Error       int16
}

// view summarises a topic's partitions and the broker list / controller
// of a Metadata response.
func view(md *kmsg.MetadataResponse) (brokers []int32, controller int32, parts map[int32]partView, err error) {
	for _, b := range md.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	slices.Sort(brokers)
	if len(md.Topics) != 1 {
		return nil, 0, nil, fmt.Errorf("%d topics in the answer", len(md.Topics))
	}
	if md.Topics[0].ErrorCode != 0 {
		return nil, 0, nil, fmt.Errorf("topic error %d", md.Topics[0].ErrorCode)
	}
	parts = map[int32]partView{}
	for _, p := range md.Topics[0].Partitions {
		off := append([]int32{}, p.OfflineReplicas...)
		parts[p.Partition] = partView{p.Leader, p.LeaderEpoch, p.Replicas, p.ISR, off, p.ErrorCode}
	}
	return brokers, md.ControllerID, parts, nil
}

// TestThreeBrokers is the tutorial's three-broker cluster (broker ids 1, 2,
// 3): a topic with 6 partitions and RF 1 is spread over all brokers and
// served by each leader; killing the controller broker elects another
// (new /controller, epoch + 1) that every broker reports; partitions on
// dead brokers go offline (leader -1) and come back when their broker
// restarts. Replication (RF > 1) is not exercised.
func TestThreeBrokers(t *testing.T) {
	c := kafkaharness.Start(t, kafkaharness.Options{Brokers: 3, IDs: []int32{1, 2, 3}, ZK: crashZK,
		Props: withStock(map[string]string{"zookeeper.session.timeout.ms": crashSessionTimeout})})
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	const topic = "spread"
	ids := []int32{1, 2, 3}

	adm := c.Admin(t)
	if resps, err := adm.CreateTopics(ctx, 4, 4, nil, "rf-four"); err != nil {
		t.Errorf("CreateTopics RF 4: %v", err)
	} else if r := resps["rf-four"]; !errors.Is(r.Err, kerr.InvalidReplicationFactor) || r.ErrMessage != "Replication factor: 4 larger than available brokers: 3." {
		t.Errorf("RF 4 on 3 brokers: %v %q, want INVALID_REPLICATION_FACTOR with Kafka's message", r.Err, r.ErrMessage)
	}
	createTopic(t, c, topic, 6)

	// AdminUtils.assignReplicasToBrokersRackUnaware with RF 1: partition p
	// on sorted broker (start + p) mod 3, so every broker leads two.
	var assign struct {
		Partitions map[string][]int32 `json:"partitions"`
	}
	if err := json.Unmarshal(zkGet(t, conn, "/brokers/topics/"+topic), &assign); err != nil {
		t.Fatal(err)
	}
	leaders := map[int32]int32{}
	for p := int32(0); p < 6; p++ {
		r := assign.Partitions[strconv.Itoa(int(p))]
		if len(r) != 1 {
			t.Fatalf("/brokers/topics/%s partition %d: replicas %v, want one", topic, p, r)
		}
		leaders[p] = r[0]
	}
	start := slices.Index(ids, leaders[0])
	for p := int32(0); p < 6; p++ {
		if want := ids[(start+int(p))%3]; leaders[p] != want {
			t.Errorf("assignment %v: partition %d on %d, want round robin over %v (%d)", assign.Partitions, p, leaders[p], ids, want)
		}
	}

	// Every broker reports the same metadata (UpdateMetadata reached all).
	expectView := func(live []int32, controller int32, want map[int32]partView) {
		t.Helper()
		for _, id := range live {
			b := c.BrokerByID(id)
			kafkaharness.WaitFor(t, 30*time.Second, func() error {
				md, err := metadataFrom(b, topic)
				if err != nil {
					return err
				}
				brokers, ctl, parts, err := view(md)
				if err != nil {
					return fmt.Errorf("broker %d: %v", id, err)
				}
				if !reflect.DeepEqual(brokers, live) || ctl != controller {
					return fmt.Errorf("broker %d reports brokers %v controller %d, want %v and %d", id, brokers, ctl, live, controller)
				}
				if !reflect.DeepEqual(parts, want) {
					return fmt.Errorf("broker %d reports partitions\n%+v\nwant\n%+v", id, parts, want)
				}
				// DescribeCluster (kafka-topics --describe,
				// kafka-configs) agrees with Metadata.
				dreq := kmsg.NewPtrDescribeClusterRequest()
				dresp, err := kafkaharness.Request(b.Addr, dreq)
				if err != nil {
					return fmt.Errorf("broker %d DescribeCluster: %v", id, err)
				}
				dc := dresp.(*kmsg.DescribeClusterResponse)
				var dbrokers []int32
				for _, db := range dc.Brokers {
					dbrokers = append(dbrokers, db.NodeID)
				}
				slices.Sort(dbrokers)
				if dc.ErrorCode != 0 || dc.ControllerID != controller || !reflect.DeepEqual(dbrokers, live) || len(dc.ClusterID) != 22 {
					return fmt.Errorf("broker %d DescribeCluster: error %d controller %d brokers %v cluster %q, want controller %d brokers %v",
						id, dc.ErrorCode, dc.ControllerID, dbrokers, dc.ClusterID, controller, live)
				}
				return nil
			})
		}
	}
	online := func(epoch map[int32]int32) map[int32]partView {
		m := map[int32]partView{}
		for p, l := range leaders {
			m[p] = partView{Leader: l, LeaderEpoch: epoch[p], Replicas: []int32{l}, ISR: []int32{l}, Offline: []int32{}}
		}
		return m
	}
	zero := map[int32]int32{}
	ctl0, epoch0, err := zkControllerInfo(conn)
	if err != nil {
		t.Fatal(err)
	}
	expectView(ids, ctl0.BrokerID, online(zero))

	// Each leader serves its partitions.
	prod := c.Client(t, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for i := 0; i < 60; i++ {
		recs = append(recs, &kgo.Record{Partition: int32(i % 6), Value: []byte(fmt.Sprintf("r%d", i))})
	}
	if err := prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce to all 6 partitions: %v", err)
	}
	prod.Close()
	checkSpread := func() {
		t.Helper()
		got := consumeAll(t, c, topic, 6, 60, 30*time.Second)
		for _, r := range got {
			if want := fmt.Sprintf("r%d", int(r.Offset)*6+int(r.Partition)); string(r.Value) != want {
				t.Errorf("%d/%d = %s, want %s", r.Partition, r.Offset, r.Value, want)
			}
		}
	}
	checkSpread()

	// Kill the controller broker.
	dead1 := ctl0.BrokerID
	c.BrokerByID(dead1).Kill()
	var ctl1 zkController
	var epoch1 int
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		ctl1, epoch1, err = zkControllerInfo(conn)
		if err != nil {
			return err
		}
		if ctl1.BrokerID == dead1 {
			return fmt.Errorf("/controller still names the killed broker %d", dead1)
		}
		return nil
	})
	if !slices.Contains(ids, ctl1.BrokerID) || epoch1 != epoch0+1 || ctl1.Version != 1 {
		t.Errorf("after killing controller %d: /controller %+v, /controller_epoch %d; want another broker, epoch %d", dead1, ctl1, epoch1, epoch0+1)
	}
	live := slices.DeleteFunc(slices.Clone(ids), func(id int32) bool { return id == dead1 })
	// Partitions led by the dead broker are offline: leader -1 and
	// LEADER_NOT_AVAILABLE, replicas and ISR unfiltered, the dead replica
	// listed offline.
	offline := func(m map[int32]partView, dead int32) {
		for p, v := range m {
			if leaders[p] == dead {
				m[p] = partView{Leader: -1, LeaderEpoch: v.LeaderEpoch, Replicas: v.Replicas, ISR: v.ISR, Offline: []int32{dead}, Error: codeLeaderNotAvailable}
			}
		}
	}
	// The new controller's replica state machine moves the dead
	// broker's replicas to OfflineReplica at fail-over: their state
	// znodes get leader -1, the leader epoch bumped, the last ISR member
	// kept (ReplicaStateMachine.startup / doRemoveReplicasFromIsr).
	epochs := map[int32]int32{}
	for p, l := range leaders {
		if l == dead1 {
			epochs[p] = 1
		}
	}
	want := online(epochs)
	offline(want, dead1)
	expectView(live, ctl1.BrokerID, want)
	for p := int32(0); p < 6; p++ {
		if leaders[p] != dead1 {
			continue
		}
		if st, want := zkState(t, conn, topic, p), (partState{ControllerEpoch: int32(epoch1), Leader: -1, Version: 1, LeaderEpoch: 1, ISR: []int32{dead1}}); !reflect.DeepEqual(st, want) {
			t.Errorf("partition %d of the dead controller %d: state %+v, want %+v", p, dead1, st, want)
		}
	}

	// Kill the other non-controller broker: a broker failure the
	// controller sees. Kafka's OfflineReplica transition writes leader
	// -1 with the leader epoch bumped and keeps the last ISR member.
	var dead2 int32
	for _, id := range live {
		if id != ctl1.BrokerID {
			dead2 = id
		}
	}
	c.BrokerByID(dead2).Kill()
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		for p := int32(0); p < 6; p++ {
			if st := zkState(t, conn, topic, p); leaders[p] == dead2 && st.Leader != -1 {
				return fmt.Errorf("partition %d of killed broker %d: state %+v, still led", p, dead2, st)
			}
		}
		return nil
	})
	for p := int32(0); p < 6; p++ {
		if leaders[p] != dead2 {
			continue
		}
		st := zkState(t, conn, topic, p)
		if want := (partState{ControllerEpoch: int32(epoch1), Leader: -1, Version: 1, LeaderEpoch: 1, ISR: []int32{dead2}}); !reflect.DeepEqual(st, want) {
			t.Errorf("partition %d of killed broker %d: state %+v, want %+v", p, dead2, st, want)
		}
	}
	for p, l := range leaders {
		if l == dead2 {
			epochs[p] = 1
		}
	}
	want = online(epochs)
	offline(want, dead1)
	offline(want, dead2)
	expectView([]int32{ctl1.BrokerID}, ctl1.BrokerID, want)
	if ctl, ep, err := zkControllerInfo(conn); err != nil || ctl.BrokerID != ctl1.BrokerID || ep != epoch1 {
		t.Errorf("a non-controller failure changed the controller: %+v epoch %d (%v)", ctl, ep, err)
	}

	// Both come back: onBrokerStartup elects them again for their
	// offline partitions (leader epoch 2) and they serve the records
	// written before the crash.
	c.BrokerByID(dead1).Restart(t)
	c.BrokerByID(dead2).Restart(t)
	for p, l := range leaders {
		if l == dead1 || l == dead2 {
			epochs[p] = 2
		}
	}
	expectView(ids, ctl1.BrokerID, online(epochs))
	checkSpread()
}
