package group

import (
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// reload builds a fresh coordinator from h's records (as a new leader
// would) and returns it.
func reload(t *testing.T, h *harness) *harness {
	t.Helper()
	h2 := &harness{t: t, clock: h.clock, store: h.store, protocol: "range"}
	cfg := h.c.cfg
	cfg.Store = h.store
	h2.c = NewCoordinator(cfg)
	for p := int32(0); p < int32(cfg.NumPartitions); p++ {
		h2.c.Load(p, h.store.seq(p))
	}
	return h2
}

func TestLoadRebuildsState(t *testing.T) {
	h := newHarness(t, nil)
	// Stable group with offsets and a static member.
	r := h.joinReq(joinReq("static", "", strp("i1"), "range"))
	h.tick(3 * time.Second)
	sid := r.resp.MemberID
	h.sync("static", sid, 1, map[string][]byte{sid: []byte("A")})
	h.commit("static", sid, 1, "m", map[string]int64{"t1 0": 5, "t1 1": 6})
	// Stable dynamic group of two, offsets overwritten.
	ids, gen := h.stable("dyn", 2)
	h.commit("dyn", ids[0], gen, "", map[string]int64{"t1 0": 1})
	h.commit("dyn", ids[1], gen, "x", map[string]int64{"t1 0": 2, "t2 0": 3})
	// Empty group with offsets, one deleted by OffsetDelete (tombstone).
	h.commit("reset", "", -1, "", map[string]int64{"a 0": 1, "b 0": 2})
	del := &deleteReq{group: "reset", topic: "a"}
	h.c.OffsetDelete(del.build(), 0)
	// A deleted group (group and offset tombstones) and a group that
	// became Empty after having members.
	h.commit("gone", "", -1, "", map[string]int64{"a 0": 1})
	h.c.DeleteGroups(deleteGroupsReq("gone"), 2)
	e, _ := h.stable("emptied", 1)
	h.commit("emptied", e[0], 1, "", map[string]int64{"z 0": 9})
	h.leave("emptied", e[0])

	before := snapshot(h.c)
	h2 := reload(t, h)
	after := snapshot(h2.c)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("state differs after load:\nbefore %+v\nafter  %+v", before, after)
	}
	if _, ok := after["gone"]; ok {
		t.Fatal("deleted group came back")
	}
	if after["reset"].State != "Empty" || len(after["reset"].Offsets) != 1 {
		t.Fatalf("reset: %+v", after["reset"])
	}

	// The loaded groups work: members heartbeat, sessions restarted.
	if c := h2.heartbeat("dyn", ids[0], gen); c != 0 {
		t.Fatalf("heartbeat after load %d", c)
	}
	if c := h2.heartbeat("static", sid, 1); c != 0 {
		t.Fatalf("static heartbeat after load %d", c)
	}
	s := h2.sync("static", sid, 1, nil)
	if s.resp.ErrorCode != 0 || string(s.resp.MemberAssignment) != "A" {
		t.Fatalf("sync after load %+v", s.resp)
	}
	// Members that never come back expire after their session timeout.
	h2.tick(5 * time.Second)
	h2.heartbeat("dyn", ids[0], gen)
	h2.tick(5 * time.Second)
	if st := h2.state("dyn"); st != "PreparingRebalance" {
		t.Fatalf("dyn after session timeout: %s", st)
	}
	// Reset-offsets commits still work on the loaded Empty group.
	if c := h2.commit("emptied", "", -1, "", map[string]int64{"z 0": 10}); c["z 0"] != 0 {
		t.Fatalf("commit %v", c)
	}
}

func TestLoadOldVersionsAndTombstones(t *testing.T) {
	st := newMemStore()
	put := func(key, value []byte) {
		st.Append(PartitionFor("g", 50), []Record{{Key: key, Value: value}}, func(int64, error) {})
	}
	k, _ := EncodeOffsetCommitKey("g", "t", 0)
	v0, _ := OffsetCommitValue{Offset: 1, CommitTimestamp: 5}.EncodeVersion(0)
	v1, _ := OffsetCommitValue{Offset: 2, CommitTimestamp: 5, ExpireTimestamp: 99}.EncodeVersion(1)
	gk, _ := EncodeGroupMetadataKey("g")
	gv, _ := GroupMetadataValue{ProtocolType: "consumer", Generation: 4, Protocol: strp("range"), Leader: strp("m"),
		Members: []MemberValue{{MemberID: "m", ClientID: "c", ClientHost: "/h", SessionTimeout: 10000,
			Subscription: subscription("t"), Assignment: []byte{1}}}}.EncodeVersion(0)
	put(k, v0)
	put([]byte{0, 9}, []byte{1}) // unknown key version: skipped
	put(k, v1)
	put(gk, gv)
	put(gk, nil) // group tombstone
	put(gk, gv)  // and back
	k2, _ := EncodeOffsetCommitKey("g", "t", 1)
	put(k2, v0)
	put(k2, nil)

	h := newHarness(t, nil)
	p := PartitionFor("g", 50)
	h.c.Unload(p)
	h.store = st
	h.c.cfg.Store = st
	h.c.Load(p, st.seq(p))
	snap := snapshot(h.c)["g"]
	if snap.State != "Stable" || snap.Generation != 4 || len(snap.Members) != 1 || len(snap.Offsets) != 1 ||
		snap.Offsets[topicPartition{"t", 0}].ExpireTimestamp != 99 {
		t.Fatalf("%+v", snap)
	}
	// Version 0 member: rebalance timeout = session timeout.
	h.c.lock()
	m := h.c.groups["g"].members["m"]
	h.c.unlock()
	if m.rebalanceTimeout != 10000 {
		t.Fatalf("rebalance timeout %d", m.rebalanceTimeout)
	}
}

type deleteReq struct{ group, topic string }

func (d *deleteReq) build() *kmsg.OffsetDeleteRequest {
	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = d.group
	req.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: d.topic,
		Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}}}
	return req
}

func deleteGroupsReq(ids ...string) *kmsg.DeleteGroupsRequest {
	req := kmsg.NewPtrDeleteGroupsRequest()
	req.Version, req.Groups = 2, ids
	return req
}
