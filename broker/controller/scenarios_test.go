package controller

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	zkharness.WaitFor(t, 30*time.Second, cond)
}

func controllerEpoch(cl *cluster) int32 {
	d, _, ok := cl.get(zk.ControllerEpochPath)
	if !ok {
		return 0
	}
	var n int32
	fmt.Sscan(string(d), &n)
	return n
}

// scElection: one of three wins; killing its session elects another with
// epoch+1; cancelling Run resigns and a third takes over.
func scElection(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startController(id, nil)
	}
	first := cl.waitActive()
	if e := controllerEpoch(cl); e != 1 {
		t.Fatalf("controller epoch %d, want 1", e)
	}
	d, _, _ := cl.get(zk.ControllerPath)
	id, _ := zk.DecodeController(d)
	if id != first.c.id {
		t.Fatalf("/controller names %d, active is %d", id, first.c.id)
	}
	waitFor(t, func() error {
		for _, n := range cl.ctrls {
			if got, epoch := n.c.ID(); got != first.c.id || epoch != 1 {
				return fmt.Errorf("controller %d thinks the controller is %d epoch %d", n.c.id, got, epoch)
			}
		}
		return nil
	})

	// Kill the winner's session.
	first.zk.Close()
	select {
	case err := <-first.done:
		if !errors.Is(err, zk.ErrClosed) {
			t.Fatalf("Run after Close: %v", err)
		}
		first.done <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its client closed")
	}
	cl.mu.Lock()
	delete(cl.ctrls, first.c.id)
	cl.mu.Unlock()
	if first.c.IsActive() {
		t.Fatal("closed controller still active")
	}
	second := cl.waitActive()
	if e := controllerEpoch(cl); e != 2 {
		t.Fatalf("controller epoch %d after failover, want 2", e)
	}

	// Resign on ctx end.
	second.stop()
	cl.mu.Lock()
	delete(cl.ctrls, second.c.id)
	cl.mu.Unlock()
	third := cl.waitActive()
	if third.c.id == second.c.id || third.c.id == first.c.id {
		t.Fatalf("third controller %d", third.c.id)
	}
	if e := controllerEpoch(cl); e != 3 {
		t.Fatalf("controller epoch %d, want 3", e)
	}
}

// scDeposed: once another election has bumped /controller_epoch, the old
// term's fenced writes fail with ErrControllerMoved; it stops being
// active and what it tried to write is written by the next term.
func scDeposed(t *testing.T, cl *cluster) {
	cl.startBroker(1)
	n := cl.startController(1, nil)
	cl.waitActive()
	tm := n.c.activeTerm()
	if tm == nil {
		t.Fatal("no term")
	}
	// Another controller's election (without the /controller change).
	if _, err := cl.e.raw.Set(cl.root+zk.ControllerEpochPath, []byte("41"), -1); err != nil {
		t.Fatal(err)
	}
	// A fenced write with the old term's epoch zkVersion.
	_, _, err := n.zk.UpdatePartitionStates(tm.epochZkVersion, "x", map[int32]zk.PartitionState{0: {Leader: 1, ISR: []int32{1}}})
	if !errors.Is(err, zk.ErrControllerMoved) {
		t.Fatalf("fenced write: %v", err)
	}
	// Through the controller: the topic node is written (unfenced, as
	// in Kafka) but the partition states are not.
	res := n.c.CreateTopics(cl.ctx(), []TopicSpec{{Name: "fenced", NumPartitions: 1, ReplicationFactor: 1}}, false)
	if !errors.Is(res[0].Err, ErrNotController) {
		t.Fatalf("CreateTopics on a deposed controller: %v", res[0].Err)
	}
	select {
	case <-tm.done:
	case <-time.After(10 * time.Second):
		t.Fatal("deposed term still running")
	}
	// The deposed term may have noticed the new epoch (and resigned)
	// before CreateTopics reached it, in which case the topic node was
	// never written: write it as another tool would, so the next term has
	// a partition to initialize either way.
	if ok, _, err := cl.e.raw.Exists(cl.root + "/brokers/topics/fenced"); err != nil {
		t.Fatal(err)
	} else if !ok {
		if err := n.zk.CreateTopic(zk.TopicAssignment{Name: "fenced", ID: zk.NewUUID(), Partitions: map[int32][]int32{0: {1}}}, nil); err != nil && !errors.Is(err, zk.ErrTopicExists) {
			t.Fatal(err)
		}
	}
	// The controller gives up the stale /controller and wins again with
	// the next epoch; that term initializes the partition.
	waitFor(t, func() error {
		if e := controllerEpoch(cl); e != 42 {
			return fmt.Errorf("epoch %d", e)
		}
		s, ok := cl.state("fenced", 0)
		if !ok {
			return errors.New("no partition state")
		}
		if s.ControllerEpoch != 42 {
			return fmt.Errorf("state written by epoch %d", s.ControllerEpoch)
		}
		return nil
	})
	if !n.c.IsActive() {
		t.Fatal("not active after re-election")
	}
}

// scCreateTopics: assignment, znodes, LeaderAndIsr(IsNew) and
// UpdateMetadata to the fake brokers, and Kafka's errors.
func scCreateTopics(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()

	res := n.c.CreateTopics(ctx, []TopicSpec{
		{Name: "t1", NumPartitions: 3, ReplicationFactor: 2, Configs: map[string]string{"cleanup.policy": "compact"}},
		{Name: "t2", NumPartitions: -1, ReplicationFactor: -1},
		{Name: "manual", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {3, 2}, 1: {2, 1}}},
	}, false)
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
	}
	if res[0].NumPartitions != 3 || res[0].ReplicationFactor != 2 || res[0].ID == ([16]byte{}) {
		t.Fatalf("t1 result %+v", res[0])
	}
	if res[1].NumPartitions != 1 || res[1].ReplicationFactor != 1 {
		t.Fatalf("defaults: %+v", res[1])
	}

	// ZooKeeper: topic JSON, config, partition states.
	d, _, ok := cl.get(zk.TopicPath("t1"))
	if !ok {
		t.Fatal("no /brokers/topics/t1")
	}
	ta, err := zk.DecodeTopic("t1", d)
	if err != nil || ta.ID != res[0].ID || len(ta.Partitions) != 3 {
		t.Fatalf("topic node %s: %v", d, err)
	}
	cfg, _, _ := cl.get(zk.EntityConfigPath("topics", "t1"))
	if string(cfg) != `{"version":1,"config":{"cleanup.policy":"compact"}}` {
		t.Fatalf("config node %s", cfg)
	}
	leaders := map[int32]int{}
	for p, replicas := range ta.Partitions {
		if len(replicas) != 2 || replicas[0] == replicas[1] {
			t.Fatalf("p%d replicas %v", p, replicas)
		}
		s, ok := cl.state("t1", p)
		if !ok {
			t.Fatalf("no state for t1-%d", p)
		}
		if s.Leader != replicas[0] || !slices.Equal(s.ISR, replicas) || s.LeaderEpoch != 0 || s.ControllerEpoch != 1 || s.ZkVersion != 0 {
			t.Fatalf("t1-%d state %+v, replicas %v", p, s, replicas)
		}
		leaders[replicas[0]]++
	}
	if len(leaders) != 3 {
		t.Fatalf("leaders not spread: %v", leaders)
	}
	d, _, _ = cl.get(zk.PartitionStatePath("manual", 0))
	if string(d) != `{"controller_epoch":1,"leader":3,"version":1,"leader_epoch":0,"isr":[3,2]}` {
		t.Fatalf("manual-0 state %s", d)
	}

	// Fake brokers: LeaderAndIsr with IsNew for their replicas, with
	// their own broker epoch; UpdateMetadata everywhere.
	for p, replicas := range ta.Partitions {
		tp := TopicPartition{"t1", p}
		for _, r := range replicas {
			b := cl.broker(r)
			waitFor(t, func() error {
				ps, req, ok := b.fake.lastLAI(tp)
				if !ok {
					return fmt.Errorf("broker %d: no LeaderAndIsr for %v", r, tp)
				}
				if !ps.IsNew || ps.Leader != replicas[0] || !slices.Equal(ps.Replicas, replicas) || req.BrokerEpoch != b.epoch || req.ControllerEpoch != 1 || req.ControllerID != 1 || req.Version != 5 {
					return fmt.Errorf("broker %d: LeaderAndIsr %+v (req epoch %d/%d)", r, ps, req.BrokerEpoch, b.epoch)
				}
				if req.TopicStates[0].TopicID != res[0].ID {
					return errors.New("topic id missing from LeaderAndIsr")
				}
				if len(req.LiveLeaders) == 0 || req.LiveLeaders[0].Host != "127.0.0.1" {
					return fmt.Errorf("live leaders %+v", req.LiveLeaders)
				}
				return nil
			})
		}
		for id := int32(1); id <= 3; id++ {
			b := cl.broker(id)
			waitFor(t, func() error {
				ps, req, ok := b.fake.lastUM(tp)
				if !ok {
					return fmt.Errorf("broker %d: no UpdateMetadata for %v", id, tp)
				}
				if ps.Leader != replicas[0] || req.Version != 7 || req.BrokerEpoch != b.epoch || !slices.Equal(liveBrokerIDs(req), []int32{1, 2, 3}) {
					return fmt.Errorf("broker %d: UpdateMetadata %+v brokers %v", id, ps, liveBrokerIDs(req))
				}
				ep := req.LiveBrokers[id-1].Endpoints
				if len(ep) != 1 || ep[0].ListenerName != "PLAINTEXT" || ep[0].SecurityProtocol != 0 || ep[0].Port != b.fake.port {
					return fmt.Errorf("endpoints %+v", ep)
				}
				return nil
			})
		}
	}

	// Errors.
	cl.startBroker(4) // not needed, but proves the live count is read
	waitFor(t, func() error {
		r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "big", NumPartitions: 1, ReplicationFactor: 5}}, false)[0]
		if !errors.Is(r.Err, ErrInvalidReplicationFactor) || r.Err.Error() != "Replication factor: 5 larger than available brokers: 4." {
			return fmt.Errorf("rf 5: %v", r.Err)
		}
		return nil
	})
	errs := n.c.CreateTopics(ctx, []TopicSpec{
		{Name: "t1", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "bad name", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "t.x", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "cfg", NumPartitions: 1, ReplicationFactor: 1, Configs: map[string]string{"nope": "1"}},
		{Name: "both", NumPartitions: 2, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1}}},
		{Name: "zero", NumPartitions: 0, ReplicationFactor: 1},
	}, false)
	wantErrs := []struct {
		kind error
		msg  string
	}{
		{ErrTopicExists, "Topic 't1' already exists."},
		{ErrInvalidTopic, `Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{nil, ""},
		{ErrInvalidConfig, "Unknown topic config name: nope"},
		{ErrInvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."},
		{ErrInvalidPartitions, "Number of partitions must be larger than 0."},
	}
	for i, w := range wantErrs {
		if w.kind == nil {
			if errs[i].Err != nil {
				t.Errorf("%s: %v", errs[i].Name, errs[i].Err)
			}
			continue
		}
		if !errors.Is(errs[i].Err, w.kind) || errs[i].Err.Error() != w.msg {
			t.Errorf("%s: %v, want %q", errs[i].Name, errs[i].Err, w.msg)
		}
	}
	r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "t_x", NumPartitions: 1, ReplicationFactor: 1}}, true)[0]
	if !errors.Is(r.Err, ErrInvalidTopic) || r.Err.Error() != "Topic 't_x' collides with existing topics: t.x" {
		t.Errorf("collision: %v", r.Err)
	}
	r = n.c.CreateTopics(ctx, []TopicSpec{{Name: "dry", NumPartitions: 2, ReplicationFactor: 2}}, true)[0]
	if r.Err != nil || r.NumPartitions != 2 || r.ReplicationFactor != 2 {
		t.Errorf("validate only: %+v", r)
	}
	if _, _, ok := cl.get(zk.TopicPath("dry")); ok {
		t.Error("validate-only create wrote the topic")
	}
}

// scExternalTopic: a topic written straight into ZooKeeper (no topic id,
// no partition state) is initialized by the controller.
func scExternalTopic(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	cl.startController(1, nil)
	cl.waitActive()
	other := cl.connect("tool")
	ta := zk.TopicAssignment{Name: "ext", Partitions: map[int32][]int32{0: {2, 3}, 1: {3, 1}}}
	if err := other.CreateTopic(ta, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		for p, r := range ta.Partitions {
			s, ok := cl.state("ext", p)
			if !ok {
				return fmt.Errorf("ext-%d not initialized", p)
			}
			if s.Leader != r[0] || !slices.Equal(s.ISR, r) || s.LeaderEpoch != 0 {
				return fmt.Errorf("ext-%d: %+v", p, s)
			}
		}
		return nil
	})
	d, _, _ := cl.get(zk.TopicPath("ext"))
	got, _ := zk.DecodeTopic("ext", d)
	if !got.HasID() {
		t.Fatalf("no topic id assigned: %s", d)
	}
	for _, id := range []int32{2, 3} {
		b := cl.broker(id)
		waitFor(t, func() error {
			ps, req, ok := b.fake.lastLAI(TopicPartition{"ext", 0})
			if !ok || !ps.IsNew || req.TopicStates[0].TopicID != got.ID {
				return fmt.Errorf("broker %d: LeaderAndIsr for ext-0: %+v", id, ps)
			}
			return nil
		})
	}
	// Partitions added by another tool.
	ta = got
	ta.Partitions[2] = []int32{1, 2}
	if err := other.SetTopicAssignment(ta, -1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		s, ok := cl.state("ext", 2)
		if !ok || s.Leader != 1 {
			return fmt.Errorf("ext-2: %+v %v", s, ok)
		}
		return nil
	})
}

// scBrokerFailure: a dead leader's partitions move (epoch+1), followers
// leave the ISR, a single-replica partition keeps its ISR with leader -1,
// and the broker's return brings it back.
func scBrokerFailure(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	res := n.c.CreateTopics(ctx, []TopicSpec{
		{Name: "d", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2, 3}, 1: {3, 2}}},
		{Name: "single", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {3}}},
	}, false)
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	cl.killBroker(3)
	want := map[TopicPartition]zk.PartitionState{
		{"d", 0}:      {Leader: 2, LeaderEpoch: 1, ISR: []int32{2}},
		{"d", 1}:      {Leader: 2, LeaderEpoch: 1, ISR: []int32{2}},
		{"single", 0}: {Leader: -1, LeaderEpoch: 1, ISR: []int32{3}},
	}
	waitFor(t, func() error {
		for tp, w := range want {
			s, _ := cl.state(tp.Topic, tp.Partition)
			if s.Leader != w.Leader || s.LeaderEpoch != w.LeaderEpoch || !slices.Equal(s.ISR, w.ISR) {
				return fmt.Errorf("%v: %+v, want %+v", tp, s, w)
			}
		}
		return nil
	})
	b2 := cl.broker(2)
	waitFor(t, func() error {
		ps, _, ok := b2.fake.lastLAI(TopicPartition{"d", 1})
		if !ok || ps.Leader != 2 || ps.LeaderEpoch != 1 || ps.IsNew {
			return fmt.Errorf("broker 2 LeaderAndIsr for d-1: %+v", ps)
		}
		um := b2.fake.latestUM()
		if um == nil || !slices.Equal(liveBrokerIDs(um), []int32{1, 2}) {
			return errors.New("broker 2 not told that broker 3 is gone")
		}
		ps2, _, _ := b2.fake.lastUM(TopicPartition{"single", 0})
		if ps2.Leader != -1 || !slices.Equal(ps2.OfflineReplicas, []int32{3}) {
			return fmt.Errorf("UpdateMetadata for single-0: %+v", ps2)
		}
		return nil
	})

	// Broker 3 comes back with a new epoch.
	b3 := cl.startBroker(3)
	waitFor(t, func() error {
		s, _ := cl.state("single", 0)
		if s.Leader != 3 || s.LeaderEpoch != 2 {
			return fmt.Errorf("single-0 after return: %+v", s)
		}
		ps, req, ok := b3.fake.lastLAI(TopicPartition{"d", 1})
		if !ok || ps.Leader != 2 || req.BrokerEpoch != b3.epoch {
			return fmt.Errorf("returning broker's LeaderAndIsr for d-1: %+v", ps)
		}
		if _, _, ok := b3.fake.lastUM(TopicPartition{"d", 0}); !ok {
			return errors.New("returning broker got no partition states")
		}
		return nil
	})
}

// scDeleteTopics: UpdateMetadata with leader -2, StopReplica(delete), then
// the znodes go.
func scDeleteTopics(t *testing.T, cl *cluster) {
	cl.startBroker(1)
	cl.startBroker(2)
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	res := n.c.CreateTopics(ctx, []TopicSpec{{Name: "del", NumPartitions: 2, ReplicationFactor: 2}}, false)
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	out := n.c.DeleteTopics(ctx, []string{"del", "unknown"})
	if out[0].Err != nil || out[0].ID != res[0].ID {
		t.Fatalf("delete: %+v", out[0])
	}
	if !errors.Is(out[1].Err, ErrUnknownTopic) {
		t.Fatalf("unknown topic: %v", out[1].Err)
	}
	waitFor(t, func() error {
		for _, p := range []string{zk.TopicPath("del"), zk.EntityConfigPath("topics", "del"), zk.DeleteTopicPath("del")} {
			if _, _, ok := cl.get(p); ok {
				return fmt.Errorf("%s still there", p)
			}
		}
		return nil
	})
	for id := int32(1); id <= 2; id++ {
		b := cl.broker(id)
		ps, _, _ := b.fake.lastUM(TopicPartition{"del", 0})
		if ps.Leader != -2 {
			t.Errorf("broker %d: last UpdateMetadata of del-0 has leader %d", id, ps.Leader)
		}
		var deleted []int32
		for _, s := range b.fake.stopReplicas("del") {
			if s.Delete {
				if s.LeaderEpoch != -2 {
					t.Errorf("StopReplica epoch %d", s.LeaderEpoch)
				}
				deleted = append(deleted, s.Partition)
			}
		}
		slices.Sort(deleted)
		if !slices.Equal(deleted, []int32{0, 1}) {
			t.Errorf("broker %d deleted %v", id, deleted)
		}
	}
	// The name can be used again.
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "del", NumPartitions: 1, ReplicationFactor: 1}}, false)[0]; r.Err != nil || r.ID == res[0].ID {
		t.Fatalf("re-create: %+v", r)
	}
}

// scDeletionDisabled: delete.topic.enable=false refuses DeleteTopics and
// drops markers written by other tools.
func scDeletionDisabled(t *testing.T, cl *cluster) {
	cl.startBroker(1)
	n := cl.startController(1, func(b *config.Broker) { b.DeleteTopicEnable = false })
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "keep", NumPartitions: 1, ReplicationFactor: 1}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := n.c.DeleteTopics(ctx, []string{"keep"})[0]; !errors.Is(r.Err, ErrTopicDeletionDisabled) {
		t.Fatalf("deletion disabled: %v", r.Err)
	}
	if err := cl.connect("tool").MarkTopicsForDeletion([]string{"keep"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		if _, _, ok := cl.get(zk.DeleteTopicPath("keep")); ok {
			return errors.New("marker still there")
		}
		return nil
	})
	if _, _, ok := cl.get(zk.TopicPath("keep")); !ok {
		t.Fatal("topic deleted although deletion is disabled")
	}
}

// scDeleteOffline: a replica on a dead broker holds the deletion until the
// broker returns.
func scDeleteOffline(t *testing.T, cl *cluster) {
	cl.startBroker(1)
	cl.startBroker(2)
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "off", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1, 2}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	cl.killBroker(2)
	waitFor(t, func() error {
		if s, _ := cl.state("off", 0); !slices.Equal(s.ISR, []int32{1}) {
			return fmt.Errorf("ISR %v", s.ISR)
		}
		return nil
	})
	if r := n.c.DeleteTopics(ctx, []string{"off"})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	// Gone from broker 1's metadata, but not from ZooKeeper.
	if _, _, ok := cl.get(zk.TopicPath("off")); !ok {
		t.Fatal("topic deleted with a replica offline")
	}
	b2 := cl.startBroker(2)
	waitFor(t, func() error {
		if _, _, ok := cl.get(zk.TopicPath("off")); ok {
			return errors.New("topic still in ZooKeeper")
		}
		return nil
	})
	found := false
	for _, s := range b2.fake.stopReplicas("off") {
		found = found || s.Delete
	}
	if !found {
		t.Fatal("returning broker got no StopReplica(delete)")
	}
}

// scCreatePartitions: growth with Kafka's assignment and with a manual one.
func scCreatePartitions(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "g", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2, 3}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	if err := n.c.CreatePartitions(ctx, "g", 3, nil, false); err != nil {
		t.Fatal(err)
	}
	d, _, _ := cl.get(zk.TopicPath("g"))
	ta, _ := zk.DecodeTopic("g", d)
	// Kafka: start index (and shift) = position of the first broker >= 2,
	// i.e. 1; partition 1 starts at (1+1) mod 3.
	want := map[int32][]int32{0: {2, 3}, 1: {3, 2}, 2: {1, 3}}
	if !reflect.DeepEqual(ta.Partitions, want) {
		t.Fatalf("assignment %v want %v", ta.Partitions, want)
	}
	for p := int32(1); p < 3; p++ {
		if s, ok := cl.state("g", p); !ok || s.Leader != want[p][0] {
			t.Fatalf("g-%d: %+v", p, s)
		}
	}
	if err := n.c.CreatePartitions(ctx, "g", 4, [][]int32{{3, 1}}, false); err != nil {
		t.Fatal(err)
	}
	if s, _ := cl.state("g", 3); s.Leader != 3 {
		t.Fatalf("g-3 %+v", s)
	}
	for _, c := range []struct {
		total int32
		a     [][]int32
		kind  error
		msg   string
	}{
		{4, nil, ErrInvalidPartitions, "Topic already has 4 partitions."},
		{2, nil, ErrInvalidPartitions, "Topic currently has 4 partitions, which is higher than the requested 2."},
		{5, [][]int32{{9, 1}}, ErrInvalidReplicaAssignment, "Unknown broker(s) in replica assignment: 9."},
		{6, [][]int32{{1, 2}}, ErrInvalidReplicaAssignment, "Increasing the number of partitions by 2 but 1 assignments provided."},
		{5, [][]int32{{1}}, ErrInvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has 2 while partitions [4] have replication factors [1], respectively."},
	} {
		err := n.c.CreatePartitions(ctx, "g", c.total, c.a, false)
		if !errors.Is(err, c.kind) || err.Error() != c.msg {
			t.Errorf("%d %v: %v, want %q", c.total, c.a, err, c.msg)
		}
	}
	if err := n.c.CreatePartitions(ctx, "nope", 2, nil, false); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown topic: %v", err)
	}
}

// scAlterIsr: the leader shrinks and expands the ISR; stale requests are
// refused with Kafka's codes.
func scAlterIsr(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "a", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2, 3, 1}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	b2 := cl.broker(2)
	alter := func(epoch int64, leaderEpoch int32, isr []int32, version int32) *kmsgAlter {
		req := newAlter(2, epoch, "a", 0, leaderEpoch, isr, version)
		resp, err := n.c.AlterIsr(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return &kmsgAlter{resp}
	}
	r := alter(b2.epoch, 0, []int32{2, 3}, 0)
	if r.code() != 0 || !slices.Equal(r.part().ISR, []int32{2, 3}) || r.part().PartitionEpoch != 1 || r.part().LeaderEpoch != 0 {
		t.Fatalf("shrink: %+v top %d", r.part(), r.resp.ErrorCode)
	}
	s, _ := cl.state("a", 0)
	if !slices.Equal(s.ISR, []int32{2, 3}) || s.ZkVersion != 1 || s.LeaderEpoch != 0 {
		t.Fatalf("state after shrink %+v", s)
	}
	waitFor(t, func() error {
		ps, _, _ := cl.broker(3).fake.lastUM(TopicPartition{"a", 0})
		if !slices.Equal(ps.ISR, []int32{2, 3}) || ps.ZKVersion != 1 {
			return fmt.Errorf("UpdateMetadata after AlterIsr: %+v", ps)
		}
		return nil
	})
	if r := alter(b2.epoch, 0, []int32{2, 3}, 0); r.code() != 0 || r.part().PartitionEpoch != 1 {
		t.Fatalf("same state again: %+v", r.part())
	}
	if r := alter(b2.epoch, 0, []int32{2, 3, 1}, 0); r.code() != 95 {
		t.Fatalf("stale version: %d", r.code())
	}
	if r := alter(b2.epoch, -1, []int32{2}, 1); r.code() != 74 {
		t.Fatalf("old leader epoch: %d", r.code())
	}
	if r := alter(b2.epoch+1, 0, []int32{2}, 1); r.resp.ErrorCode != 77 {
		t.Fatalf("stale broker epoch: %d", r.resp.ErrorCode)
	}
	if r := alter(b2.epoch, 0, []int32{2, 3, 1}, 1); r.code() != 0 || r.part().PartitionEpoch != 2 {
		t.Fatalf("expand: %+v", r.part())
	}
}

// scControlledShutdown: leadership moves off the stopping broker, it
// leaves the ISRs, and nothing is left for it to lead.
func scControlledShutdown(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	for _, r := range n.c.CreateTopics(ctx, []TopicSpec{
		{Name: "cs", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2, 3}, 1: {3, 2}}},
		{Name: "cs1", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2}}},
	}, false) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	b2 := cl.broker(2)
	if _, err := n.c.ControlledShutdown(ctx, 2, b2.epoch-1); !errors.Is(err, ErrStaleBrokerEpoch) {
		t.Fatalf("stale epoch: %v", err)
	}
	if _, err := n.c.ControlledShutdown(ctx, 9, -1); !errors.Is(err, ErrBrokerNotAvailable) {
		t.Fatalf("unknown broker: %v", err)
	}
	remaining, err := n.c.ControlledShutdown(ctx, 2, b2.epoch)
	if err != nil {
		t.Fatal(err)
	}
	// cs1-0 has a single replica: it stays led by 2 but is not reported
	// (ControllerContext.partitionLeadersOnBroker counts replicated
	// partitions only), so the broker's shutdown is not held up by it.
	if len(remaining) != 0 {
		t.Fatalf("remaining %v", remaining)
	}
	s0, _ := cl.state("cs", 0)
	s1, _ := cl.state("cs", 1)
	if s0.Leader != 3 || !slices.Equal(s0.ISR, []int32{3}) || s0.LeaderEpoch != 1 {
		t.Fatalf("cs-0 %+v", s0)
	}
	if s1.Leader != 3 || !slices.Equal(s1.ISR, []int32{3}) || s1.LeaderEpoch != 1 {
		t.Fatalf("cs-1 %+v", s1)
	}
	waitFor(t, func() error {
		for _, s := range b2.fake.stopReplicas("cs") {
			if s.Partition == 1 && !s.Delete {
				return nil
			}
		}
		return errors.New("no StopReplica(delete=false) for the followed partition")
	})
}

// scElectLeaders: preferred election moves leadership back once the
// preferred replica is in the ISR again.
func scElectLeaders(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 2; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "e", NumPartitions: -1, ReplicationFactor: -1,
		Assignment: map[int32][]int32{0: {2, 1}, 1: {1, 2}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	cl.killBroker(2)
	waitFor(t, func() error {
		if s, _ := cl.state("e", 0); s.Leader != 1 {
			return fmt.Errorf("e-0 %+v", s)
		}
		return nil
	})
	res := n.c.ElectLeaders(ctx, ElectPreferred, map[string][]int32{"e": {0, 1, 7}})
	if !errors.Is(res["e"][0], ErrPreferredLeaderNotAvailable) || !errors.Is(res["e"][1], ErrElectionNotNeeded) || !errors.Is(res["e"][7], ErrUnknownTopic) {
		t.Fatalf("with broker 2 down: %v", res)
	}
	b2 := cl.startBroker(2)
	// Broker 2 is back but not in the ISR until the leader adds it.
	s, _ := waitState(t, cl, "e", 0)
	req := newAlter(1, cl.broker(1).epoch, "e", 0, s.LeaderEpoch, []int32{1, 2}, s.ZkVersion)
	if resp, err := n.c.AlterIsr(ctx, req); err != nil || (&kmsgAlter{resp}).code() != 0 {
		t.Fatalf("expand ISR: %v", err)
	}
	res = n.c.ElectLeaders(ctx, ElectPreferred, map[string][]int32{"e": {0}})
	if res["e"][0] != nil {
		t.Fatalf("preferred election: %v", res)
	}
	s, _ = cl.state("e", 0)
	if s.Leader != 2 {
		t.Fatalf("e-0 after preferred election %+v", s)
	}
	waitFor(t, func() error {
		ps, _, ok := b2.fake.lastLAI(TopicPartition{"e", 0})
		if !ok || ps.Leader != 2 || ps.LeaderEpoch != s.LeaderEpoch {
			return fmt.Errorf("LeaderAndIsr %+v", ps)
		}
		return nil
	})
}

func waitState(t *testing.T, cl *cluster, topic string, p int32) (zk.PartitionState, bool) {
	var s zk.PartitionState
	var ok bool
	waitFor(t, func() error {
		s, ok = cl.state(topic, p)
		if !ok {
			return errors.New("no state")
		}
		return nil
	})
	return s, ok
}
