package group

import (
	"bytes"
	"encoding/binary"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// State is a group's state (GroupMetadata.scala); String gives Kafka's
// names, which ListGroups and DescribeGroups put on the wire.
type State int8

const (
	Empty State = iota
	PreparingRebalance
	CompletingRebalance
	Stable
	Dead
)

var stateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "Unknown"
}

// validPrevious is Kafka's GroupState.validPreviousStates.
func validPrevious(from, to State) bool {
	switch to {
	case PreparingRebalance:
		return from == Stable || from == CompletingRebalance || from == Empty
	case CompletingRebalance:
		return from == PreparingRebalance
	case Stable:
		return from == CompletingRebalance
	case Empty:
		return from == PreparingRebalance
	case Dead:
		return true
	}
	return false
}

// consumerProtocolType is ConsumerProtocol.PROTOCOL_TYPE.
const consumerProtocolType = "consumer"

// newMemberJoinTimeout is GroupCoordinator.NewMemberJoinTimeoutMs: a new
// member's pending JoinGroup expires after this long.
const newMemberJoinTimeout = 5 * time.Minute

type protocol struct {
	name     string
	metadata []byte
}

type joinResult struct {
	members      []kmsg.JoinGroupResponseMember
	memberID     string
	generation   int32
	protocolType *string
	protocolName *string
	leaderID     string
	code         int16
}

// joinError is JoinGroupResult(memberId, error).
func joinError(memberID string, code int16) joinResult {
	return joinResult{memberID: memberID, generation: -1, code: code}
}

type syncResult struct {
	protocolType *string
	protocolName *string
	assignment   []byte
	code         int16
}

type member struct {
	id               string
	instanceID       *string
	clientID         string
	clientHost       string
	rebalanceTimeout int32 // ms
	sessionTimeout   int32 // ms
	protocolType     string
	protocols        []protocol
	assignment       []byte

	// joinWaiter / syncWaiter are the parked JoinGroup / SyncGroup
	// responses (Kafka's awaitingJoinCallback / awaitingSyncCallback).
	joinWaiter func(joinResult)
	syncWaiter func(syncResult)
	isNew      bool
	// hbDeadline is the member's DelayedHeartbeat (zero: none).
	hbDeadline time.Time
}

func (m *member) awaitingJoin() bool { return m.joinWaiter != nil }
func (m *member) awaitingSync() bool { return m.syncWaiter != nil }

// satisfiedHeartbeat is MemberMetadata.hasSatisfiedHeartbeat evaluated at
// the deadline: the heartbeat flag is always false by then.
func (m *member) satisfiedHeartbeat() bool {
	if m.isNew {
		return false
	}
	return m.awaitingJoin() || m.awaitingSync()
}

func (m *member) metadata(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

func (m *member) matches(ps []protocol) bool {
	if len(ps) != len(m.protocols) {
		return false
	}
	for i := range ps {
		if ps[i].name != m.protocols[i].name || !bytes.Equal(ps[i].metadata, m.protocols[i].metadata) {
			return false
		}
	}
	return true
}

func (m *member) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.name] {
			return p.name
		}
	}
	return ""
}

type topicPartition struct {
	topic     string
	partition int32
}

// offsetEntry is Kafka's CommitRecordMetadataAndOffset: the value and the
// log offset of the record that carried it (-1 when unknown).
type offsetEntry struct {
	OffsetCommitValue
	logOffset int64
}

// joinTimer is the group's DelayedJoin (initial=false) or
// InitialDelayedJoin (initial=true, with its delay and remaining budget).
type joinTimer struct {
	deadline  time.Time
	initial   bool
	delay     time.Duration
	remaining time.Duration
}

type group struct {
	id        string
	partition int32
	state     State
	// stateTime is currentStateTimestamp in ms; -1 when unknown (a group
	// loaded from a version 0/1 value).
	stateTime    int64
	protocolType *string
	protocolName *string
	generation   int32
	leaderID     string // "" = none

	members         map[string]*member
	order           []string // member ids in insertion order
	static          map[string]string
	pending         map[string]time.Time // pending member id -> expiry
	numAwaitingJoin int
	supported       map[string]int
	pendingSync     map[string]bool

	offsets        map[topicPartition]offsetEntry
	pendingCommits map[topicPartition]OffsetCommitValue

	// subscribed is the union of the consumer members' subscriptions;
	// subscribedKnown is false when it cannot be computed.
	subscribed      map[string]bool
	subscribedKnown bool

	newMemberAdded bool
	join           *joinTimer
	syncDeadline   time.Time // DelayedSync, zero when none
	syncGeneration int32
}

func newGroup(id string, partition int32, state State, nowMs int64) *group {
	return &group{
		id:             id,
		partition:      partition,
		state:          state,
		stateTime:      nowMs,
		members:        map[string]*member{},
		static:         map[string]string{},
		pending:        map[string]time.Time{},
		supported:      map[string]int{},
		pendingSync:    map[string]bool{},
		offsets:        map[topicPartition]offsetEntry{},
		pendingCommits: map[topicPartition]OffsetCommitValue{},
	}
}

func (g *group) is(s State) bool    { return g.state == s }
func (g *group) has(id string) bool { return g.members[id] != nil }
func (g *group) size() int          { return len(g.members) }
func (g *group) isLeader(id string) bool {
	return g.leaderID != "" && g.leaderID == id
}
func (g *group) isPending(id string) bool { _, ok := g.pending[id]; return ok }

func (g *group) leaderPtr() *string {
	if g.leaderID == "" {
		return nil
	}
	s := g.leaderID
	return &s
}

func (g *group) allMembers() []*member {
	out := make([]*member, 0, len(g.order))
	for _, id := range g.order {
		out = append(out, g.members[id])
	}
	return out
}

func (g *group) add(m *member, waiter func(joinResult)) {
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	if len(g.members) == 0 {
		pt := m.protocolType
		g.protocolType = &pt
	}
	if g.leaderID == "" {
		g.leaderID = m.id
	}
	g.members[m.id] = m
	g.order = append(g.order, m.id)
	for _, p := range m.protocols {
		g.supported[p.name]++
	}
	m.joinWaiter = waiter
	if waiter != nil {
		g.numAwaitingJoin++
	}
	delete(g.pending, m.id)
}

func (g *group) remove(id string) {
	if m := g.members[id]; m != nil {
		// Callers answer parked requests first; this only guarantees no
		// connection waits forever.
		g.invokeJoin(m, joinError("", codeUnknownMemberID))
		g.invokeSync(m, syncResult{code: codeUnknownMemberID})
		delete(g.members, id)
		for i, o := range g.order {
			if o == id {
				g.order = append(g.order[:i:i], g.order[i+1:]...)
				break
			}
		}
		for _, p := range m.protocols {
			g.supported[p.name]--
		}
		if m.awaitingJoin() {
			g.numAwaitingJoin--
		}
		if m.instanceID != nil {
			delete(g.static, *m.instanceID)
		}
	}
	if g.isLeader(id) {
		g.leaderID = ""
		if len(g.order) > 0 {
			g.leaderID = g.order[0]
		}
	}
	delete(g.pending, id)
	delete(g.pendingSync, id)
}

// maybeElectNewJoinedLeader keeps a leader that rejoined or picks any
// member that did; false if the group has no leader or nobody rejoined.
func (g *group) maybeElectNewJoinedLeader() bool {
	if g.leaderID == "" {
		return false
	}
	if l := g.members[g.leaderID]; l != nil && l.awaitingJoin() {
		return true
	}
	for _, m := range g.allMembers() {
		if m.awaitingJoin() {
			g.leaderID = m.id
			return true
		}
	}
	return false
}

// replaceStaticMember moves a static member to a new member id, fencing
// any request the old id has parked.
func (g *group) replaceStaticMember(instanceID, oldID, newID string) *member {
	m := g.members[oldID]
	delete(g.members, oldID)
	g.invokeJoin(m, joinError(oldID, codeFencedInstanceID))
	g.invokeSync(m, syncResult{code: codeFencedInstanceID})
	m.id = newID
	g.members[newID] = m
	for i, o := range g.order {
		if o == oldID {
			g.order[i] = newID
		}
	}
	if g.isLeader(oldID) {
		g.leaderID = newID
	}
	g.static[instanceID] = newID
	return m
}

func (g *group) hasAllMembersJoined() bool {
	return len(g.members) == g.numAwaitingJoin && len(g.pending) == 0
}

// rebalanceTimeout is the largest member rebalance timeout.
func (g *group) rebalanceTimeout() time.Duration {
	var max int32
	for _, m := range g.members {
		if m.rebalanceTimeout > max {
			max = m.rebalanceTimeout
		}
	}
	return time.Duration(max) * time.Millisecond
}

func (g *group) candidateProtocols() map[string]bool {
	out := map[string]bool{}
	for name, n := range g.supported {
		if n == len(g.members) && n > 0 {
			out[name] = true
		}
	}
	return out
}

// selectProtocol: every member votes for its most preferred protocol that
// all members support; most votes wins. Kafka breaks ties by hash order;
// here the tie goes to the protocol the first member (insertion order)
// prefers, which is deterministic.
func (g *group) selectProtocol() string {
	candidates := g.candidateProtocols()
	votes := map[string]int{}
	for _, m := range g.allMembers() {
		votes[m.vote(candidates)]++
	}
	best, bestVotes := "", -1
	if len(g.order) > 0 {
		for _, p := range g.members[g.order[0]].protocols {
			if n, ok := votes[p.name]; ok && n > bestVotes {
				best, bestVotes = p.name, n
			}
		}
	}
	names := make([]string, 0, len(votes))
	for name := range votes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if votes[name] > bestVotes {
			best, bestVotes = name, votes[name]
		}
	}
	return best
}

func (g *group) supportsProtocols(protocolType string, names []string) bool {
	if g.is(Empty) {
		return protocolType != "" && len(names) > 0
	}
	if g.protocolType == nil || *g.protocolType != protocolType {
		return false
	}
	for _, n := range names {
		if g.supported[n] == len(g.members) {
			return true
		}
	}
	return false
}

func (g *group) updateMember(m *member, ps []protocol, waiter func(joinResult)) {
	for _, p := range m.protocols {
		g.supported[p.name]--
	}
	m.protocols = ps
	for _, p := range m.protocols {
		g.supported[p.name]++
	}
	if waiter != nil && !m.awaitingJoin() {
		g.numAwaitingJoin++
	} else if waiter == nil && m.awaitingJoin() {
		g.numAwaitingJoin--
	}
	m.joinWaiter = waiter
}

func (g *group) invokeJoin(m *member, r joinResult) {
	if m.awaitingJoin() {
		w := m.joinWaiter
		m.joinWaiter = nil
		g.numAwaitingJoin--
		w(r)
	}
}

func (g *group) invokeSync(m *member, r syncResult) bool {
	if !m.awaitingSync() {
		return false
	}
	w := m.syncWaiter
	m.syncWaiter = nil
	w(r)
	return true
}

// currentMemberMetadata is the leader's member list in a JoinGroup response.
func (g *group) currentMemberMetadata() []kmsg.JoinGroupResponseMember {
	name := ""
	if g.protocolName != nil {
		name = *g.protocolName
	}
	out := make([]kmsg.JoinGroupResponseMember, 0, len(g.members))
	for _, m := range g.allMembers() {
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID = m.id
		jm.InstanceID = m.instanceID
		jm.ProtocolMetadata = m.metadata(name)
		out = append(out, jm)
	}
	return out
}

// computeSubscribedTopics mirrors GroupMetadata.computeSubscribedTopics.
func (g *group) computeSubscribedTopics() {
	g.subscribed, g.subscribedKnown = nil, false
	if g.protocolType == nil || *g.protocolType != consumerProtocolType {
		return
	}
	if len(g.members) == 0 {
		g.subscribed, g.subscribedKnown = map[string]bool{}, true
		return
	}
	if g.protocolName == nil {
		return
	}
	set := map[string]bool{}
	for _, m := range g.members {
		topics, ok := subscriptionTopics(m.metadata(*g.protocolName))
		if !ok {
			return
		}
		for _, t := range topics {
			set[t] = true
		}
	}
	g.subscribed, g.subscribedKnown = set, true
}

func (g *group) isSubscribedToTopic(topic string) bool {
	if !g.subscribedKnown {
		return true
	}
	return g.subscribed[topic]
}

// subscriptionTopics parses the version-0 prefix of a consumer protocol
// subscription (int16 version >= 0, [string] topics, nullable bytes user
// data), which every later version extends.
func subscriptionTopics(b []byte) ([]string, bool) {
	d := dec{b: b}
	if v := d.i16("version"); d.err != nil || v < 0 {
		return nil, false
	}
	n := d.i32("topics")
	if d.err != nil || n < 0 || int64(n)*2 > int64(len(d.b)) {
		return nil, false
	}
	topics := make([]string, 0, n)
	for i := int32(0); i < n; i++ {
		topics = append(topics, d.str("topic"))
	}
	if d.err != nil || len(d.b) < 4 {
		return nil, false
	}
	if ul := int32(binary.BigEndian.Uint32(d.b)); ul >= 0 {
		if d.take(4+int(ul), "user data"); d.err != nil {
			return nil, false
		}
	}
	return topics, true
}

func (g *group) hasOffsets() bool {
	return len(g.offsets) > 0 || len(g.pendingCommits) > 0
}

// removeOffsets drops the given partitions' offsets (and pending commits)
// and returns those that existed.
func (g *group) removeOffsets(tps []topicPartition) []topicPartition {
	var removed []topicPartition
	for _, tp := range tps {
		delete(g.pendingCommits, tp)
		if _, ok := g.offsets[tp]; ok {
			delete(g.offsets, tp)
			removed = append(removed, tp)
		}
	}
	return removed
}

func (g *group) allOffsetPartitions() []topicPartition {
	out := make([]topicPartition, 0, len(g.offsets))
	for tp := range g.offsets {
		out = append(out, tp)
	}
	sortTPs(out)
	return out
}

func sortTPs(tps []topicPartition) {
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].topic != tps[j].topic {
			return tps[i].topic < tps[j].topic
		}
		return tps[i].partition < tps[j].partition
	})
}

// removeExpiredOffsets mirrors GroupMetadata.removeExpiredOffsets.
func (g *group) removeExpiredOffsets(nowMs, retentionMs int64) []topicPartition {
	var base func(e offsetEntry) int64
	var keep map[string]bool
	switch {
	case g.protocolType != nil && g.is(Empty):
		base = func(e offsetEntry) int64 {
			if g.stateTime >= 0 {
				return g.stateTime
			}
			return e.CommitTimestamp
		}
	case g.protocolType != nil && *g.protocolType == consumerProtocolType && g.subscribedKnown && g.is(Stable):
		base = func(e offsetEntry) int64 { return e.CommitTimestamp }
		keep = g.subscribed
	case g.protocolType == nil:
		base = func(e offsetEntry) int64 { return e.CommitTimestamp }
	default:
		return nil
	}
	var expired []topicPartition
	for tp, e := range g.offsets {
		if keep[tp.topic] {
			continue
		}
		if _, p := g.pendingCommits[tp]; p {
			continue
		}
		if e.ExpireTimestamp == -1 {
			if nowMs-base(e) < retentionMs {
				continue
			}
		} else if nowMs < e.ExpireTimestamp {
			continue
		}
		expired = append(expired, tp)
	}
	sortTPs(expired)
	for _, tp := range expired {
		delete(g.offsets, tp)
	}
	return expired
}
