package group

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// memStore is an in-memory Store: records per partition with offsets. In
// hold mode completions queue until release; failNext fails appends.
type memStore struct {
	mu       sync.Mutex
	parts    map[int32][]Record
	hold     bool
	held     []func()
	failNext error
}

func newMemStore() *memStore { return &memStore{parts: map[int32][]Record{}} }

func (s *memStore) Append(p int32, recs []Record, done func(int64, error)) {
	s.mu.Lock()
	if err := s.failNext; err != nil {
		s.failNext = nil
		s.mu.Unlock()
		done(-1, err)
		return
	}
	base := int64(len(s.parts[p]))
	for i, r := range recs {
		r.Offset = base + int64(i)
		s.parts[p] = append(s.parts[p], r)
	}
	if s.hold {
		s.held = append(s.held, func() { done(base, nil) })
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	done(base, nil)
}

func (s *memStore) release() {
	s.mu.Lock()
	h := s.held
	s.held, s.hold = nil, false
	s.mu.Unlock()
	for _, f := range h {
		f()
	}
}

func (s *memStore) records(p int32) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.parts[p])
}

func (s *memStore) seq(p int32) func(func(Record) bool) {
	recs := s.records(p)
	return func(yield func(Record) bool) {
		for _, r := range recs {
			if !yield(r) {
				return
			}
		}
	}
}

type harness struct {
	protocol string // SyncGroup v5 protocol name ("range" by default)
	t        *testing.T
	c        *Coordinator
	clock    *fakeClock
	store    *memStore
	uuids    int
}

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func quietLog() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// newHarness owns every offsets partition (loaded empty).
func newHarness(t *testing.T, mod func(*Config)) *harness {
	h := &harness{t: t, clock: &fakeClock{t: t0}, store: newMemStore(), protocol: "range"}
	cfg := DefaultConfig()
	cfg.Clock, cfg.Store, cfg.Log = h.clock, h.store, quietLog()
	cfg.NewUUID = func() string { h.uuids++; return fmt.Sprintf("uuid%d", h.uuids) }
	if mod != nil {
		mod(&cfg)
	}
	h.c = NewCoordinator(cfg)
	for p := int32(0); p < int32(h.c.cfg.NumPartitions); p++ {
		h.c.Load(p, func(func(Record) bool) {})
	}
	return h
}

// tick advances the clock and fires timers.
func (h *harness) tick(d time.Duration) {
	h.c.Tick(h.clock.advance(d))
}

type joinReply struct {
	resp *kmsg.JoinGroupResponse
	n    int
}

func (r *joinReply) done() bool { return r.resp != nil }

// joinReq builds a JoinGroup v7 request for the consumer protocol.
func joinReq(group, memberID string, instance *string, protocols ...string) *kmsg.JoinGroupRequest {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version = 7
	req.Group, req.MemberID, req.InstanceID = group, memberID, instance
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 10000, 60000
	req.ProtocolType = "consumer"
	for _, p := range protocols {
		jp := kmsg.NewJoinGroupRequestProtocol()
		jp.Name, jp.Metadata = p, subscription("t1", "t2")
		req.Protocols = append(req.Protocols, jp)
	}
	return req
}

func subscription(topics ...string) []byte {
	m := kmsg.NewConsumerMemberMetadata()
	m.Version = 0
	m.Topics = topics
	return m.AppendTo(nil)
}

func (h *harness) joinReq(req *kmsg.JoinGroupRequest) *joinReply {
	r := &joinReply{}
	h.c.JoinGroup(req, req.Version, "client", "/127.0.0.1", func(resp *kmsg.JoinGroupResponse) {
		r.resp = resp
		r.n++
	})
	return r
}

func (h *harness) join(group, memberID string, protocols ...string) *joinReply {
	return h.joinReq(joinReq(group, memberID, nil, protocols...))
}

// joinNew does the two-step join of a new dynamic member and returns its
// member id and the parked second join.
func (h *harness) joinNew(group string, protocols ...string) (string, *joinReply) {
	h.t.Helper()
	first := h.join(group, "", protocols...)
	if !first.done() || first.resp.ErrorCode != codeMemberIDRequired {
		h.t.Fatalf("first join: %+v", first.resp)
	}
	return first.resp.MemberID, h.join(group, first.resp.MemberID, protocols...)
}

type syncReply struct {
	resp *kmsg.SyncGroupResponse
	n    int
}

func (h *harness) sync(group, memberID string, gen int32, assignments map[string][]byte) *syncReply {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version = 5
	req.Group, req.MemberID, req.Generation = group, memberID, gen
	req.ProtocolType, req.Protocol = strp("consumer"), strp(h.protocol)
	ids := make([]string, 0, len(assignments))
	for id := range assignments {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := kmsg.NewSyncGroupRequestGroupAssignment()
		a.MemberID, a.MemberAssignment = id, assignments[id]
		req.GroupAssignment = append(req.GroupAssignment, a)
	}
	return h.syncReq(req)
}

func (h *harness) syncReq(req *kmsg.SyncGroupRequest) *syncReply {
	r := &syncReply{}
	h.c.SyncGroup(req, req.Version, func(resp *kmsg.SyncGroupResponse) {
		r.resp = resp
		r.n++
	})
	return r
}

func (h *harness) heartbeat(group, memberID string, gen int32) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version = 4
	req.Group, req.MemberID, req.Generation = group, memberID, gen
	return h.c.Heartbeat(req, 4).ErrorCode
}

func (h *harness) leave(group string, memberIDs ...string) *kmsg.LeaveGroupResponse {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version = 4
	req.Group = group
	for _, id := range memberIDs {
		m := kmsg.NewLeaveGroupRequestMember()
		m.MemberID = id
		req.Members = append(req.Members, m)
	}
	return h.c.LeaveGroup(req, 4)
}

// commit commits offset o for each "topic/partition" with version 8.
func (h *harness) commit(group, memberID string, gen int32, meta string, offsets map[string]int64) map[string]int16 {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version = 8
	req.Group, req.MemberID, req.Generation = group, memberID, gen
	keys := make([]string, 0, len(offsets))
	for k := range offsets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var topic string
		var part int32
		if _, err := fmt.Sscanf(k, "%s %d", &topic, &part); err != nil {
			h.t.Fatal(err)
		}
		t := kmsg.NewOffsetCommitRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition, p.Offset, p.Metadata, p.LeaderEpoch = part, offsets[k], strp(meta), 7
		t.Partitions = append(t.Partitions, p)
		req.Topics = append(req.Topics, t)
	}
	var resp *kmsg.OffsetCommitResponse
	h.c.OffsetCommit(req, 8, func(r *kmsg.OffsetCommitResponse) { resp = r })
	if resp == nil {
		h.t.Fatal("OffsetCommit did not answer")
	}
	return commitCodes(resp)
}

func commitCodes(resp *kmsg.OffsetCommitResponse) map[string]int16 {
	out := map[string]int16{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out[fmt.Sprintf("%s %d", t.Topic, p.Partition)] = p.ErrorCode
		}
	}
	return out
}

// fetchAll is OffsetFetch v8 for all partitions of one group:
// "topic partition" -> offset (and the group error code).
func (h *harness) fetchAll(group string) (map[string]int64, int16) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = 8
	rg := kmsg.NewOffsetFetchRequestGroup()
	rg.Group = group
	req.Groups = append(req.Groups, rg)
	resp := h.c.OffsetFetch(req, 8)
	out := map[string]int64{}
	for _, t := range resp.Groups[0].Topics {
		for _, p := range t.Partitions {
			out[fmt.Sprintf("%s %d", t.Topic, p.Partition)] = p.Offset
		}
	}
	return out, resp.Groups[0].ErrorCode
}

func (h *harness) describe(group string) kmsg.DescribeGroupsResponseGroup {
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Version = 5
	req.Groups = []string{group}
	return h.c.DescribeGroups(req, 5).Groups[0]
}

func (h *harness) state(group string) string {
	return h.describe(group).State
}

// stable runs a group of dynamic members through a complete rebalance
// (initial delay, sync with the leader's assignment) and returns the
// member ids (joining order) and the generation.
func (h *harness) stable(group string, n int) ([]string, int32) {
	h.t.Helper()
	var ids []string
	var replies []*joinReply
	for i := 0; i < n; i++ {
		id, r := h.joinNew(group, "range")
		ids = append(ids, id)
		replies = append(replies, r)
	}
	for i := 0; i < 10 && !replies[0].done(); i++ {
		h.tick(h.c.cfg.InitialRebalanceDelay)
	}
	gen := replies[0].resp.Generation
	leader := replies[0].resp.LeaderID
	assign := map[string][]byte{}
	for i, id := range ids {
		if !replies[i].done() || replies[i].resp.ErrorCode != 0 {
			h.t.Fatalf("join %d: %+v", i, replies[i].resp)
		}
		assign[id] = []byte(fmt.Sprintf("assign-%d", i))
	}
	var syncs []*syncReply
	for _, id := range ids {
		if id == leader {
			continue
		}
		syncs = append(syncs, h.sync(group, id, gen, nil))
	}
	syncs = append(syncs, h.sync(group, leader, gen, assign))
	for _, s := range syncs {
		if s.resp == nil || s.resp.ErrorCode != 0 {
			h.t.Fatalf("sync: %+v", s.resp)
		}
	}
	if st := h.state(group); st != "Stable" {
		h.t.Fatalf("state %s", st)
	}
	return ids, gen
}

// snapshot is a comparable view of a coordinator's durable state.
type snapGroup struct {
	State      string
	Generation int32
	Protocol   string
	PType      string
	Leader     string
	Members    []string
	Offsets    map[topicPartition]OffsetCommitValue
}

func snapshot(c *Coordinator) map[string]snapGroup {
	c.lock()
	defer c.unlock()
	out := map[string]snapGroup{}
	for id, g := range c.groups {
		s := snapGroup{State: g.state.String(), Generation: g.generation, Leader: g.leaderID,
			Offsets: map[topicPartition]OffsetCommitValue{}}
		if g.protocolName != nil {
			s.Protocol = *g.protocolName
		}
		if g.protocolType != nil {
			s.PType = *g.protocolType
		}
		for _, m := range g.allMembers() {
			inst := ""
			if m.instanceID != nil {
				inst = *m.instanceID
			}
			s.Members = append(s.Members, fmt.Sprintf("%s|%s|%s|%s|%d|%d|%x|%x", m.id, inst, m.clientID,
				m.clientHost, m.rebalanceTimeout, m.sessionTimeout, m.metadata(s.Protocol), m.assignment))
		}
		slices.Sort(s.Members)
		for tp, e := range g.offsets {
			s.Offsets[tp] = e.OffsetCommitValue
		}
		out[id] = s
	}
	return out
}
