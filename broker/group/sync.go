package group

import (
	"sort"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func syncResponse(version int16, r syncResult) *kmsg.SyncGroupResponse {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.Version = version
	resp.ErrorCode = r.code
	resp.ProtocolType = r.protocolType
	resp.Protocol = r.protocolName
	resp.MemberAssignment = r.assignment
	if resp.MemberAssignment == nil {
		resp.MemberAssignment = []byte{}
	}
	return resp
}

// SyncGroup handles a SyncGroup request. respond is called exactly once:
// a follower's response waits for the leader's assignment, the leader's
// for the group metadata append.
func (c *Coordinator) SyncGroup(req *kmsg.SyncGroupRequest, version int16, respond func(*kmsg.SyncGroupResponse)) {
	c.lock()
	defer c.unlock()
	now := c.cfg.Clock.Now()
	reply := func(r syncResult) { c.later(func() { respond(syncResponse(version, r)) }) }

	if version >= 5 && (req.ProtocolType == nil || req.Protocol == nil) {
		reply(syncResult{code: codeInconsistentGroupProtocol})
		return
	}
	switch code := c.groupStatus(req.Group, false); code {
	case codeNone:
	case codeCoordinatorLoadInProgress:
		// The rebalance state is lost; make the member rejoin.
		reply(syncResult{code: codeRebalanceInProgress})
		return
	default:
		reply(syncResult{code: code})
		return
	}
	g := c.groups[req.Group]
	if g == nil {
		reply(syncResult{code: codeUnknownMemberID})
		return
	}
	var instanceID *string
	if version >= 3 {
		instanceID = req.InstanceID
	}
	if code := validateSync(g, req, instanceID); code != codeNone {
		reply(syncResult{code: code})
		return
	}
	m := g.members[req.MemberID]
	switch g.state {
	case Empty:
		reply(syncResult{code: codeUnknownMemberID})
	case PreparingRebalance:
		reply(syncResult{code: codeRebalanceInProgress})
	case CompletingRebalance:
		if old := m.syncWaiter; old != nil {
			// Kafka drops a superseded parked SyncGroup; answer it.
			m.syncWaiter = nil
			old(syncResult{code: codeRebalanceInProgress})
		}
		m.syncWaiter = reply
		c.removePendingSyncMember(g, m.id)
		if !g.isLeader(m.id) {
			return
		}
		c.log.WithFields(logrus.Fields{"group": g.id, "member": m.id, "generation": g.generation,
			"members": g.size(), "static": len(g.static)}).Info("assignment received from leader")
		assignment := make(map[string][]byte, g.size())
		for _, a := range req.GroupAssignment {
			assignment[a.MemberID] = a.MemberAssignment
		}
		for _, o := range g.allMembers() {
			if _, ok := assignment[o.id]; !ok {
				assignment[o.id] = []byte{}
			}
		}
		gen := g.generation
		c.storeGroup(g, assignment, func(code int16) {
			if !g.is(CompletingRebalance) || g.generation != gen {
				return
			}
			at := c.cfg.Clock.Now()
			if code != codeNone {
				c.resetAndPropagateAssignmentError(g, code, at)
				c.maybePrepareRebalance(g, at, "error storing group assignment")
				return
			}
			c.setAndPropagateAssignment(g, assignment, at)
			c.transition(g, Stable, at)
		})
	case Stable:
		c.removePendingSyncMember(g, m.id)
		reply(syncResult{protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment})
		c.scheduleHeartbeat(m, m.sessionDuration(), now)
	}
}

func validateSync(g *group, req *kmsg.SyncGroupRequest, instanceID *string) int16 {
	if g.is(Dead) {
		return codeCoordinatorNotAvailable
	}
	if code := validateCurrentMember(g, req.MemberID, instanceID); code != codeNone {
		return code
	}
	switch {
	case req.Generation != g.generation:
		return codeIllegalGeneration
	case req.ProtocolType != nil && (g.protocolType == nil || *g.protocolType != *req.ProtocolType):
		return codeInconsistentGroupProtocol
	case req.Protocol != nil && (g.protocolName == nil || *g.protocolName != *req.Protocol):
		return codeInconsistentGroupProtocol
	}
	return codeNone
}

func (c *Coordinator) setAndPropagateAssignment(g *group, assignment map[string][]byte, now time.Time) {
	for _, m := range g.allMembers() {
		m.assignment = assignment[m.id]
	}
	c.propagateAssignment(g, codeNone, now)
}

func (c *Coordinator) resetAndPropagateAssignmentError(g *group, code int16, now time.Time) {
	for _, m := range g.allMembers() {
		m.assignment = []byte{}
	}
	c.propagateAssignment(g, code, now)
}

func (c *Coordinator) propagateAssignment(g *group, code int16, now time.Time) {
	var pt, pn *string
	if code == codeNone {
		pt, pn = g.protocolType, g.protocolName
	}
	for _, m := range g.allMembers() {
		if g.invokeSync(m, syncResult{protocolType: pt, protocolName: pn, assignment: m.assignment, code: code}) {
			// Restart the session: an expiry while the member awaited
			// the assignment was ignored.
			c.scheduleHeartbeat(m, m.sessionDuration(), now)
		}
	}
}

func (c *Coordinator) removePendingSyncMember(g *group, id string) {
	delete(g.pendingSync, id)
	c.maybeCompletePendingSync(g)
}

func (c *Coordinator) cancelPendingSync(g *group) {
	clear(g.pendingSync)
	c.maybeCompletePendingSync(g)
}

// maybeCompletePendingSync is DelayedSync.tryComplete: the timer is
// dropped once every member synced or the group moved on.
func (c *Coordinator) maybeCompletePendingSync(g *group) {
	if g.syncDeadline.IsZero() {
		return
	}
	if g.syncGeneration != g.generation || len(g.pendingSync) == 0 ||
		g.is(Dead) || g.is(Empty) || g.is(PreparingRebalance) {
		g.syncDeadline = time.Time{}
	}
}

// onExpirePendingSync removes the members that did not send SyncGroup in
// time and rebalances.
func (c *Coordinator) onExpirePendingSync(g *group, now time.Time) {
	if g.syncGeneration != g.generation || !(g.is(CompletingRebalance) || g.is(Stable)) || len(g.pendingSync) == 0 {
		return
	}
	ids := make([]string, 0, len(g.pendingSync))
	for id := range g.pendingSync {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		g.remove(id)
	}
	c.log.WithFields(logrus.Fields{"group": g.id, "members": ids}).Info("removed members that did not send SyncGroup in time")
	c.prepareRebalance(g, now, "pending sync expired")
}

// Heartbeat handles a Heartbeat request.
func (c *Coordinator) Heartbeat(req *kmsg.HeartbeatRequest, version int16) *kmsg.HeartbeatResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.Version = version
	resp.ErrorCode = c.heartbeat(req, version)
	return resp
}

func (c *Coordinator) heartbeat(req *kmsg.HeartbeatRequest, version int16) int16 {
	switch code := c.groupStatus(req.Group, false); code {
	case codeNone:
	case codeCoordinatorLoadInProgress:
		return codeNone // Kafka answers blindly while loading
	default:
		return code
	}
	g := c.groups[req.Group]
	if g == nil {
		return codeUnknownMemberID
	}
	if g.is(Dead) {
		return codeCoordinatorNotAvailable
	}
	var instanceID *string
	if version >= 3 {
		instanceID = req.InstanceID
	}
	if code := validateCurrentMember(g, req.MemberID, instanceID); code != codeNone {
		return code
	}
	if req.Generation != g.generation {
		return codeIllegalGeneration
	}
	if g.is(Empty) {
		return codeUnknownMemberID
	}
	m := g.members[req.MemberID]
	c.scheduleHeartbeat(m, m.sessionDuration(), c.cfg.Clock.Now())
	if g.is(PreparingRebalance) {
		return codeRebalanceInProgress
	}
	return codeNone
}

// LeaveGroup handles a LeaveGroup request (v3+ batches members; members
// may be named by group instance id alone).
func (c *Coordinator) LeaveGroup(req *kmsg.LeaveGroupRequest, version int16) *kmsg.LeaveGroupResponse {
	c.lock()
	defer c.unlock()
	now := c.cfg.Clock.Now()
	leaving := req.Members
	if version <= 2 {
		leaving = []kmsg.LeaveGroupRequestMember{{MemberID: req.MemberID}}
	}
	top := codeNone
	var results []kmsg.LeaveGroupResponseMember
	result := func(l kmsg.LeaveGroupRequestMember, code int16) {
		r := kmsg.NewLeaveGroupResponseMember()
		r.MemberID, r.InstanceID, r.ErrorCode = l.MemberID, l.InstanceID, code
		results = append(results, r)
	}
	g := c.groups[req.Group]
	switch code := c.groupStatus(req.Group, false); {
	case code != codeNone:
		top = code
	case g == nil:
		for _, l := range leaving {
			result(l, codeUnknownMemberID)
		}
	case g.is(Dead):
		top = codeCoordinatorNotAvailable
	default:
		for _, l := range leaving {
			result(l, c.leaveOne(g, l, now))
		}
	}
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.Version = version
	if version <= 2 {
		resp.ErrorCode = top
		for _, r := range results {
			if resp.ErrorCode == codeNone {
				resp.ErrorCode = r.ErrorCode
			}
		}
		return resp
	}
	resp.ErrorCode = top
	resp.Members = results
	if resp.Members == nil {
		resp.Members = []kmsg.LeaveGroupResponseMember{}
	}
	return resp
}

func (c *Coordinator) leaveOne(g *group, l kmsg.LeaveGroupRequestMember, now time.Time) int16 {
	log := c.log.WithFields(logrus.Fields{"group": g.id, "member": l.MemberID})
	if l.MemberID == "" {
		if l.InstanceID == nil {
			return codeUnknownMemberID
		}
		id, ok := g.static[*l.InstanceID]
		if !ok {
			return codeUnknownMemberID
		}
		log.WithField("instance", *l.InstanceID).Info("static member removed through LeaveGroup")
		c.removeMemberAndUpdateGroup(g, g.members[id], now)
		return codeNone
	}
	if g.isPending(l.MemberID) {
		log.Info("pending member left through LeaveGroup")
		c.removePendingMemberAndUpdateGroup(g, l.MemberID, now)
		return codeNone
	}
	if code := validateCurrentMember(g, l.MemberID, l.InstanceID); code != codeNone {
		return code
	}
	log.Info("member left through LeaveGroup")
	c.removeMemberAndUpdateGroup(g, g.members[l.MemberID], now)
	return codeNone
}
