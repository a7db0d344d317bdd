package controller

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	gozk "github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/broker/zk"
)

func TestAssignmentReassignTo(t *testing.T) {
	cases := []struct {
		cur    assignment
		target []int32
		want   assignment
	}{
		{assignment{replicas: []int32{1, 2, 3}}, []int32{4, 5, 6},
			assignment{replicas: []int32{4, 5, 6, 1, 2, 3}, adding: []int32{4, 5, 6}, removing: []int32{1, 2, 3}}},
		{assignment{replicas: []int32{1, 2}}, []int32{2, 3},
			assignment{replicas: []int32{2, 3, 1}, adding: []int32{3}, removing: []int32{1}}},
		// Replacing an ongoing reassignment starts from its origin.
		{assignment{replicas: []int32{2, 3, 1}, adding: []int32{3}, removing: []int32{1}}, []int32{4},
			assignment{replicas: []int32{4, 2, 1}, adding: []int32{4}, removing: []int32{2, 1}}},
		// Cancelling = reassigning to the origin.
		{assignment{replicas: []int32{2, 3, 1}, adding: []int32{3}, removing: []int32{1}}, []int32{1, 2},
			assignment{replicas: []int32{1, 2}, adding: []int32{}, removing: []int32{}}},
	}
	for _, c := range cases {
		if got := c.cur.reassignTo(c.target); !got.equal(c.want) {
			t.Errorf("%v reassignTo %v = %v, want %v", c.cur, c.target, got, c.want)
		}
	}
	a := assignment{replicas: []int32{4, 5, 6, 1, 2, 3}, adding: []int32{4, 5, 6}, removing: []int32{1, 2, 3}}
	if !slices.Equal(a.origin(), []int32{1, 2, 3}) || !slices.Equal(a.target(), []int32{4, 5, 6}) || !a.reassigning() {
		t.Fatalf("origin %v target %v", a.origin(), a.target())
	}
}

// TestReassignIntegration runs the reassignment scenarios against a real
// coordinator (and Apache ZooKeeper when available) with fake brokers.
func TestReassignIntegration(t *testing.T) {
	runScenarios(t, []scenario{
		{"Move", scReassignMove},
		{"CancelAndErrors", scReassignCancel},
		{"LegacyZnode", scReassignLegacy},
		{"Failover", scReassignFailover},
	})
}

func (cl *cluster) topic(name string) zk.TopicAssignment {
	cl.t.Helper()
	d, _, ok := cl.get(zk.TopicPath(name))
	if !ok {
		cl.t.Fatalf("no topic %s", name)
	}
	ta, err := zk.DecodeTopic(name, d)
	if err != nil {
		cl.t.Fatal(err)
	}
	return ta
}

// expandISR is the leader's AlterIsr adding the new replicas to the ISR.
func expandISR(t *testing.T, cl *cluster, n *ctrlNode, topic string, isr []int32) {
	t.Helper()
	s, _ := cl.state(topic, 0)
	b := cl.broker(s.Leader)
	resp, err := n.c.AlterIsr(cl.ctx(), newAlter(s.Leader, b.epoch, topic, 0, s.LeaderEpoch, isr, s.ZkVersion))
	if err != nil || (&kmsgAlter{resp}).code() != 0 {
		t.Fatalf("AlterIsr: %v %+v", err, resp)
	}
}

func listReassign(t *testing.T, cl *cluster, n *ctrlNode, parts []TopicPartition) map[TopicPartition]Reassignment {
	t.Helper()
	got, err := n.c.ListPartitionReassignments(cl.ctx(), parts)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// scReassignMove: [1] -> [2]: phase U/A writes RS=[2,1] with adding and
// removing replicas, bumps the epoch and starts broker 2 as a new
// replica; the leader's AlterIsr adding 2 completes it: 2 leads, 1 leaves
// the ISR and is deleted, the topic node shows [2].
func scReassignMove(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "r", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	tp := TopicPartition{"r", 0}
	errs, err := n.c.AlterPartitionReassignments(ctx, []ReassignmentRequest{{TopicPartition: tp, Replicas: []int32{2}}})
	if err != nil || errs[0] != nil {
		t.Fatalf("alter: %v %v", err, errs)
	}
	ta := cl.topic("r")
	if !slices.Equal(ta.Partitions[0], []int32{2, 1}) || !slices.Equal(ta.Adding[0], []int32{2}) || !slices.Equal(ta.Removing[0], []int32{1}) {
		t.Fatalf("topic node during reassignment: %+v", ta)
	}
	if s, _ := cl.state("r", 0); s.Leader != 1 || s.LeaderEpoch != 1 || !slices.Equal(s.ISR, []int32{1}) {
		t.Fatalf("state during reassignment %+v", s)
	}
	waitFor(t, func() error {
		ps, _, ok := cl.broker(2).fake.lastLAI(tp)
		if !ok || !ps.IsNew || ps.Leader != 1 || ps.LeaderEpoch != 1 || !slices.Equal(ps.Replicas, []int32{2, 1}) ||
			!slices.Equal(ps.AddingReplicas, []int32{2}) || !slices.Equal(ps.RemovingReplicas, []int32{1}) {
			return fmt.Errorf("LeaderAndIsr to the new replica: %+v", ps)
		}
		ps, _, ok = cl.broker(1).fake.lastLAI(tp)
		if !ok || ps.IsNew || ps.LeaderEpoch != 1 || !slices.Equal(ps.Replicas, []int32{2, 1}) {
			return fmt.Errorf("LeaderAndIsr to the leader: %+v", ps)
		}
		return nil
	})
	want := map[TopicPartition]Reassignment{tp: {Replicas: []int32{2, 1}, Adding: []int32{2}, Removing: []int32{1}}}
	if got := listReassign(t, cl, n, nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("list all: %+v", got)
	}
	if got := listReassign(t, cl, n, []TopicPartition{tp, {"r", 5}, {"nope", 0}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("list named: %+v", got)
	}
	// An ISR change that does not cover the target completes nothing.
	expandISR(t, cl, n, "r", []int32{1})
	if len(listReassign(t, cl, n, nil)) != 1 {
		t.Fatal("reassignment completed without its target in the ISR")
	}

	// The new replica caught up.
	expandISR(t, cl, n, "r", []int32{1, 2})
	if got := listReassign(t, cl, n, nil); len(got) != 0 {
		t.Fatalf("still reassigning: %+v", got)
	}
	ta = cl.topic("r")
	if !reflect.DeepEqual(ta.Partitions, map[int32][]int32{0: {2}}) || len(ta.Adding) != 0 || len(ta.Removing) != 0 {
		t.Fatalf("topic node after completion: %+v", ta)
	}
	s, _ := cl.state("r", 0)
	if s.Leader != 2 || !slices.Equal(s.ISR, []int32{2}) || s.LeaderEpoch != 3 {
		t.Fatalf("state after completion %+v", s)
	}
	waitFor(t, func() error {
		var del, stop bool
		for _, st := range cl.broker(1).fake.stopReplicas("r") {
			if st.Delete {
				del = true
			} else {
				stop = true
			}
		}
		if !del || !stop {
			return fmt.Errorf("broker 1 StopReplica: stop %v delete %v", stop, del)
		}
		ps, _, ok := cl.broker(2).fake.lastLAI(tp)
		if !ok || ps.Leader != 2 || ps.LeaderEpoch != 3 || !slices.Equal(ps.Replicas, []int32{2}) || len(ps.AddingReplicas) != 0 {
			return fmt.Errorf("LeaderAndIsr to the new leader: %+v", ps)
		}
		um, _, ok := cl.broker(3).fake.lastUM(tp)
		if !ok || um.Leader != 2 || !slices.Equal(um.Replicas, []int32{2}) || !slices.Equal(um.ISR, []int32{2}) {
			return fmt.Errorf("UpdateMetadata after completion: %+v", um)
		}
		return nil
	})
}

// scReassignCancel: a cancel reverts to the original replicas and deletes
// the replica being added; validation errors as Kafka words them.
func scReassignCancel(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "c", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1, 2}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	tp := TopicPartition{"c", 0}
	errs, err := n.c.AlterPartitionReassignments(ctx, []ReassignmentRequest{
		{TopicPartition: tp, Replicas: []int32{2, 3}},
		{TopicPartition: TopicPartition{"c", 1}, Replicas: []int32{1}},
		{TopicPartition: TopicPartition{"nope", 0}, Cancel: true},
		{TopicPartition: tp, Replicas: []int32{}},
		{TopicPartition: tp, Replicas: []int32{2, 2}},
		{TopicPartition: tp, Replicas: []int32{-1}},
		{TopicPartition: tp, Replicas: []int32{9}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErrs := []struct {
		kind error
		msg  string
	}{
		{nil, ""},
		{ErrUnknownTopic, "The partition does not exist."},
		{ErrNoReassignmentInProgress, ErrNoReassignmentInProgress.Error()},
		{ErrInvalidReplicaAssignment, "Empty replica list specified in partition reassignment."},
		{ErrInvalidReplicaAssignment, "Duplicate replica ids in partition reassignment replica list: ArrayBuffer(2, 2)"},
		{ErrInvalidReplicaAssignment, "Invalid broker id in replica list: ArrayBuffer(-1)"},
		{ErrInvalidReplicaAssignment, "Replica assignment has brokers that are not alive. Replica list: ArrayBuffer(9), live broker list: Set(1, 2, 3)"},
	}
	for i, w := range wantErrs {
		switch {
		case w.kind == nil && errs[i] != nil:
			t.Errorf("request %d: %v", i, errs[i])
		case w.kind != nil && (!errors.Is(errs[i], w.kind) || errs[i].Error() != w.msg):
			t.Errorf("request %d: %v, want %v %q", i, errs[i], w.kind, w.msg)
		}
	}
	if ta := cl.topic("c"); !slices.Equal(ta.Partitions[0], []int32{2, 3, 1}) || !slices.Equal(ta.Adding[0], []int32{3}) {
		t.Fatalf("topic node during reassignment: %+v", ta)
	}
	errs, err = n.c.AlterPartitionReassignments(ctx, []ReassignmentRequest{{TopicPartition: tp, Cancel: true}})
	if err != nil || errs[0] != nil {
		t.Fatalf("cancel: %v %v", err, errs)
	}
	// As in Kafka, the original replicas are RS minus the adding ones, in
	// RS order: [2,3,1] - [3] = [2,1] (the preferred replica changes).
	ta := cl.topic("c")
	if !reflect.DeepEqual(ta.Partitions, map[int32][]int32{0: {2, 1}}) || len(ta.Adding) != 0 || len(ta.Removing) != 0 {
		t.Fatalf("topic node after cancel: %+v", ta)
	}
	if got := listReassign(t, cl, n, nil); len(got) != 0 {
		t.Fatalf("still reassigning: %+v", got)
	}
	if s, _ := cl.state("c", 0); s.Leader != 1 || !slices.Equal(s.ISR, []int32{1, 2}) {
		t.Fatalf("state after cancel: %+v", s)
	}
	waitFor(t, func() error {
		for _, st := range cl.broker(3).fake.stopReplicas("c") {
			if st.Delete {
				return nil
			}
		}
		return errors.New("the replica being added was not deleted")
	})
	errs, _ = n.c.AlterPartitionReassignments(ctx, []ReassignmentRequest{{TopicPartition: tp, Cancel: true}})
	if !errors.Is(errs[0], ErrNoReassignmentInProgress) {
		t.Fatalf("second cancel: %v", errs[0])
	}
}

// scReassignLegacy: a reassignment written to /admin/reassign_partitions
// starts when the node appears, and the node is deleted once done.
func scReassignLegacy(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "z", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	data := `{"version":1,"partitions":[{"topic":"z","partition":0,"replicas":[3]},{"topic":"missing","partition":0,"replicas":[1]}]}`
	if _, err := cl.e.raw.Create(cl.root+zk.ReassignPartitionsPath, []byte(data), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		ta := cl.topic("z")
		if !slices.Equal(ta.Partitions[0], []int32{3, 1}) || !slices.Equal(ta.Adding[0], []int32{3}) {
			return fmt.Errorf("topic node %+v", ta)
		}
		// The failed entry is dropped from the node.
		d, _, ok := cl.get(zk.ReassignPartitionsPath)
		if !ok || string(d) != `{"version":1,"partitions":[{"topic":"z","partition":0,"replicas":[3]}]}` {
			return fmt.Errorf("znode %q", d)
		}
		return nil
	})
	expandISR(t, cl, n, "z", []int32{1, 3})
	waitFor(t, func() error {
		if _, _, ok := cl.get(zk.ReassignPartitionsPath); ok {
			return errors.New("/admin/reassign_partitions still there")
		}
		if ta := cl.topic("z"); !slices.Equal(ta.Partitions[0], []int32{3}) {
			return fmt.Errorf("topic node %+v", ta)
		}
		return nil
	})
	if s, _ := cl.state("z", 0); s.Leader != 3 || !slices.Equal(s.ISR, []int32{3}) {
		t.Fatalf("state %+v", s)
	}
	// A new node is picked up again.
	if _, err := cl.e.raw.Create(cl.root+zk.ReassignPartitionsPath, []byte(`{"version":1,"partitions":[{"topic":"z","partition":0,"replicas":[2]}]}`), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		if ta := cl.topic("z"); !slices.Equal(ta.Adding[0], []int32{2}) {
			return fmt.Errorf("topic node %+v", ta)
		}
		return nil
	})
}

// scReassignFailover: a new controller resumes a reassignment found in the
// topic node and completes it when the ISR covers the target.
func scReassignFailover(t *testing.T, cl *cluster) {
	for id := int32(1); id <= 3; id++ {
		cl.startBroker(id)
	}
	first := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	if r := first.c.CreateTopics(ctx, []TopicSpec{{Name: "f", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {1, 2}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	tp := TopicPartition{"f", 0}
	if errs, err := first.c.AlterPartitionReassignments(ctx, []ReassignmentRequest{{TopicPartition: tp, Replicas: []int32{2, 3}}}); err != nil || errs[0] != nil {
		t.Fatalf("alter: %v %v", err, errs)
	}
	epoch := controllerEpoch(cl)
	first.stop()
	cl.mu.Lock()
	delete(cl.ctrls, 1)
	cl.mu.Unlock()
	second := cl.startController(2, nil)
	cl.waitActive()
	if controllerEpoch(cl) != epoch+1 {
		t.Fatalf("controller epoch %d", controllerEpoch(cl))
	}
	want := map[TopicPartition]Reassignment{tp: {Replicas: []int32{2, 3, 1}, Adding: []int32{3}, Removing: []int32{1}}}
	if got := listReassign(t, cl, second, nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("after failover: %+v", got)
	}
	// Resuming bumped the leader epoch again and told broker 3.
	waitFor(t, func() error {
		ps, _, ok := cl.broker(3).fake.lastLAI(tp)
		if !ok || !ps.IsNew || ps.LeaderEpoch != 2 || ps.ControllerEpoch != epoch+1 {
			return fmt.Errorf("LeaderAndIsr to 3 after failover: %+v", ps)
		}
		return nil
	})
	expandISR(t, cl, second, "f", []int32{1, 2, 3})
	if got := listReassign(t, cl, second, nil); len(got) != 0 {
		t.Fatalf("still reassigning: %+v", got)
	}
	s, _ := cl.state("f", 0)
	if s.Leader != 2 || !slices.Equal(s.ISR, []int32{2, 3}) {
		t.Fatalf("state %+v", s)
	}
}
