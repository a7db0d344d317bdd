package group

import (
	"iter"
	"sort"
	"time"

	"github.com/sirupsen/logrus"
)

// loadedState is what reading an offsets partition produced.
type loadedState struct {
	groups  map[string]GroupMetadataValue
	offsets map[string]map[topicPartition]offsetEntry
	removed map[string]bool
}

// readPartition replays records in offset order: the last record of a
// key wins and tombstones delete (doLoadGroupsAndOffsets, without
// transactional commits).
func readPartition(records iter.Seq[Record], log *logrus.Entry) loadedState {
	st := loadedState{
		groups:  map[string]GroupMetadataValue{},
		offsets: map[string]map[topicPartition]offsetEntry{},
		removed: map[string]bool{},
	}
	skipped := 0
	for r := range records {
		k, err := DecodeKey(r.Key)
		if err != nil {
			skipped++
			log.WithField("offset", r.Offset).WithError(err).Warn("skipping undecodable __consumer_offsets key")
			continue
		}
		if k.IsOffsetCommit() {
			tp := topicPartition{k.Topic, k.Partition}
			if r.Value == nil {
				delete(st.offsets[k.Group], tp)
				continue
			}
			v, err := DecodeOffsetCommitValue(r.Value)
			if err != nil {
				skipped++
				log.WithField("offset", r.Offset).WithError(err).Warn("skipping undecodable offset commit value")
				continue
			}
			m := st.offsets[k.Group]
			if m == nil {
				m = map[topicPartition]offsetEntry{}
				st.offsets[k.Group] = m
			}
			m[tp] = offsetEntry{v, r.Offset}
			continue
		}
		if r.Value == nil {
			delete(st.groups, k.Group)
			st.removed[k.Group] = true
			continue
		}
		v, err := DecodeGroupMetadataValue(r.Value)
		if err != nil {
			skipped++
			log.WithField("offset", r.Offset).WithError(err).Warn("skipping undecodable group metadata value")
			continue
		}
		delete(st.removed, k.Group)
		st.groups[k.Group] = v
	}
	if skipped > 0 {
		log.WithField("skipped", skipped).Warn("skipped undecodable records while loading")
	}
	return st
}

// install adds the loaded groups (lock held).
func (c *Coordinator) install(partition int32, st loadedState) {
	now := c.cfg.Clock.Now()
	ids := make([]string, 0, len(st.groups)+len(st.offsets))
	for id := range st.groups {
		ids = append(ids, id)
	}
	for id, offs := range st.offsets {
		if _, ok := st.groups[id]; !ok && len(offs) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if c.PartitionFor(id) != partition {
			c.log.WithFields(logrus.Fields{"group": id, "partition": partition}).Warn("group found in the wrong offsets partition; ignoring it")
			continue
		}
		if c.groups[id] != nil {
			continue
		}
		var g *group
		if v, ok := st.groups[id]; ok {
			g = groupFromValue(id, partition, v)
		} else {
			g = newGroup(id, partition, Empty, now.UnixMilli())
		}
		for tp, e := range st.offsets[id] {
			g.offsets[tp] = e
		}
		c.groups[id] = g
		c.onGroupLoaded(g, now)
	}
}

// groupFromValue is GroupMetadata.loadGroup: Stable with members, else
// Empty.
func groupFromValue(id string, partition int32, v GroupMetadataValue) *group {
	state := Empty
	if len(v.Members) > 0 {
		state = Stable
	}
	g := newGroup(id, partition, state, v.CurrentStateTimestamp)
	g.generation = v.Generation
	if v.ProtocolType != "" {
		pt := v.ProtocolType
		g.protocolType = &pt
	}
	g.protocolName = v.Protocol
	name := ""
	if v.Protocol != nil {
		name = *v.Protocol
	}
	for _, mv := range v.Members {
		if g.has(mv.MemberID) || (mv.GroupInstanceID != nil && g.static[*mv.GroupInstanceID] != "") {
			continue // a corrupt record; Kafka would fail the load
		}
		g.add(&member{
			id:               mv.MemberID,
			instanceID:       mv.GroupInstanceID,
			clientID:         mv.ClientID,
			clientHost:       mv.ClientHost,
			rebalanceTimeout: mv.RebalanceTimeout,
			sessionTimeout:   mv.SessionTimeout,
			protocolType:     v.ProtocolType,
			protocols:        []protocol{{name: name, metadata: mv.Subscription}},
			assignment:       mv.Assignment,
		}, nil)
	}
	if v.Leader != nil {
		g.leaderID = *v.Leader
	}
	g.computeSubscribedTopics()
	return g
}

// onGroupLoaded restarts every member's session and rebalances a group
// over group.max.size.
func (c *Coordinator) onGroupLoaded(g *group, now time.Time) {
	c.log.WithFields(logrus.Fields{"group": g.id, "generation": g.generation, "state": g.state}).Debug("loaded group")
	if g.size() > c.cfg.MaxSize {
		c.prepareRebalance(g, now, "freshly-loaded group is over capacity")
	}
	for _, m := range g.allMembers() {
		c.scheduleHeartbeat(m, m.sessionDuration(), now)
	}
}
