package group

import (
	"time"
	"unicode/utf16"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicPartition names a partition whose offsets are dropped by
// RemoveOffsets.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// javaLen is String.length(): UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// commitSlot is one distinct partition of an OffsetCommit request.
type commitSlot struct {
	tp    topicPartition
	value OffsetCommitValue
	code  int16
	store bool
}

// OffsetCommit handles an OffsetCommit request (v0 is treated like v1:
// Samsa keeps no ZooKeeper offsets). respond is called exactly once, after
// the commit records are replicated or have failed. Generation -1 with an
// empty member id (kafka-consumer-groups --reset-offsets, simple
// consumers) commits to an Empty or unknown group (which is created); a
// group with members answers UNKNOWN_MEMBER_ID.
func (c *Coordinator) OffsetCommit(req *kmsg.OffsetCommitRequest, version int16, respond func(*kmsg.OffsetCommitResponse)) {
	c.lock()
	defer c.unlock()
	now := c.cfg.Clock.Now()
	nowMs := now.UnixMilli()

	generation, memberID := int32(-1), ""
	if version >= 1 {
		generation, memberID = req.Generation, req.MemberID
	}
	var instanceID *string
	if version >= 7 {
		instanceID = req.InstanceID
	}
	expire := int64(-1)
	if version >= 2 && version <= 4 && req.RetentionTimeMillis != -1 {
		expire = nowMs + req.RetentionTimeMillis
	}

	// Distinct partitions, first-seen order, last value wins (Kafka keys
	// the request by partition).
	var slots []*commitSlot
	index := map[topicPartition]*commitSlot{}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			tp := topicPartition{t.Topic, p.Partition}
			v := OffsetCommitValue{Offset: p.Offset, LeaderEpoch: -1, CommitTimestamp: nowMs, ExpireTimestamp: expire}
			if p.Metadata != nil {
				v.Metadata = *p.Metadata
			}
			if version >= 6 {
				v.LeaderEpoch = p.LeaderEpoch
			}
			if version == 1 && p.Timestamp != -1 {
				v.CommitTimestamp = p.Timestamp
			}
			s := index[tp]
			if s == nil {
				s = &commitSlot{tp: tp}
				index[tp] = s
				slots = append(slots, s)
			}
			s.value, s.store = v, true
			if c.cfg.PartitionExists != nil && !c.cfg.PartitionExists(tp.topic, tp.partition) {
				s.code, s.store = codeUnknownTopicOrPartition, false
			}
		}
	}
	finish := func() {
		resp := commitResponse(version, slots)
		c.later(func() { respond(resp) })
	}
	var accepted []*commitSlot
	for _, s := range slots {
		if s.store {
			accepted = append(accepted, s)
		}
	}
	fail := func(code int16) {
		for _, s := range accepted {
			s.code = code
		}
		finish()
	}
	if len(accepted) == 0 {
		finish()
		return
	}
	if code := c.groupStatus(req.Group, true); code != codeNone {
		fail(code)
		return
	}
	g := c.groups[req.Group]
	if g == nil {
		if generation >= 0 {
			fail(codeIllegalGeneration)
			return
		}
		g = newGroup(req.Group, c.PartitionFor(req.Group), Empty, nowMs)
		c.groups[req.Group] = g
	}
	switch {
	case g.is(Dead):
		fail(codeCoordinatorNotAvailable)
		return
	case generation >= 0 || memberID != "" || instanceID != nil:
		code := validateCurrentMember(g, memberID, instanceID)
		if code == codeNone && generation != g.generation {
			code = codeIllegalGeneration
		}
		if code != codeNone {
			fail(code)
			return
		}
	case !g.is(Empty):
		fail(codeUnknownMemberID)
		return
	}
	switch g.state {
	case CompletingRebalance:
		fail(codeRebalanceInProgress)
		return
	case Stable, PreparingRebalance:
		m := g.members[memberID]
		c.scheduleHeartbeat(m, m.sessionDuration(), now)
	}
	c.storeOffsets(g, accepted, nowMs, finish)
}

// storeOffsets is GroupMetadataManager.storeOffsets: stage the commits,
// append them, and make them visible when the append succeeds.
func (c *Coordinator) storeOffsets(g *group, slots []*commitSlot, nowMs int64, finish func()) {
	var valid []*commitSlot
	for _, s := range slots {
		if javaLen(s.value.Metadata) > c.cfg.MaxMetadataSize {
			s.code = codeOffsetMetadataTooLarge
			continue
		}
		valid = append(valid, s)
	}
	if len(valid) == 0 {
		finish()
		return
	}
	if !c.owned(g.partition) {
		for _, s := range valid {
			s.code = codeNotCoordinator
		}
		finish()
		return
	}
	recs := make([]Record, 0, len(valid))
	for _, s := range valid {
		key, err := EncodeOffsetCommitKey(g.id, s.tp.topic, s.tp.partition)
		var value []byte
		if err == nil {
			value, err = s.value.Encode()
		}
		if err != nil {
			c.log.WithField("group", g.id).WithError(err).Error("cannot encode offset commit")
			for _, s := range valid {
				s.code = codeUnknownServerError
			}
			finish()
			return
		}
		recs = append(recs, Record{Key: key, Value: value, Timestamp: nowMs})
	}
	for _, s := range valid {
		g.pendingCommits[s.tp] = s.value
	}
	c.appendRecords(g.partition, recs, func(base int64, err error) {
		code := offsetStoreCode(err)
		if err != nil {
			c.log.WithFields(logrus.Fields{"group": g.id, "generation": g.generation}).WithError(err).Debug("offset commit append failed")
		}
		for i, s := range valid {
			s.code = code
			if g.is(Dead) {
				continue
			}
			if err == nil {
				g.onOffsetCommitAppend(s.tp, offsetEntry{s.value, base + int64(i)})
			} else if p, ok := g.pendingCommits[s.tp]; ok && p == s.value {
				delete(g.pendingCommits, s.tp)
			}
		}
		finish()
	})
}

func (g *group) onOffsetCommitAppend(tp topicPartition, e offsetEntry) {
	p, pending := g.pendingCommits[tp]
	if pending {
		if cur, ok := g.offsets[tp]; !ok || cur.logOffset < e.logOffset || cur.logOffset < 0 {
			g.offsets[tp] = e
		}
		if p == e.OffsetCommitValue {
			delete(g.pendingCommits, tp)
		}
	}
}

func commitResponse(version int16, slots []*commitSlot) *kmsg.OffsetCommitResponse {
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.Version = version
	resp.Topics = []kmsg.OffsetCommitResponseTopic{}
	topicIdx := map[string]int{}
	for _, s := range slots {
		i, ok := topicIdx[s.tp.topic]
		if !ok {
			t := kmsg.NewOffsetCommitResponseTopic()
			t.Topic = s.tp.topic
			resp.Topics = append(resp.Topics, t)
			i = len(resp.Topics) - 1
			topicIdx[s.tp.topic] = i
		}
		p := kmsg.NewOffsetCommitResponseTopicPartition()
		p.Partition, p.ErrorCode = s.tp.partition, s.code
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

type fetchedOffset struct {
	tp   topicPartition
	e    OffsetCommitValue
	code int16
}

// fetchOffsets is handleFetchOffsets + getOffsets; tps nil means all.
func (c *Coordinator) fetchOffsets(id string, tps []topicPartition, all, requireStable bool) (int16, []fetchedOffset) {
	if code := c.groupStatus(id, true); code != codeNone {
		return code, nil
	}
	g := c.groups[id]
	none := OffsetCommitValue{Offset: -1, LeaderEpoch: -1}
	var out []fetchedOffset
	if g == nil || g.is(Dead) {
		for _, tp := range tps {
			out = append(out, fetchedOffset{tp: tp, e: none})
		}
		return codeNone, out
	}
	if all {
		tps = g.allOffsetPartitions()
	}
	for _, tp := range tps {
		if _, p := g.pendingCommits[tp]; requireStable && p {
			out = append(out, fetchedOffset{tp: tp, e: none, code: codeUnstableOffsetCommit})
			continue
		}
		e, ok := g.offsets[tp]
		if !ok {
			out = append(out, fetchedOffset{tp: tp, e: none})
			continue
		}
		out = append(out, fetchedOffset{tp: tp, e: e.OffsetCommitValue})
	}
	return codeNone, out
}

// OffsetFetch handles an OffsetFetch request: v8+ batches groups; a null
// topic list (v2+) asks for every partition with a committed offset.
func (c *Coordinator) OffsetFetch(req *kmsg.OffsetFetchRequest, version int16) *kmsg.OffsetFetchResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrOffsetFetchResponse()
	resp.Version = version
	if version >= 8 {
		resp.Groups = []kmsg.OffsetFetchResponseGroup{}
		for _, rg := range req.Groups {
			var tps []topicPartition
			for _, t := range rg.Topics {
				for _, p := range t.Partitions {
					tps = append(tps, topicPartition{t.Topic, p})
				}
			}
			code, parts := c.fetchOffsets(rg.Group, tps, rg.Topics == nil, req.RequireStable)
			gr := kmsg.NewOffsetFetchResponseGroup()
			gr.Group, gr.ErrorCode = rg.Group, code
			gr.Topics = []kmsg.OffsetFetchResponseGroupTopic{}
			idx := map[string]int{}
			for _, f := range parts {
				i, ok := idx[f.tp.topic]
				if !ok {
					t := kmsg.NewOffsetFetchResponseGroupTopic()
					t.Topic = f.tp.topic
					gr.Topics = append(gr.Topics, t)
					i = len(gr.Topics) - 1
					idx[f.tp.topic] = i
				}
				p := kmsg.NewOffsetFetchResponseGroupTopicPartition()
				md := f.e.Metadata
				p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode = f.tp.partition, f.e.Offset, f.e.LeaderEpoch, &md, f.code
				gr.Topics[i].Partitions = append(gr.Topics[i].Partitions, p)
			}
			resp.Groups = append(resp.Groups, gr)
		}
		return resp
	}
	var tps []topicPartition
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			tps = append(tps, topicPartition{t.Topic, p})
		}
	}
	all := req.Topics == nil && version >= 2
	code, parts := c.fetchOffsets(req.Group, tps, all, version >= 7 && req.RequireStable)
	if code != codeNone {
		parts = nil
		if version < 2 {
			// No top-level error field: every partition carries it.
			for _, tp := range tps {
				parts = append(parts, fetchedOffset{tp: tp, e: OffsetCommitValue{Offset: -1, LeaderEpoch: -1}, code: code})
			}
		}
	}
	resp.ErrorCode = code
	resp.Topics = []kmsg.OffsetFetchResponseTopic{}
	idx := map[string]int{}
	for _, f := range parts {
		i, ok := idx[f.tp.topic]
		if !ok {
			t := kmsg.NewOffsetFetchResponseTopic()
			t.Topic = f.tp.topic
			resp.Topics = append(resp.Topics, t)
			i = len(resp.Topics) - 1
			idx[f.tp.topic] = i
		}
		p := kmsg.NewOffsetFetchResponseTopicPartition()
		md := f.e.Metadata
		p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode = f.tp.partition, f.e.Offset, f.e.LeaderEpoch, &md, f.code
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

// OffsetDelete handles an OffsetDelete request (handleDeleteOffsets).
func (c *Coordinator) OffsetDelete(req *kmsg.OffsetDeleteRequest, version int16) *kmsg.OffsetDeleteResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.Version = version
	codes := map[topicPartition]int16{}
	var order, candidates []topicPartition
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			tp := topicPartition{t.Topic, p.Partition}
			if _, dup := codes[tp]; !dup {
				order = append(order, tp)
			}
			codes[tp] = codeNone
			if c.cfg.PartitionExists != nil && !c.cfg.PartitionExists(tp.topic, tp.partition) {
				codes[tp] = codeUnknownTopicOrPartition
				continue
			}
			candidates = append(candidates, tp)
		}
	}
	groupCode := c.groupStatus(req.Group, false)
	g := c.groups[req.Group]
	var eligible []topicPartition
	switch {
	case groupCode != codeNone:
	case g == nil || g.is(Dead):
		groupCode = codeGroupIDNotFound
	case g.is(Empty):
		eligible = candidates
	case g.protocolType != nil && *g.protocolType == consumerProtocolType:
		for _, tp := range candidates {
			if g.isSubscribedToTopic(tp.topic) {
				codes[tp] = codeGroupSubscribedToTopic
			} else {
				eligible = append(eligible, tp)
			}
		}
	default:
		groupCode = codeNonEmptyGroup
	}
	resp.ErrorCode = groupCode
	resp.Topics = []kmsg.OffsetDeleteResponseTopic{}
	if groupCode != codeNone {
		return resp
	}
	if len(eligible) > 0 {
		n := c.cleanupGroups([]*group{g}, func(g *group) []topicPartition { return g.removeOffsets(eligible) })
		c.log.WithFields(logrus.Fields{"group": g.id, "offsets": n}).Info("deleted offsets")
	}
	idx := map[string]int{}
	for _, tp := range order {
		i, ok := idx[tp.topic]
		if !ok {
			resp.Topics = append(resp.Topics, kmsg.OffsetDeleteResponseTopic{Topic: tp.topic})
			i = len(resp.Topics) - 1
			idx[tp.topic] = i
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions,
			kmsg.OffsetDeleteResponseTopicPartition{Partition: tp.partition, ErrorCode: codes[tp]})
	}
	return resp
}

// RemoveOffsets drops every group's offsets of deleted partitions (Kafka's
// handleDeletedPartitions, called when topics are deleted).
func (c *Coordinator) RemoveOffsets(tps []TopicPartition) {
	c.lock()
	defer c.unlock()
	del := make([]topicPartition, len(tps))
	for i, tp := range tps {
		del[i] = topicPartition{tp.Topic, tp.Partition}
	}
	var gs []*group
	for _, id := range c.sortedGroupIDs() {
		gs = append(gs, c.groups[id])
	}
	c.cleanupGroups(gs, func(g *group) []topicPartition { return g.removeOffsets(del) })
}

// expireOffsets is the periodic cleanupGroupMetadata with
// removeExpiredOffsets.
func (c *Coordinator) expireOffsets(now time.Time) {
	var gs []*group
	for _, id := range c.sortedGroupIDs() {
		gs = append(gs, c.groups[id])
	}
	nowMs, ret := now.UnixMilli(), c.cfg.OffsetsRetention.Milliseconds()
	n := c.cleanupGroups(gs, func(g *group) []topicPartition { return g.removeExpiredOffsets(nowMs, ret) })
	if n > 0 {
		c.log.WithField("offsets", n).Info("removed expired offsets")
	}
}

// cleanupGroups is GroupMetadataManager.cleanupGroupMetadata: remove
// offsets chosen by selector, mark Empty groups without offsets Dead, drop
// Dead groups, and append tombstones (offset keys, and the group key for a
// group that ever had a generation). Like Kafka it does not wait for the
// tombstones to replicate.
func (c *Coordinator) cleanupGroups(gs []*group, selector func(*group) []topicPartition) int {
	total := 0
	nowMs := c.nowMs()
	for _, g := range gs {
		removed := selector(g)
		if g.is(Empty) && !g.hasOffsets() {
			c.log.WithFields(logrus.Fields{"group": g.id, "generation": g.generation}).Info("group transitioned to Dead")
			c.transition(g, Dead, c.cfg.Clock.Now())
		}
		if !c.owned(g.partition) {
			continue
		}
		var recs []Record
		for _, tp := range removed {
			if key, err := EncodeOffsetCommitKey(g.id, tp.topic, tp.partition); err == nil {
				recs = append(recs, Record{Key: key, Timestamp: nowMs})
			}
		}
		if g.is(Dead) && c.groups[g.id] == g {
			delete(c.groups, g.id)
			if g.generation > 0 {
				if key, err := EncodeGroupMetadataKey(g.id); err == nil {
					recs = append(recs, Record{Key: key, Timestamp: nowMs})
				}
			}
		}
		if len(recs) > 0 {
			id := g.id
			c.appendRecords(g.partition, recs, func(_ int64, err error) {
				if err != nil {
					c.log.WithField("group", id).WithError(err).Error("failed to append tombstones")
				}
			})
			total += len(removed)
		}
	}
	return total
}
