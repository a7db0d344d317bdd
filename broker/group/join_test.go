package group

import (
	"bytes"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestTwoStepJoinAndSync(t *testing.T) {
	h := newHarness(t, nil)
	first := h.join("g", "", "range")
	if first.resp.ErrorCode != codeMemberIDRequired || first.resp.MemberID != "client-uuid1" || first.resp.Generation != -1 {
		t.Fatalf("first join: %+v", first.resp)
	}
	if first.resp.Protocol != nil { // v7: null protocol name
		t.Fatalf("protocol %v", *first.resp.Protocol)
	}
	second := h.join("g", "client-uuid1", "range")
	if second.done() {
		t.Fatal("second join answered before the initial rebalance delay")
	}
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
	if d, _ := h.c.NextDeadline(); !d.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("next deadline %v", d)
	}
	h.tick(2999 * time.Millisecond)
	if second.done() {
		t.Fatal("answered early")
	}
	h.tick(time.Millisecond)
	r := second.resp
	if r == nil || r.ErrorCode != 0 || r.Generation != 1 || r.LeaderID != "client-uuid1" || r.MemberID != "client-uuid1" ||
		*r.Protocol != "range" || *r.ProtocolType != "consumer" || len(r.Members) != 1 {
		t.Fatalf("join response: %+v", r)
	}
	if st := h.state("g"); st != "CompletingRebalance" {
		t.Fatalf("state %s", st)
	}
	s := h.sync("g", "client-uuid1", 1, map[string][]byte{"client-uuid1": []byte("A")})
	if s.resp == nil || s.resp.ErrorCode != 0 || string(s.resp.MemberAssignment) != "A" || *s.resp.Protocol != "range" {
		t.Fatalf("sync: %+v", s.resp)
	}
	d := h.describe("g")
	if d.State != "Stable" || d.Protocol != "range" || d.ProtocolType != "consumer" || len(d.Members) != 1 ||
		string(d.Members[0].MemberAssignment) != "A" || d.Members[0].ClientHost != "/127.0.0.1" ||
		!bytes.Equal(d.Members[0].ProtocolMetadata, subscription("t1", "t2")) {
		t.Fatalf("describe: %+v", d)
	}
	// The group record was written: key v2, value v3 with the assignment.
	recs := h.store.records(h.c.PartitionFor("g"))
	last := recs[len(recs)-1]
	v, err := DecodeGroupMetadataValue(last.Value)
	if err != nil || v.Generation != 1 || *v.Protocol != "range" || string(v.Members[0].Assignment) != "A" ||
		v.Members[0].RebalanceTimeout != 60000 || v.Members[0].SessionTimeout != 10000 || v.Members[0].ClientHost != "/127.0.0.1" {
		t.Fatalf("group record %+v %v", v, err)
	}
	if h.heartbeat("g", "client-uuid1", 1) != 0 {
		t.Fatal("heartbeat")
	}
}

func TestProtocolSelectionAndInitialDelayExtension(t *testing.T) {
	h := newHarness(t, nil)
	id1, r1 := h.joinNew("g", "range", "roundrobin")
	h.clock.advance(time.Second)
	id2, r2 := h.joinNew("g", "roundrobin", "range")
	h.clock.advance(time.Second)
	id3, r3 := h.joinNew("g", "roundrobin", "sticky", "range")
	// Initial delay 3 s from the first join; new members extend it once more.
	h.tick(time.Second) // t0+3s
	if r1.done() {
		t.Fatal("completed although members kept arriving")
	}
	h.tick(3 * time.Second) // t0+6s
	for i, r := range []*joinReply{r1, r2, r3} {
		if !r.done() || r.resp.ErrorCode != 0 || *r.resp.Protocol != "roundrobin" || r.resp.Generation != 1 {
			t.Fatalf("member %d: %+v", i, r.resp)
		}
	}
	if r1.resp.LeaderID != id1 || len(r1.resp.Members) != 3 || len(r2.resp.Members) != 0 || len(r3.resp.Members) != 0 {
		t.Fatalf("leader view: %+v", r1.resp)
	}
	// Followers' syncs wait for the leader.
	h.protocol = "roundrobin"
	s2 := h.sync("g", id2, 1, nil)
	s3 := h.sync("g", id3, 1, nil)
	if s2.resp != nil || s3.resp != nil {
		t.Fatal("follower sync answered before the leader's")
	}
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID, req.Generation = 5, "g", id1, 1
	req.ProtocolType, req.Protocol = strp("consumer"), strp("roundrobin")
	for _, id := range []string{id1, id2} { // id3 missing: empty assignment
		a := kmsg.NewSyncGroupRequestGroupAssignment()
		a.MemberID, a.MemberAssignment = id, []byte("to-"+id)
		req.GroupAssignment = append(req.GroupAssignment, a)
	}
	s1 := h.syncReq(req)
	if s1.resp.ErrorCode != 0 || string(s1.resp.MemberAssignment) != "to-"+id1 ||
		string(s2.resp.MemberAssignment) != "to-"+id2 || s3.resp.ErrorCode != 0 || len(s3.resp.MemberAssignment) != 0 {
		t.Fatalf("syncs: %+v %+v %+v", s1.resp, s2.resp, s3.resp)
	}
}

func TestInitialDelayCappedByRebalanceTimeout(t *testing.T) {
	h := newHarness(t, nil)
	req := joinReq("g", "", nil, "range")
	req.RebalanceTimeoutMillis = 5000
	first := h.joinReq(req)
	req.MemberID = first.resp.MemberID
	r := h.joinReq(req)
	// 3 s initial delay, remaining budget 2 s; a new member extends by 2 s.
	h.clock.advance(time.Second)
	req2 := joinReq("g", "", nil, "range")
	req2.RebalanceTimeoutMillis = 5000
	req2.MemberID = h.joinReq(req2).resp.MemberID
	r2 := h.joinReq(req2)
	h.tick(2 * time.Second) // t0+3s: extend to t0+5s (min(3, 2))
	if r.done() {
		t.Fatal("not extended")
	}
	if d, _ := h.c.NextDeadline(); !d.Equal(t0.Add(5 * time.Second)) {
		t.Fatalf("deadline %v", d)
	}
	h.tick(2 * time.Second)
	if !r.done() || !r2.done() || r.resp.Generation != 1 {
		t.Fatalf("not completed: %+v", r.resp)
	}
}

func TestLeaveTriggersRebalance(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	resp := h.leave("g", ids[1], "nobody")
	if resp.ErrorCode != 0 || len(resp.Members) != 2 || resp.Members[0].ErrorCode != 0 || resp.Members[1].ErrorCode != codeUnknownMemberID {
		t.Fatalf("leave: %+v", resp)
	}
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
	if code := h.heartbeat("g", ids[0], gen); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat %d", code)
	}
	// Commits are still allowed from the previous generation.
	if c := h.commit("g", ids[0], gen, "", map[string]int64{"t1 0": 5}); c["t1 0"] != 0 {
		t.Fatalf("commit during PreparingRebalance: %v", c)
	}
	// The only remaining member rejoins: the rebalance completes at once.
	r := h.join("g", ids[0], "range")
	if !r.done() || r.resp.Generation != gen+1 || len(r.resp.Members) != 1 || r.resp.LeaderID != ids[0] {
		t.Fatalf("rejoin: %+v", r.resp)
	}
	// Everyone leaves: the group becomes Empty and writes that.
	h.sync("g", ids[0], gen+1, map[string][]byte{ids[0]: []byte("x")})
	h.leave("g", ids[0])
	// No member left to wait for: the rebalance completes at once.
	if st := h.state("g"); st != "Empty" {
		t.Fatalf("state %s", st)
	}
	recs := h.store.records(h.c.PartitionFor("g"))
	v, err := DecodeGroupMetadataValue(recs[len(recs)-1].Value)
	if err != nil || len(v.Members) != 0 || v.Generation != gen+2 || v.Protocol != nil || v.Leader != nil {
		t.Fatalf("empty record %+v %v", v, err)
	}
}

func TestLeaveV0AndByInstance(t *testing.T) {
	h := newHarness(t, nil)
	ids, _ := h.stable("g", 1)
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group, req.MemberID = 1, "g", "unknown"
	if resp := h.c.LeaveGroup(req, 1); resp.ErrorCode != codeUnknownMemberID || resp.Members != nil {
		t.Fatalf("v1 leave: %+v", resp)
	}
	req.MemberID = ids[0]
	if resp := h.c.LeaveGroup(req, 1); resp.ErrorCode != 0 {
		t.Fatalf("v1 leave: %+v", resp)
	}
	// Static member removed by instance id alone (admin removal).
	sreq := joinReq("s", "", strp("inst"), "range")
	r := h.joinReq(sreq)
	h.tick(3 * time.Second)
	if !r.done() || r.resp.ErrorCode != 0 {
		t.Fatalf("static join %+v", r.resp)
	}
	lreq := kmsg.NewPtrLeaveGroupRequest()
	lreq.Version, lreq.Group = 4, "s"
	m := kmsg.NewLeaveGroupRequestMember()
	m.InstanceID = strp("inst")
	lreq.Members = append(lreq.Members, m)
	if resp := h.c.LeaveGroup(lreq, 4); resp.Members[0].ErrorCode != 0 || *resp.Members[0].InstanceID != "inst" {
		t.Fatalf("leave by instance: %+v", resp)
	}
	if resp := h.c.LeaveGroup(lreq, 4); resp.Members[0].ErrorCode != codeUnknownMemberID {
		t.Fatalf("second leave by instance: %+v", resp)
	}
}

func TestSessionExpiry(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	h.tick(5 * time.Second)
	if h.heartbeat("g", ids[0], gen) != 0 {
		t.Fatal("heartbeat")
	}
	h.tick(4999 * time.Millisecond)
	if st := h.state("g"); st != "Stable" {
		t.Fatalf("expired early: %s", st)
	}
	h.tick(time.Millisecond) // member 2's session (10 s) is over
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
	if code := h.heartbeat("g", ids[1], gen); code != codeUnknownMemberID {
		t.Fatalf("expired member heartbeat %d", code)
	}
	if code := h.heartbeat("g", ids[0], gen); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat %d", code)
	}
	r := h.join("g", ids[0], "range")
	if !r.done() || r.resp.Generation != gen+1 || len(r.resp.Members) != 1 {
		t.Fatalf("rejoin %+v", r.resp)
	}
}

func TestRebalanceTimeoutDropsMembersThatDidNotRejoin(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	// The leader rejoins (forcing a rebalance); the follower keeps
	// heartbeating but never rejoins.
	r := h.join("g", ids[0], "range")
	if r.done() {
		t.Fatal("completed without the follower")
	}
	for i := 0; i < 11; i++ {
		h.tick(5 * time.Second)
		if code := h.heartbeat("g", ids[1], gen); code != codeRebalanceInProgress && i < 11 && !r.done() {
			t.Fatalf("follower heartbeat %d", code)
		}
	}
	h.tick(5 * time.Second) // 60 s rebalance timeout
	if !r.done() || r.resp.Generation != gen+1 || len(r.resp.Members) != 1 {
		t.Fatalf("join after rebalance timeout: %+v", r.resp)
	}
	if code := h.heartbeat("g", ids[1], gen); code != codeUnknownMemberID {
		t.Fatalf("dropped member heartbeat %d", code)
	}
}

func TestPendingMemberExpires(t *testing.T) {
	h := newHarness(t, nil)
	ids, _ := h.stable("g", 1)
	first := h.join("g", "", "range") // never comes back
	pending := first.resp.MemberID
	r := h.join("g", ids[0], "range") // leader rejoin: waits for the pending member
	if r.done() {
		t.Fatal("completed while a member is pending")
	}
	h.tick(10 * time.Second) // pending member's session timeout
	if !r.done() || r.resp.ErrorCode != 0 || len(r.resp.Members) != 1 {
		t.Fatalf("join: %+v", r.resp)
	}
	if r2 := h.join("g", pending, "range"); r2.resp.ErrorCode != codeUnknownMemberID {
		t.Fatalf("expired pending member: %+v", r2.resp)
	}
}

func TestPendingSyncExpiry(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	r0 := h.join("g", ids[0], "range")
	r1 := h.join("g", ids[1], "range")
	if !r0.done() || !r1.done() {
		t.Fatal("rebalance did not complete")
	}
	// Only the leader syncs; the follower never does.
	s := h.sync("g", ids[0], gen+1, map[string][]byte{ids[0]: []byte("a"), ids[1]: []byte("b")})
	if s.resp == nil || s.resp.ErrorCode != 0 {
		t.Fatalf("leader sync %+v", s.resp)
	}
	if st := h.state("g"); st != "Stable" {
		t.Fatalf("state %s", st)
	}
	for i := 0; i < 12; i++ { // both keep their sessions alive
		if st := h.state("g"); st != "Stable" {
			t.Fatalf("state %s after %d s", st, 5*i)
		}
		h.tick(5 * time.Second)
		h.heartbeat("g", ids[0], gen+1)
		h.heartbeat("g", ids[1], gen+1)
	}
	// 60 s (the rebalance timeout) after the join completed the follower
	// that never synced is removed.
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
	if code := h.heartbeat("g", ids[1], gen+1); code != codeUnknownMemberID {
		t.Fatalf("follower %d", code)
	}
}

func TestStaticMembership(t *testing.T) {
	h := newHarness(t, nil)
	req := joinReq("g", "", strp("i1"), "range")
	r := h.joinReq(req) // static: no MEMBER_ID_REQUIRED
	if r.done() {
		t.Fatalf("static join answered at once: %+v", r.resp)
	}
	h.tick(3 * time.Second)
	old := r.resp.MemberID
	if r.resp.ErrorCode != 0 || old != "i1-uuid1" || r.resp.LeaderID != old || r.resp.Members[0].InstanceID == nil {
		t.Fatalf("join %+v", r.resp)
	}
	h.sync("g", old, 1, map[string][]byte{old: []byte("mine")})

	// Restart: same instance id, unknown member id. No rebalance; the old
	// leader id is returned so the member does not re-assign.
	r2 := h.joinReq(joinReq("g", "", strp("i1"), "range"))
	if !r2.done() || r2.resp.ErrorCode != 0 || r2.resp.Generation != 1 || r2.resp.MemberID == old ||
		r2.resp.LeaderID != old || len(r2.resp.Members) != 0 {
		t.Fatalf("restart join %+v", r2.resp)
	}
	if st := h.state("g"); st != "Stable" {
		t.Fatalf("state %s", st)
	}
	newID := r2.resp.MemberID
	// The old instance is fenced.
	hb := kmsg.NewPtrHeartbeatRequest()
	hb.Version, hb.Group, hb.MemberID, hb.Generation, hb.InstanceID = 4, "g", old, 1, strp("i1")
	if code := h.c.Heartbeat(hb, 4).ErrorCode; code != codeFencedInstanceID {
		t.Fatalf("old instance heartbeat %d", code)
	}
	hb.MemberID = newID
	if code := h.c.Heartbeat(hb, 4).ErrorCode; code != 0 {
		t.Fatalf("new instance heartbeat %d", code)
	}
	s := h.syncReq(&kmsg.SyncGroupRequest{Version: 5, Group: "g", MemberID: newID, Generation: 1, InstanceID: strp("i1"),
		ProtocolType: strp("consumer"), Protocol: strp("range")})
	if s.resp.ErrorCode != 0 || string(s.resp.MemberAssignment) != "mine" {
		t.Fatalf("sync after restart: %+v", s.resp)
	}
	// The new member id was persisted.
	recs := h.store.records(h.c.PartitionFor("g"))
	v, _ := DecodeGroupMetadataValue(recs[len(recs)-1].Value)
	if v.Members[0].MemberID != newID || *v.Members[0].GroupInstanceID != "i1" || string(v.Members[0].Assignment) != "mine" {
		t.Fatalf("record %+v", v)
	}
	// Old member id with the instance id joining: fenced.
	old2 := h.joinReq(joinReq("g", old, strp("i1"), "range"))
	if old2.resp.ErrorCode != codeFencedInstanceID {
		t.Fatalf("fenced join %+v", old2.resp)
	}
	// A static member changing the selected protocol forces a rebalance
	// (which completes at once: it is the only member).
	r3 := h.joinReq(joinReq("g", "", strp("i1"), "roundrobin", "range"))
	if !r3.done() || r3.resp.Generation != 2 || *r3.resp.Protocol != "roundrobin" || h.state("g") != "CompletingRebalance" {
		t.Fatalf("protocol change: %+v %s", r3.resp, h.state("g"))
	}
}

func TestStaticMemberFencedWhileParked(t *testing.T) {
	h := newHarness(t, nil)
	r := h.joinReq(joinReq("g", "", strp("i1"), "range"))
	if r.done() {
		t.Fatal("answered")
	}
	// A second process with the same instance id joins while the first
	// waits: the first is fenced.
	r2 := h.joinReq(joinReq("g", "", strp("i1"), "range"))
	if !r.done() || r.resp.ErrorCode != codeFencedInstanceID {
		t.Fatalf("first: %+v", r.resp)
	}
	h.tick(3 * time.Second)
	if !r2.done() || r2.resp.ErrorCode != 0 || r2.resp.MemberID != "i1-uuid2" {
		t.Fatalf("second: %+v", r2.resp)
	}
}

func TestFollowerRejoinDuringCompletingGetsSameAnswer(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	h.join("g", ids[0], "range")
	h.join("g", ids[1], "range")
	// Lost JoinGroup response: the same metadata gets the current answer.
	again := h.join("g", ids[0], "range")
	if !again.done() || again.resp.Generation != gen+1 || len(again.resp.Members) != 2 {
		t.Fatalf("rejoin during CompletingRebalance: %+v", again.resp)
	}
	// Stable follower with unchanged metadata: current generation, no rebalance.
	h.sync("g", ids[1], gen+1, nil)
	h.sync("g", ids[0], gen+1, map[string][]byte{ids[0]: {1}, ids[1]: {2}})
	f := h.join("g", ids[1], "range")
	if !f.done() || f.resp.Generation != gen+1 || h.state("g") != "Stable" {
		t.Fatalf("follower rejoin in Stable: %+v", f.resp)
	}
	// Sync in Stable returns the stored assignment.
	s := h.sync("g", ids[1], gen+1, nil)
	if s.resp.ErrorCode != 0 || !bytes.Equal(s.resp.MemberAssignment, []byte{2}) {
		t.Fatalf("stable sync %+v", s.resp)
	}
}

func TestSyncStoreFailure(t *testing.T) {
	h := newHarness(t, nil)
	id, r := h.joinNew("g", "range")
	h.tick(3 * time.Second)
	if !r.done() {
		t.Fatal("no join")
	}
	h.store.failNext = ErrStoreNotLeader
	s := h.sync("g", id, 1, map[string][]byte{id: {1}})
	if s.resp == nil || s.resp.ErrorCode != codeNotCoordinator || s.resp.Protocol != nil {
		t.Fatalf("sync %+v", s.resp)
	}
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
}

func TestAsyncStoreCompletesLater(t *testing.T) {
	h := newHarness(t, nil)
	id, r := h.joinNew("g", "range")
	h.tick(3 * time.Second)
	if !r.done() {
		t.Fatal("no join")
	}
	h.store.hold = true
	s := h.sync("g", id, 1, map[string][]byte{id: {1}})
	if s.resp != nil {
		t.Fatal("sync answered before the append completed")
	}
	if st := h.state("g"); st != "CompletingRebalance" {
		t.Fatalf("state %s", st)
	}
	h.store.release()
	if s.resp == nil || s.resp.ErrorCode != 0 || h.state("g") != "Stable" {
		t.Fatalf("after release: %+v", s.resp)
	}
}

func TestWakeup(t *testing.T) {
	h := newHarness(t, nil)
	h.c.NextDeadline() // owner waits for the offset cleanup (10 min)
	select {
	case <-h.c.Wakeup():
	default:
	}
	h.joinNew("g", "range") // arms a 3 s timer
	select {
	case <-h.c.Wakeup():
	default:
		t.Fatal("no wakeup for an earlier deadline")
	}
	if d, ok := h.c.NextDeadline(); !ok || !d.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("deadline %v", d)
	}
}

func TestOldJoinVersions(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.InitialRebalanceDelay = 0 })
	// v3: no MEMBER_ID_REQUIRED step; v0: rebalance timeout = session timeout.
	req := joinReq("g", "", nil, "range")
	req.Version = 0
	req.RebalanceTimeoutMillis = -1
	r := h.joinReq(req)
	if r.done() {
		t.Fatalf("v0 join answered before the (zero) initial delay fired: %+v", r.resp)
	}
	h.tick(0)
	if !r.done() || r.resp.ErrorCode != 0 || r.resp.Generation != 1 || r.resp.Protocol == nil || *r.resp.Protocol != "range" {
		t.Fatalf("v0 join %+v", r.resp)
	}
	h.c.lock()
	rt := h.c.groups["g"].members[r.resp.MemberID].rebalanceTimeout
	h.c.unlock()
	if rt != 10000 {
		t.Fatalf("v0 rebalance timeout %d", rt)
	}
	// v6 error responses carry "" as the protocol name (non-nullable).
	req = joinReq("", "", nil, "range")
	req.Version = 6
	if r := h.joinReq(req); r.resp.Protocol == nil || *r.resp.Protocol != "" || r.resp.ErrorCode != codeInvalidGroupID {
		t.Fatalf("v6 error %+v", r.resp)
	}
}

func TestCommitV1TimestampAndDuplicates(t *testing.T) {
	h := newHarness(t, nil)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group = 1, "g"
	req.Topics = []kmsg.OffsetCommitRequestTopic{
		{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1, Timestamp: 1234}}},
		{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 2, Timestamp: 1234}}},
	}
	var resp *kmsg.OffsetCommitResponse
	h.c.OffsetCommit(req, 1, func(r *kmsg.OffsetCommitResponse) { resp = r })
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("%+v", resp)
	}
	recs := h.store.records(h.c.PartitionFor("g"))
	v, _ := DecodeOffsetCommitValue(recs[len(recs)-1].Value)
	if len(recs) != 1 || v.Offset != 2 || v.CommitTimestamp != 1234 || v.LeaderEpoch != -1 {
		t.Fatalf("%d records, %+v", len(recs), v)
	}
}

func TestLeaderFailsToRejoin(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("g", 2)
	// The follower rejoins with new metadata; the leader keeps
	// heartbeating but never rejoins.
	req := joinReq("g", ids[1], nil, "range")
	req.Protocols[0].Metadata = subscription("t3")
	r := h.joinReq(req)
	for i := 0; i < 12; i++ {
		if r.done() {
			break
		}
		h.tick(5 * time.Second)
		h.heartbeat("g", ids[0], gen)
	}
	if !r.done() || r.resp.ErrorCode != 0 || r.resp.LeaderID != ids[1] || len(r.resp.Members) != 1 {
		t.Fatalf("follower elected leader: %+v", r.resp)
	}
}

func TestStaticMemberThatDoesNotRejoinDelaysRebalance(t *testing.T) {
	h := newHarness(t, nil)
	sreq := joinReq("g", "", strp("i1"), "range")
	sreq.SessionTimeoutMillis = 100000
	rs := h.joinReq(sreq)
	id2, rd := h.joinNew("g", "range")
	h.tick(3 * time.Second)
	h.tick(3 * time.Second)
	if !rs.done() || !rd.done() {
		t.Fatalf("joins %+v %+v", rs.resp, rd.resp)
	}
	sid := rs.resp.MemberID
	h.sync("g", id2, 1, nil)
	h.sync("g", sid, 1, map[string][]byte{sid: {1}, id2: {2}})
	h.leave("g", id2)
	// The static member neither rejoins nor heartbeats: at the rebalance
	// timeout nobody rejoined, so the coordinator waits another round; its
	// session (100 s) then expires and the group empties.
	h.tick(60 * time.Second)
	if st := h.state("g"); st != "PreparingRebalance" {
		t.Fatalf("state %s", st)
	}
	if d, _ := h.c.NextDeadline(); !d.Equal(t0.Add(106 * time.Second)) {
		t.Fatalf("next deadline %v", d.Sub(t0))
	}
	h.tick(40 * time.Second)
	if st := h.state("g"); st != "Empty" {
		t.Fatalf("state %s", st)
	}
}

func TestStaticRejoinStoreFailure(t *testing.T) {
	h := newHarness(t, nil)
	r := h.joinReq(joinReq("g", "", strp("i1"), "range"))
	h.tick(3 * time.Second)
	old := r.resp.MemberID
	h.sync("g", old, 1, map[string][]byte{old: []byte("A")})
	h.store.failNext = ErrStoreTimeout
	r2 := h.joinReq(joinReq("g", "", strp("i1"), "range"))
	if !r2.done() || r2.resp.ErrorCode != codeRebalanceInProgress || r2.resp.MemberID != "" || r2.resp.LeaderID != old {
		t.Fatalf("rejoin with failed store: %+v", r2.resp)
	}
	// The old member id is restored.
	if c := h.heartbeat("g", old, 1); c != 0 {
		t.Fatalf("old member heartbeat %d", c)
	}
}
