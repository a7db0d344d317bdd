package group

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestResetOffsetsCommitOnUnknownAndEmptyGroup(t *testing.T) {
	h := newHarness(t, nil)
	// kafka-consumer-groups --reset-offsets: generation -1, no member.
	codes := h.commit("reset", "", -1, "meta-1", map[string]int64{"t1 0": 10, "t1 1": 11, "t2 0": 20})
	for k, c := range codes {
		if c != 0 {
			t.Fatalf("%s: %d", k, c)
		}
	}
	if st := h.state("reset"); st != "Empty" {
		t.Fatalf("state %s", st)
	}
	got, code := h.fetchAll("reset")
	if code != 0 || len(got) != 3 || got["t1 0"] != 10 || got["t2 0"] != 20 {
		t.Fatalf("fetch %v %d", got, code)
	}
	// Records: offset commit key v1 and value v3 with metadata and epoch.
	recs := h.store.records(h.c.PartitionFor("reset"))
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	k, _ := DecodeKey(recs[0].Key)
	v, _ := DecodeOffsetCommitValue(recs[0].Value)
	if k.Version != 1 || k.Group != "reset" || k.Topic != "t1" || k.Partition != 0 ||
		recs[0].Value[1] != 3 || v.Offset != 10 || v.LeaderEpoch != 7 || v.Metadata != "meta-1" ||
		v.CommitTimestamp != t0.UnixMilli() || recs[0].Timestamp != t0.UnixMilli() {
		t.Fatalf("record %+v %+v", k, v)
	}
	// Metadata round trip through OffsetFetch v5.
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version, req.Group = 5, "reset"
	req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t1", Partitions: []int32{0, 9}}}
	resp := h.c.OffsetFetch(req, 5)
	p := resp.Topics[0].Partitions
	if resp.ErrorCode != 0 || p[0].Offset != 10 || *p[0].Metadata != "meta-1" || p[0].LeaderEpoch != 7 ||
		p[1].Offset != -1 || *p[1].Metadata != "" || p[1].LeaderEpoch != -1 {
		t.Fatalf("fetch %+v", resp)
	}
}

func TestCommitValidation(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	for _, tc := range []struct {
		name   string
		member string
		gen    int32
		want   int16
	}{
		{"member", ids[1], gen, 0},
		{"reset-offsets on a live group", "", -1, codeUnknownMemberID},
		{"unknown member", "nobody", gen, codeUnknownMemberID},
		{"old generation", ids[0], gen - 1, codeIllegalGeneration},
	} {
		if c := h.commit("g", tc.member, tc.gen, "", map[string]int64{"t1 0": 1}); c["t1 0"] != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, c["t1 0"], tc.want)
		}
	}
	// Unknown group with a real generation.
	if c := h.commit("other", "m", 3, "", map[string]int64{"t1 0": 1}); c["t1 0"] != codeIllegalGeneration {
		t.Errorf("unknown group: %v", c)
	}
	// CompletingRebalance: REBALANCE_IN_PROGRESS.
	h.join("g", ids[0], "range")
	h.join("g", ids[1], "range")
	if c := h.commit("g", ids[0], gen+1, "", map[string]int64{"t1 0": 1}); c["t1 0"] != codeRebalanceInProgress {
		t.Errorf("completing: %v", c)
	}
	// Metadata too large, unknown partition, not coordinator.
	h2 := newHarness(t, func(c *Config) {
		c.MaxMetadataSize = 4
		c.PartitionExists = func(topic string, _ int32) bool { return topic != "gone" }
	})
	if c := h2.commit("g", "", -1, "12345", map[string]int64{"t1 0": 1}); c["t1 0"] != codeOffsetMetadataTooLarge {
		t.Errorf("too large: %v", c)
	}
	if c := h2.commit("g", "", -1, "1234", map[string]int64{"t1 0": 1, "gone 0": 1}); c["t1 0"] != 0 || c["gone 0"] != codeUnknownTopicOrPartition {
		t.Errorf("mixed: %v", c)
	}
	h2.c.Unload(h2.c.PartitionFor("g"))
	if c := h2.commit("g", "", -1, "", map[string]int64{"t1 0": 1}); c["t1 0"] != codeNotCoordinator {
		t.Errorf("unloaded: %v", c)
	}
}

func TestCommitRetentionWritesV1(t *testing.T) {
	h := newHarness(t, nil)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.RetentionTimeMillis = 2, "g", 60000
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 5, Timestamp: -1, LeaderEpoch: -1}}}}
	var resp *kmsg.OffsetCommitResponse
	h.c.OffsetCommit(req, 2, func(r *kmsg.OffsetCommitResponse) { resp = r })
	if resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("%+v", resp)
	}
	recs := h.store.records(h.c.PartitionFor("g"))
	v, err := DecodeOffsetCommitValue(recs[0].Value)
	if err != nil || recs[0].Value[1] != 1 || v.ExpireTimestamp != t0.UnixMilli()+60000 {
		t.Fatalf("%+v %v", v, err)
	}
	// The explicit expire timestamp governs expiry (old semantics).
	h.tick(11 * time.Minute)
	if got, _ := h.fetchAll("g"); len(got) != 0 {
		t.Fatalf("not expired: %v", got)
	}
}

func TestOffsetFetchBatchedAndAll(t *testing.T) {
	h := newHarness(t, nil)
	h.commit("a", "", -1, "", map[string]int64{"t 0": 1, "u 3": 2})
	h.commit("b", "", -1, "", map[string]int64{"t 1": 3})
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = 8
	req.Groups = []kmsg.OffsetFetchRequestGroup{
		{Group: "a"}, // all partitions
		{Group: "b", Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t", Partitions: []int32{0, 1}}}},
		{Group: "missing"},
	}
	resp := h.c.OffsetFetch(req, 8)
	a, b, m := resp.Groups[0], resp.Groups[1], resp.Groups[2]
	if a.Group != "a" || len(a.Topics) != 2 || a.Topics[0].Topic != "t" || a.Topics[1].Partitions[0].Offset != 2 {
		t.Fatalf("a: %+v", a)
	}
	if b.Topics[0].Partitions[0].Offset != -1 || b.Topics[0].Partitions[1].Offset != 3 {
		t.Fatalf("b: %+v", b)
	}
	if m.ErrorCode != 0 || len(m.Topics) != 0 {
		t.Fatalf("missing: %+v", m)
	}
	// v1: group errors go on every partition; v3: top level.
	h.c.Unload(h.c.PartitionFor("a"))
	old := kmsg.NewPtrOffsetFetchRequest()
	old.Version, old.Group = 1, "a"
	old.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{0}}}
	r1 := h.c.OffsetFetch(old, 1)
	if r1.Topics[0].Partitions[0].ErrorCode != codeNotCoordinator || r1.Topics[0].Partitions[0].Offset != -1 {
		t.Fatalf("v1: %+v", r1)
	}
	old.Version = 3
	if r3 := h.c.OffsetFetch(old, 3); r3.ErrorCode != codeNotCoordinator || len(r3.Topics) != 0 {
		t.Fatalf("v3: %+v", r3)
	}
}

func TestRequireStable(t *testing.T) {
	h := newHarness(t, nil)
	h.store.hold = true
	var resp *kmsg.OffsetCommitResponse
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group = 8, "g"
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 9, LeaderEpoch: -1}}}}
	h.c.OffsetCommit(req, 8, func(r *kmsg.OffsetCommitResponse) { resp = r })
	if resp != nil {
		t.Fatal("answered before replication")
	}
	f := kmsg.NewPtrOffsetFetchRequest()
	f.Version, f.RequireStable = 8, true
	f.Groups = []kmsg.OffsetFetchRequestGroup{{Group: "g", Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t", Partitions: []int32{0}}}}}
	if p := h.c.OffsetFetch(f, 8).Groups[0].Topics[0].Partitions[0]; p.ErrorCode != codeUnstableOffsetCommit {
		t.Fatalf("pending: %+v", p)
	}
	f.RequireStable = false
	if p := h.c.OffsetFetch(f, 8).Groups[0].Topics[0].Partitions[0]; p.ErrorCode != 0 || p.Offset != -1 {
		t.Fatalf("not yet visible: %+v", p)
	}
	h.store.release()
	if resp == nil || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("commit %+v", resp)
	}
	if p := h.c.OffsetFetch(f, 8).Groups[0].Topics[0].Partitions[0]; p.Offset != 9 {
		t.Fatalf("committed: %+v", p)
	}
}

func TestOffsetDelete(t *testing.T) {
	h := newHarness(t, nil)
	del := func(group string, tps ...string) *kmsg.OffsetDeleteResponse {
		req := kmsg.NewPtrOffsetDeleteRequest()
		req.Group = group
		for _, tp := range tps {
			topic, _, _ := strings.Cut(tp, " ")
			req.Topics = append(req.Topics, kmsg.OffsetDeleteRequestTopic{Topic: topic,
				Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}})
		}
		return h.c.OffsetDelete(req, 0)
	}
	h.commit("e", "", -1, "", map[string]int64{"t1 0": 1, "t9 0": 2})
	resp := del("e", "t1 0")
	if resp.ErrorCode != 0 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("empty group: %+v", resp)
	}
	if got, _ := h.fetchAll("e"); len(got) != 1 {
		t.Fatalf("left %v", got)
	}
	recs := h.store.records(h.c.PartitionFor("e"))
	if last := recs[len(recs)-1]; last.Value != nil {
		t.Fatal("no tombstone")
	} else if k, _ := DecodeKey(last.Key); k.Topic != "t1" {
		t.Fatalf("tombstone for %+v", k)
	}
	// Stable consumer group subscribed to t1 and t2 (joinReq's subscription).
	ids, gen := h.stable("s", 1)
	h.commit("s", ids[0], gen, "", map[string]int64{"t1 0": 1, "t9 0": 2})
	resp = del("s", "t1 0", "t9 0")
	if resp.ErrorCode != 0 || resp.Topics[0].Partitions[0].ErrorCode != codeGroupSubscribedToTopic ||
		resp.Topics[1].Partitions[0].ErrorCode != 0 {
		t.Fatalf("stable group: %+v", resp)
	}
	if r := del("nope", "t1 0"); r.ErrorCode != codeGroupIDNotFound || len(r.Topics) != 0 {
		t.Fatalf("unknown group: %+v", r)
	}
	if r := del("", "t1 0"); r.ErrorCode != codeInvalidGroupID {
		t.Fatalf("empty id: %+v", r)
	}
}

func TestOffsetExpiry(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.OffsetsRetention = time.Hour })
	// A simple-consumer group (no protocol): expires by commit time.
	h.commit("simple", "", -1, "", map[string]int64{"t 0": 1})
	// A consumer group that became Empty: expires from the Empty time.
	ids, gen := h.stable("g", 1)
	h.commit("g", ids[0], gen, "", map[string]int64{"t1 0": 1})
	h.tick(30 * time.Minute)
	h.leave("g", ids[0])
	if st := h.state("g"); st != "Empty" {
		t.Fatalf("state %s", st)
	}
	for i := 0; i < 4; i++ { // t0+70m: "simple" expired, "g" not yet (empty since t0+30m)
		h.tick(10 * time.Minute)
	}
	if got, _ := h.fetchAll("simple"); len(got) != 0 {
		t.Fatalf("simple not expired: %v", got)
	}
	if st := h.state("simple"); st != "Dead" {
		t.Fatalf("simple state %s", st)
	}
	if got, _ := h.fetchAll("g"); len(got) != 1 {
		t.Fatalf("g expired early: %v", got)
	}
	h.tick(30 * time.Minute)
	if got, _ := h.fetchAll("g"); len(got) != 0 {
		t.Fatalf("g not expired: %v", got)
	}
	// Group tombstone because it had generations.
	recs := h.store.records(h.c.PartitionFor("g"))
	last := recs[len(recs)-1]
	if k, _ := DecodeKey(last.Key); k.Version != 2 || last.Value != nil {
		t.Fatalf("last record %+v", k)
	}
	// "simple" had generation 0: only the offset tombstone.
	recs = h.store.records(h.c.PartitionFor("simple"))
	for _, r := range recs {
		if k, _ := DecodeKey(r.Key); k.Group == "simple" && !k.IsOffsetCommit() {
			t.Fatal("group tombstone for a generation-0 group")
		}
	}
}

func TestStableGroupKeepsSubscribedOffsets(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.OffsetsRetention, c.RetentionCheckInterval = time.Minute, 30*time.Second
	})
	ids, gen := h.stable("g", 1)
	h.commit("g", ids[0], gen, "", map[string]int64{"t1 0": 1, "t9 0": 2})
	for i := 0; i < 24; i++ { // two minutes, the member staying alive
		h.tick(5 * time.Second)
		if c := h.heartbeat("g", ids[0], gen); c != 0 {
			t.Fatalf("heartbeat %d", c)
		}
	}
	got, _ := h.fetchAll("g")
	if len(got) != 1 || got["t1 0"] != 1 {
		t.Fatalf("offsets %v", got)
	}
}

func TestRemoveOffsets(t *testing.T) {
	h := newHarness(t, nil)
	h.commit("a", "", -1, "", map[string]int64{"t 0": 1, "u 0": 1})
	h.c.RemoveOffsets([]TopicPartition{{"t", 0}})
	if got, _ := h.fetchAll("a"); len(got) != 1 || got["u 0"] != 1 {
		t.Fatalf("offsets %v", got)
	}
}

func TestJavaLen(t *testing.T) {
	if javaLen("a\U0001F600é") != 4 {
		t.Fatal(javaLen("a\U0001F600é"))
	}
}
