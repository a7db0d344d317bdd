package group

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestErrorCodesMatchKafka(t *testing.T) {
	for _, tc := range []struct {
		code int16
		err  *kerr.Error
	}{
		{codeUnknownServerError, kerr.UnknownServerError},
		{codeUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
		{codeRequestTimedOut, kerr.RequestTimedOut},
		{codeOffsetMetadataTooLarge, kerr.OffsetMetadataTooLarge},
		{codeCoordinatorLoadInProgress, kerr.CoordinatorLoadInProgress},
		{codeCoordinatorNotAvailable, kerr.CoordinatorNotAvailable},
		{codeNotCoordinator, kerr.NotCoordinator},
		{codeIllegalGeneration, kerr.IllegalGeneration},
		{codeInconsistentGroupProtocol, kerr.InconsistentGroupProtocol},
		{codeInvalidGroupID, kerr.InvalidGroupID},
		{codeUnknownMemberID, kerr.UnknownMemberID},
		{codeInvalidSessionTimeout, kerr.InvalidSessionTimeout},
		{codeRebalanceInProgress, kerr.RebalanceInProgress},
		{codeInvalidCommitOffsetSize, kerr.InvalidCommitOffsetSize},
		{codeInvalidRequest, kerr.InvalidRequest},
		{codeNonEmptyGroup, kerr.NonEmptyGroup},
		{codeGroupIDNotFound, kerr.GroupIDNotFound},
		{codeMemberIDRequired, kerr.MemberIDRequired},
		{codeGroupMaxSizeReached, kerr.GroupMaxSizeReached},
		{codeFencedInstanceID, kerr.FencedInstanceID},
		{codeGroupSubscribedToTopic, kerr.GroupSubscribedToTopic},
		{codeUnstableOffsetCommit, kerr.UnstableOffsetCommit},
	} {
		if tc.code != tc.err.Code {
			t.Errorf("%s: %d != %d", tc.err.Message, tc.code, tc.err.Code)
		}
	}
}

func TestListAndDescribeStates(t *testing.T) {
	h := newHarness(t, nil)
	h.stable("stable", 1)
	h.commit("empty", "", -1, "", map[string]int64{"t 0": 1})
	h.joinNew("preparing", "range")
	list := func(states ...string) []string {
		req := kmsg.NewPtrListGroupsRequest()
		req.Version, req.StatesFilter = 4, states
		resp := h.c.ListGroups(req, 4)
		if resp.ErrorCode != 0 {
			t.Fatalf("list error %d", resp.ErrorCode)
		}
		var out []string
		for _, g := range resp.Groups {
			out = append(out, g.Group+"="+g.GroupState+"/"+g.ProtocolType)
		}
		return out
	}
	if got := strings.Join(list(), ","); got != "empty=Empty/,preparing=PreparingRebalance/consumer,stable=Stable/consumer" {
		t.Fatalf("all: %s", got)
	}
	if got := strings.Join(list("Stable", "Empty"), ","); got != "empty=Empty/,stable=Stable/consumer" {
		t.Fatalf("filtered: %s", got)
	}
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Version, req.Groups = 5, []string{"preparing", "missing", "empty"}
	resp := h.c.DescribeGroups(req, 5)
	p, m, e := resp.Groups[0], resp.Groups[1], resp.Groups[2]
	if p.State != "PreparingRebalance" || p.Protocol != "" || len(p.Members) != 1 || len(p.Members[0].ProtocolMetadata) != 0 {
		t.Fatalf("preparing: %+v", p)
	}
	if m.ErrorCode != 0 || m.State != "Dead" || len(m.Members) != 0 || m.AuthorizedOperations != -2147483648 {
		t.Fatalf("missing: %+v", m)
	}
	if e.State != "Empty" || e.ProtocolType != "" {
		t.Fatalf("empty: %+v", e)
	}
	h.c.Unload(h.c.PartitionFor("stable"))
	if d := h.describe("stable"); d.ErrorCode != codeNotCoordinator || d.State != "" {
		t.Fatalf("unloaded: %+v", d)
	}
}

func TestDeleteGroups(t *testing.T) {
	h := newHarness(t, nil)
	ids, gen := h.stable("live", 1)
	h.commit("live", ids[0], gen, "", map[string]int64{"t 0": 1})
	h.commit("idle", "", -1, "", map[string]int64{"t 0": 1, "t 1": 2})
	// A group that had generations and is Empty now.
	ids2, _ := h.stable("was", 1)
	h.leave("was", ids2[0])
	req := kmsg.NewPtrDeleteGroupsRequest()
	req.Version, req.Groups = 2, []string{"idle", "live", "nope", "was", "idle"}
	resp := h.c.DeleteGroups(req, 2)
	want := []int16{0, codeNonEmptyGroup, codeGroupIDNotFound, 0}
	if len(resp.Groups) != len(want) {
		t.Fatalf("%+v", resp)
	}
	for i, g := range resp.Groups {
		if g.ErrorCode != want[i] {
			t.Errorf("%s: %d want %d", g.Group, g.ErrorCode, want[i])
		}
	}
	if st := h.state("idle"); st != "Dead" {
		t.Fatalf("idle %s", st)
	}
	if got, _ := h.fetchAll("idle"); len(got) != 0 {
		t.Fatalf("idle offsets %v", got)
	}
	// Tombstones: two offsets for idle (generation 0: no group tombstone),
	// the group key for "was".
	var idleTomb, wasTomb int
	for p := int32(0); p < 50; p++ {
		for _, r := range h.store.records(p) {
			k, _ := DecodeKey(r.Key)
			if r.Value == nil && k.Group == "idle" {
				idleTomb++
				if !k.IsOffsetCommit() {
					t.Fatal("group tombstone for idle")
				}
			}
			if r.Value == nil && k.Group == "was" && !k.IsOffsetCommit() {
				wasTomb++
			}
		}
	}
	if idleTomb != 2 || wasTomb != 1 {
		t.Fatalf("tombstones idle=%d was=%d", idleTomb, wasTomb)
	}
	// Empty group id is allowed for DeleteGroups (and not found).
	req.Groups = []string{""}
	if r := h.c.DeleteGroups(req, 2); r.Groups[0].ErrorCode != codeGroupIDNotFound {
		t.Fatalf("empty id %+v", r)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxSize = 1 })
	code := func(r *joinReply) int16 { return r.resp.ErrorCode }
	if c := code(h.join("", "", "range")); c != codeInvalidGroupID {
		t.Errorf("empty group id: %d", c)
	}
	req := joinReq("g", "", nil, "range")
	req.SessionTimeoutMillis = 5999
	if c := code(h.joinReq(req)); c != codeInvalidSessionTimeout {
		t.Errorf("session timeout: %d", c)
	}
	req.SessionTimeoutMillis = 1800001
	if c := code(h.joinReq(req)); c != codeInvalidSessionTimeout {
		t.Errorf("session timeout: %d", c)
	}
	if c := code(h.join("g", "")); c != codeInconsistentGroupProtocol {
		t.Errorf("no protocols: %d", c)
	}
	req = joinReq("g", "", nil, "range")
	req.ProtocolType = ""
	if c := code(h.joinReq(req)); c != codeInconsistentGroupProtocol {
		t.Errorf("empty protocol type: %d", c)
	}
	if c := code(h.join("g2", "made-up", "range")); c != codeUnknownMemberID {
		t.Errorf("known id, unknown group: %d", c)
	}
	ids, gen := h.stable("g", 1)
	// group.max.size = 1
	if r := h.join("g", "", "range"); r.resp.ErrorCode != codeGroupMaxSizeReached || r.resp.MemberID != "" {
		t.Errorf("max size: %+v", r.resp)
	}
	req = joinReq("g", ids[0], nil, "range")
	req.ProtocolType = "connect"
	if c := code(h.joinReq(req)); c != codeInconsistentGroupProtocol {
		t.Errorf("other protocol type: %d", c)
	}
	if c := code(h.join("g", ids[0], "roundrobin")); c != codeInconsistentGroupProtocol {
		t.Errorf("unsupported protocol: %d", c)
	}
	// SyncGroup
	s := h.syncReq(&kmsg.SyncGroupRequest{Version: 5, Group: "g", MemberID: ids[0], Generation: gen})
	if s.resp.ErrorCode != codeInconsistentGroupProtocol {
		t.Errorf("v5 sync without protocol: %+v", s.resp)
	}
	if s := h.sync("g", ids[0], gen+5, nil); s.resp.ErrorCode != codeIllegalGeneration {
		t.Errorf("sync generation: %+v", s.resp)
	}
	if s := h.sync("g", "nobody", gen, nil); s.resp.ErrorCode != codeUnknownMemberID {
		t.Errorf("sync member: %+v", s.resp)
	}
	if s := h.sync("nope", "nobody", gen, nil); s.resp.ErrorCode != codeUnknownMemberID {
		t.Errorf("sync group: %+v", s.resp)
	}
	h.protocol = "roundrobin"
	if s := h.sync("g", ids[0], gen, nil); s.resp.ErrorCode != codeInconsistentGroupProtocol {
		t.Errorf("sync protocol: %+v", s.resp)
	}
	// Heartbeat
	for _, tc := range []struct {
		group, member string
		gen           int32
		want          int16
	}{
		{"g", ids[0], gen + 1, codeIllegalGeneration},
		{"g", "nobody", gen, codeUnknownMemberID},
		{"nope", ids[0], gen, codeUnknownMemberID},
		{"", ids[0], gen, codeInvalidGroupID},
	} {
		if c := h.heartbeat(tc.group, tc.member, tc.gen); c != tc.want {
			t.Errorf("heartbeat %+v: %d", tc, c)
		}
	}
	// Unowned partition.
	h.c.Unload(h.c.PartitionFor("g"))
	if c := h.heartbeat("g", ids[0], gen); c != codeNotCoordinator {
		t.Errorf("unloaded heartbeat %d", c)
	}
	if c := code(h.join("g", "", "range")); c != codeNotCoordinator {
		t.Errorf("unloaded join %d", c)
	}
}

func TestFindCoordinator(t *testing.T) {
	lookup := func(keyType int8, key string) CoordinatorNode {
		if key == "down" {
			return CoordinatorNode{ErrorCode: codeCoordinatorNotAvailable, NodeID: 9}
		}
		return CoordinatorNode{NodeID: PartitionFor(key, 50), Host: "h", Port: 9092}
	}
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.Version, req.CoordinatorKey = 3, "burrow"
	r := FindCoordinator(req, 3, lookup)
	if r.ErrorCode != 0 || *r.ErrorMessage != "NONE" || r.NodeID != 3 || r.Host != "h" || r.Port != 9092 {
		t.Fatalf("v3 %+v", r)
	}
	req.CoordinatorKey = "down"
	r = FindCoordinator(req, 3, lookup)
	if r.ErrorCode != codeCoordinatorNotAvailable || *r.ErrorMessage != "The coordinator is not available." || r.NodeID != -1 || r.Port != -1 {
		t.Fatalf("v3 error %+v", r)
	}
	req.Version, req.CoordinatorKeys = 4, []string{"burrow", "down"}
	r = FindCoordinator(req, 4, lookup)
	if len(r.Coordinators) != 2 || r.Coordinators[0].NodeID != 3 || r.Coordinators[0].ErrorMessage != nil ||
		r.Coordinators[1].ErrorCode != codeCoordinatorNotAvailable || r.Coordinators[1].Key != "down" {
		t.Fatalf("v4 %+v", r)
	}
	req.CoordinatorType = 7
	r = FindCoordinator(req, 4, lookup)
	if r.Coordinators[0].ErrorCode != codeInvalidRequest {
		t.Fatalf("bad key type %+v", r)
	}
}

func TestLoadInProgressAndUnload(t *testing.T) {
	h := newHarness(t, nil)
	id, r := h.joinNew("g", "range")
	p := h.c.PartitionFor("g")
	h.c.Unload(p)
	if !r.done() || r.resp.ErrorCode != codeNotCoordinator {
		t.Fatalf("parked join on unload: %+v", r.resp)
	}
	// During a load the partition answers LOAD_IN_PROGRESS (Heartbeat
	// NONE, SyncGroup REBALANCE_IN_PROGRESS); the iterator runs without
	// the coordinator's lock.
	checked := false
	h.c.Load(p, func(yield func(Record) bool) {
		if c := h.join("g", "", "range").resp.ErrorCode; c != codeCoordinatorLoadInProgress {
			t.Errorf("join during load %d", c)
		}
		if c := h.heartbeat("g", id, 1); c != 0 {
			t.Errorf("heartbeat during load %d", c)
		}
		if s := h.sync("g", id, 1, nil); s.resp.ErrorCode != codeRebalanceInProgress {
			t.Errorf("sync during load %d", s.resp.ErrorCode)
		}
		if resp := h.c.ListGroups(kmsg.NewPtrListGroupsRequest(), 4); resp.ErrorCode != codeCoordinatorLoadInProgress {
			t.Errorf("list during load %d", resp.ErrorCode)
		}
		if h.c.Owned(p) {
			t.Error("owned while loading")
		}
		checked = true
	})
	if !checked || !h.c.Owned(p) {
		t.Fatal("load did not run")
	}
	// Unload during load discards the result.
	h.c.Unload(p)
	h.c.Load(p, func(yield func(Record) bool) { h.c.Unload(p) })
	if h.c.Owned(p) {
		t.Fatal("owned after unload during load")
	}
}
