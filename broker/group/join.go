package group

import (
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func joinResponse(version int16, r joinResult) *kmsg.JoinGroupResponse {
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.Version = version
	resp.ErrorCode = r.code
	resp.Generation = r.generation
	resp.ProtocolType = r.protocolType
	if version >= 7 {
		resp.Protocol = r.protocolName
	} else {
		p := ""
		if r.protocolName != nil {
			p = *r.protocolName
		}
		resp.Protocol = &p
	}
	resp.LeaderID = r.leaderID
	resp.MemberID = r.memberID
	resp.Members = r.members
	if resp.Members == nil {
		resp.Members = []kmsg.JoinGroupResponseMember{}
	}
	return resp
}

// JoinGroup handles a JoinGroup request (GroupCoordinator.handleJoinGroup).
// clientHost should be formatted as Kafka does ("/" + IP). respond is
// called exactly once: at once for errors and the MEMBER_ID_REQUIRED step,
// otherwise when the rebalance completes (from another request's goroutine
// or from Tick).
func (c *Coordinator) JoinGroup(req *kmsg.JoinGroupRequest, version int16, clientID, clientHost string, respond func(*kmsg.JoinGroupResponse)) {
	c.lock()
	defer c.unlock()
	now := c.cfg.Clock.Now()
	reply := func(r joinResult) { c.later(func() { respond(joinResponse(version, r)) }) }

	if code := c.groupStatus(req.Group, false); code != codeNone {
		reply(joinError(req.MemberID, code))
		return
	}
	session := time.Duration(req.SessionTimeoutMillis) * time.Millisecond
	if session < c.cfg.MinSessionTimeout || session > c.cfg.MaxSessionTimeout {
		reply(joinError(req.MemberID, codeInvalidSessionTimeout))
		return
	}
	rebalanceMs := req.RebalanceTimeoutMillis
	if version == 0 {
		rebalanceMs = req.SessionTimeoutMillis
	}
	var instanceID *string
	if version >= 5 && req.InstanceID != nil {
		s := *req.InstanceID
		instanceID = &s
	}
	protocols := make([]protocol, 0, len(req.Protocols))
	names := make([]string, 0, len(req.Protocols))
	for _, p := range req.Protocols {
		protocols = append(protocols, protocol{name: p.Name, metadata: p.Metadata})
		names = append(names, p.Name)
	}
	j := joinArgs{
		memberID: req.MemberID, instanceID: instanceID,
		requireKnownID: version >= 4 && instanceID == nil,
		clientID:       clientID, clientHost: clientHost,
		rebalanceMs: rebalanceMs, sessionMs: req.SessionTimeoutMillis,
		protocolType: req.ProtocolType, protocols: protocols, names: names,
		reply: reply,
	}

	isUnknown := req.MemberID == ""
	g := c.groups[req.Group]
	if g == nil {
		if !isUnknown {
			reply(joinError(req.MemberID, codeUnknownMemberID))
			return
		}
		g = newGroup(req.Group, c.PartitionFor(req.Group), Empty, now.UnixMilli())
		c.groups[req.Group] = g
	}
	switch {
	case !c.acceptJoiningMember(g, req.MemberID):
		g.remove(req.MemberID)
		reply(joinError("", codeGroupMaxSizeReached))
	case isUnknown:
		c.newMemberJoin(g, j, now)
	default:
		c.currentMemberJoin(g, j, now)
	}
	if g.is(PreparingRebalance) {
		c.tryCompleteJoin(g, now)
	}
}

type joinArgs struct {
	memberID       string
	instanceID     *string
	requireKnownID bool
	clientID       string
	clientHost     string
	rebalanceMs    int32
	sessionMs      int32
	protocolType   string
	protocols      []protocol
	names          []string
	reply          func(joinResult)
}

// acceptJoiningMember enforces group.max.size.
func (c *Coordinator) acceptJoiningMember(g *group, memberID string) bool {
	switch g.state {
	case PreparingRebalance:
		if m := g.members[memberID]; m != nil && m.awaitingJoin() {
			return true
		}
		return g.numAwaitingJoin < c.cfg.MaxSize
	case CompletingRebalance, Stable:
		return g.has(memberID) || g.size() < c.cfg.MaxSize
	}
	return true
}

func (c *Coordinator) newMemberJoin(g *group, j joinArgs, now time.Time) {
	switch {
	case g.is(Dead):
		j.reply(joinError("", codeCoordinatorNotAvailable))
		return
	case !g.supportsProtocols(j.protocolType, j.names):
		j.reply(joinError("", codeInconsistentGroupProtocol))
		return
	}
	prefix := j.clientID
	if j.instanceID != nil {
		prefix = *j.instanceID
	}
	newID := prefix + "-" + c.cfg.NewUUID()
	log := c.log.WithFields(logrus.Fields{"group": g.id, "member": newID, "state": g.state})
	if j.instanceID != nil {
		if oldID, ok := g.static[*j.instanceID]; ok {
			log.WithField("instance", *j.instanceID).Info("static member rejoins with unknown member id; replacing " + oldID)
			c.updateStaticMemberAndRebalance(g, oldID, newID, *j.instanceID, j, now)
			return
		}
		log.WithField("instance", *j.instanceID).Info("new static member joins")
		c.addMemberAndRebalance(g, newID, j, now)
		return
	}
	if j.requireKnownID {
		log.Info("dynamic member with unknown member id joins; asking it to rejoin with its new id")
		g.pending[newID] = now.Add(time.Duration(j.sessionMs) * time.Millisecond)
		c.noteDeadline(g.pending[newID])
		j.reply(joinError(newID, codeMemberIDRequired))
		return
	}
	log.Info("dynamic member with unknown member id joins")
	c.addMemberAndRebalance(g, newID, j, now)
}

// validateCurrentMember checks that memberID is in the group and, for a
// static member, still owns its instance id.
func validateCurrentMember(g *group, memberID string, instanceID *string) int16 {
	if instanceID != nil {
		cur, ok := g.static[*instanceID]
		if !ok {
			return codeUnknownMemberID
		}
		if cur != memberID {
			return codeFencedInstanceID
		}
	}
	if !g.has(memberID) {
		return codeUnknownMemberID
	}
	return codeNone
}

func (c *Coordinator) currentMemberJoin(g *group, j joinArgs, now time.Time) {
	switch {
	case g.is(Dead):
		j.reply(joinError(j.memberID, codeCoordinatorNotAvailable))
		return
	case !g.supportsProtocols(j.protocolType, j.names):
		j.reply(joinError(j.memberID, codeInconsistentGroupProtocol))
		return
	case g.isPending(j.memberID):
		if j.instanceID != nil {
			// Kafka throws here (a pending member is never static).
			j.reply(joinError(j.memberID, codeUnknownServerError))
			return
		}
		c.addMemberAndRebalance(g, j.memberID, j, now)
		return
	}
	if code := validateCurrentMember(g, j.memberID, j.instanceID); code != codeNone {
		j.reply(joinError(j.memberID, code))
		return
	}
	m := g.members[j.memberID]
	current := func(withMembers bool) joinResult {
		r := joinResult{memberID: m.id, generation: g.generation, protocolType: g.protocolType,
			protocolName: g.protocolName, leaderID: g.leaderID}
		if withMembers {
			r.members = g.currentMemberMetadata()
		}
		return r
	}
	switch g.state {
	case PreparingRebalance:
		c.updateMemberAndRebalance(g, m, j, now, "member joining during PreparingRebalance")
	case CompletingRebalance:
		if m.matches(j.protocols) {
			// The member lost its JoinGroup response: answer again.
			j.reply(current(g.isLeader(m.id)))
		} else {
			c.updateMemberAndRebalance(g, m, j, now, "member updated metadata during CompletingRebalance")
		}
	case Stable:
		switch {
		case g.isLeader(m.id):
			c.updateMemberAndRebalance(g, m, j, now, "leader re-joining group during Stable")
		case !m.matches(j.protocols):
			c.updateMemberAndRebalance(g, m, j, now, "member updated metadata during Stable")
		default:
			j.reply(current(false))
		}
	default:
		c.log.WithFields(logrus.Fields{"group": g.id, "member": m.id, "state": g.state}).Warn("rejoining member in unexpected group state")
		j.reply(joinError(m.id, codeUnknownMemberID))
	}
}

// setJoinWaiter parks reply as m's JoinGroup response. A request it
// supersedes (Kafka just drops it) is answered REBALANCE_IN_PROGRESS so no
// connection waits forever.
func (g *group) setJoinWaiter(m *member, ps []protocol, reply func(joinResult)) {
	if old := m.joinWaiter; old != nil && reply != nil {
		m.joinWaiter = nil
		g.numAwaitingJoin--
		old(joinError(m.id, codeRebalanceInProgress))
	}
	g.updateMember(m, ps, reply)
}

func (c *Coordinator) addMemberAndRebalance(g *group, id string, j joinArgs, now time.Time) {
	m := &member{
		id: id, instanceID: j.instanceID, clientID: j.clientID, clientHost: j.clientHost,
		rebalanceTimeout: j.rebalanceMs, sessionTimeout: j.sessionMs,
		protocolType: j.protocolType, protocols: j.protocols, isNew: true,
	}
	if g.is(PreparingRebalance) && g.generation == 0 {
		g.newMemberAdded = true
	}
	g.add(m, j.reply)
	c.scheduleHeartbeat(m, newMemberJoinTimeout, now)
	c.maybePrepareRebalance(g, now, "adding new member "+id)
}

func (c *Coordinator) updateMemberAndRebalance(g *group, m *member, j joinArgs, now time.Time, reason string) {
	g.setJoinWaiter(m, j.protocols, j.reply)
	c.maybePrepareRebalance(g, now, reason)
}

func (c *Coordinator) updateStaticMemberAndRebalance(g *group, oldID, newID, instanceID string, j joinArgs, now time.Time) {
	oldLeader := g.leaderID
	m := g.replaceStaticMember(instanceID, oldID, newID)
	c.scheduleHeartbeat(m, m.sessionDuration(), now)
	oldProtocols := m.protocols
	g.setJoinWaiter(m, j.protocols, j.reply)
	switch g.state {
	case Stable:
		if g.protocolName == nil || *g.protocolName != g.selectProtocol() {
			c.maybePrepareRebalance(g, now, "static member "+instanceID+" changed the selected protocol")
			return
		}
		// The static member takes over its old assignment without a
		// rebalance; the new member id is persisted first. The old leader
		// id is returned so the member does not assign as leader.
		assignment := map[string][]byte{}
		for _, o := range g.allMembers() {
			assignment[o.id] = o.assignment
		}
		gen := g.generation
		c.storeGroup(g, assignment, func(code int16) {
			if code != codeNone {
				c.log.WithField("group", g.id).Warnf("failed to persist static member %s: error code %d", newID, code)
				if g.members[newID] == m && !g.is(Dead) {
					g.updateMember(m, oldProtocols, nil)
					back := g.replaceStaticMember(instanceID, newID, oldID)
					c.scheduleHeartbeat(back, back.sessionDuration(), c.cfg.Clock.Now())
				}
				j.reply(joinResult{memberID: "", generation: gen, protocolType: g.protocolType,
					protocolName: g.protocolName, leaderID: oldLeader, code: code})
				return
			}
			g.invokeJoin(m, joinResult{memberID: newID, generation: g.generation, protocolType: g.protocolType,
				protocolName: g.protocolName, leaderID: oldLeader})
		})
	case CompletingRebalance:
		c.prepareRebalance(g, now, "static member "+instanceID+" rejoined during CompletingRebalance")
	case PreparingRebalance:
	default:
		c.log.WithFields(logrus.Fields{"group": g.id, "state": g.state}).Error("static member rejoined a group in an unexpected state")
	}
}

func (m *member) sessionDuration() time.Duration {
	return time.Duration(m.sessionTimeout) * time.Millisecond
}

// scheduleHeartbeat is completeAndScheduleNextExpiration: the member's
// next DelayedHeartbeat expires timeout from now.
func (c *Coordinator) scheduleHeartbeat(m *member, timeout time.Duration, now time.Time) {
	m.hbDeadline = now.Add(timeout)
	c.noteDeadline(m.hbDeadline)
}

func (c *Coordinator) maybePrepareRebalance(g *group, now time.Time, reason string) {
	if validPrevious(g.state, PreparingRebalance) {
		c.prepareRebalance(g, now, reason)
	}
}

func (c *Coordinator) prepareRebalance(g *group, now time.Time, reason string) {
	if g.is(CompletingRebalance) {
		c.resetAndPropagateAssignmentError(g, codeRebalanceInProgress, now)
	}
	c.cancelPendingSync(g)
	if g.is(Empty) {
		delay := c.cfg.InitialRebalanceDelay
		remaining := max(g.rebalanceTimeout()-delay, 0)
		g.join = &joinTimer{deadline: now.Add(delay), initial: true, delay: delay, remaining: remaining}
	} else {
		g.join = &joinTimer{deadline: now.Add(g.rebalanceTimeout())}
	}
	c.transition(g, PreparingRebalance, now)
	c.log.WithFields(logrus.Fields{"group": g.id, "generation": g.generation, "partition": g.partition}).
		Infof("preparing to rebalance group (reason: %s)", reason)
	c.noteDeadline(g.join.deadline)
	c.tryCompleteJoin(g, now)
}

// tryCompleteJoin completes a DelayedJoin once every member has rejoined
// (an InitialDelayedJoin only completes by its timer).
func (c *Coordinator) tryCompleteJoin(g *group, now time.Time) {
	if g.join != nil && !g.join.initial && g.hasAllMembersJoined() {
		g.join = nil
		c.onCompleteJoin(g, now)
	}
}

// onJoinTimer is a DelayedJoin / InitialDelayedJoin expiring.
func (c *Coordinator) onJoinTimer(g *group, t *joinTimer, now time.Time) {
	if t.initial && g.newMemberAdded && t.remaining != 0 {
		g.newMemberAdded = false
		delay := min(c.cfg.InitialRebalanceDelay, t.remaining)
		remaining := max(t.remaining-t.delay, 0)
		g.join = &joinTimer{deadline: now.Add(delay), initial: true, delay: delay, remaining: remaining}
		c.noteDeadline(g.join.deadline)
		return
	}
	c.onCompleteJoin(g, now)
}

func (c *Coordinator) removeMemberAndUpdateGroup(g *group, m *member, now time.Time) {
	g.invokeJoin(m, joinError("", codeUnknownMemberID))
	g.remove(m.id)
	switch g.state {
	case Stable, CompletingRebalance:
		c.maybePrepareRebalance(g, now, "removing member "+m.id)
	case PreparingRebalance:
		c.tryCompleteJoin(g, now)
	}
}

func (c *Coordinator) removePendingMemberAndUpdateGroup(g *group, id string, now time.Time) {
	g.remove(id)
	if g.is(PreparingRebalance) {
		c.tryCompleteJoin(g, now)
	}
}

func (c *Coordinator) onCompleteJoin(g *group, now time.Time) {
	log := c.log.WithFields(logrus.Fields{"group": g.id, "partition": g.partition})
	for _, m := range g.allMembers() {
		if !m.awaitingJoin() && m.instanceID == nil {
			log.WithField("member", m.id).Info("removing dynamic member that did not rejoin")
			g.remove(m.id)
		}
	}
	if g.is(Dead) {
		return
	}
	if !g.maybeElectNewJoinedLeader() && g.size() > 0 {
		log.Error("group could not complete rebalance because no members rejoined")
		g.join = &joinTimer{deadline: now.Add(g.rebalanceTimeout())}
		c.noteDeadline(g.join.deadline)
		c.tryCompleteJoin(g, now)
		return
	}
	c.initNextGeneration(g, now)
	if g.is(Empty) {
		log.WithField("generation", g.generation).Info("group is now empty")
		c.storeGroup(g, nil, func(code int16) {
			if code != codeNone {
				log.Warnf("failed to write empty group metadata: error code %d", code)
			}
		})
		return
	}
	log.WithFields(logrus.Fields{"generation": g.generation, "members": g.size()}).Info("stabilized group")
	for _, m := range g.allMembers() {
		r := joinResult{memberID: m.id, generation: g.generation, protocolType: g.protocolType,
			protocolName: g.protocolName, leaderID: g.leaderID}
		if g.isLeader(m.id) {
			r.members = g.currentMemberMetadata()
		}
		g.invokeJoin(m, r)
		c.scheduleHeartbeat(m, m.sessionDuration(), now)
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	g.syncGeneration = g.generation
	g.syncDeadline = now.Add(g.rebalanceTimeout())
	c.noteDeadline(g.syncDeadline)
	c.maybeCompletePendingSync(g)
}

func (c *Coordinator) initNextGeneration(g *group, now time.Time) {
	g.generation++
	if g.size() > 0 {
		p := g.selectProtocol()
		g.protocolName = &p
		g.computeSubscribedTopics()
		c.transition(g, CompletingRebalance, now)
	} else {
		g.protocolName = nil
		g.computeSubscribedTopics()
		c.transition(g, Empty, now)
	}
	clear(g.pendingSync)
}
