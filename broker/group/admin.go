package group

import (
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListGroups handles a ListGroups request: the groups of every loaded
// partition, filtered by state (v4+; empty filter = all), sorted by id.
// The error is COORDINATOR_LOAD_IN_PROGRESS while any partition loads.
func (c *Coordinator) ListGroups(req *kmsg.ListGroupsRequest, version int16) *kmsg.ListGroupsResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrListGroupsResponse()
	resp.Version = version
	for _, ps := range c.parts {
		if ps.loading {
			resp.ErrorCode = codeCoordinatorLoadInProgress
		}
	}
	var filter map[string]bool
	if version >= 4 && len(req.StatesFilter) > 0 {
		filter = map[string]bool{}
		for _, s := range req.StatesFilter {
			filter[s] = true
		}
	}
	resp.Groups = []kmsg.ListGroupsResponseGroup{}
	for _, id := range c.sortedGroupIDs() {
		g := c.groups[id]
		if filter != nil && !filter[g.state.String()] {
			continue
		}
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group, lg.GroupState = g.id, g.state.String()
		if g.protocolType != nil {
			lg.ProtocolType = *g.protocolType
		}
		resp.Groups = append(resp.Groups, lg)
	}
	return resp
}

// DescribeGroups handles a DescribeGroups request. An unknown group is
// described as Dead with no members; member metadata and assignments are
// only shown for a Stable group. AuthorizedOperations is left at its
// default for the request layer to fill.
func (c *Coordinator) DescribeGroups(req *kmsg.DescribeGroupsRequest, version int16) *kmsg.DescribeGroupsResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrDescribeGroupsResponse()
	resp.Version = version
	resp.Groups = []kmsg.DescribeGroupsResponseGroup{}
	for _, id := range req.Groups {
		dg := kmsg.NewDescribeGroupsResponseGroup()
		dg.Group = id
		dg.Members = []kmsg.DescribeGroupsResponseGroupMember{}
		if code := c.groupStatus(id, true); code != codeNone {
			dg.ErrorCode = code
			resp.Groups = append(resp.Groups, dg)
			continue
		}
		g := c.groups[id]
		if g == nil {
			dg.State = Dead.String()
			resp.Groups = append(resp.Groups, dg)
			continue
		}
		dg.State = g.state.String()
		if g.protocolType != nil {
			dg.ProtocolType = *g.protocolType
		}
		stable := g.is(Stable) && g.protocolName != nil
		if stable {
			dg.Protocol = *g.protocolName
		}
		for _, m := range g.allMembers() {
			dm := kmsg.NewDescribeGroupsResponseGroupMember()
			dm.MemberID, dm.InstanceID, dm.ClientID, dm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
			dm.ProtocolMetadata, dm.MemberAssignment = []byte{}, []byte{}
			if stable {
				dm.ProtocolMetadata = m.metadata(*g.protocolName)
				dm.MemberAssignment = m.assignment
				if dm.MemberAssignment == nil {
					dm.MemberAssignment = []byte{}
				}
			}
			dg.Members = append(dg.Members, dm)
		}
		resp.Groups = append(resp.Groups, dg)
	}
	return resp
}

// DeleteGroups handles a DeleteGroups request: Empty groups are deleted
// (offsets and group tombstoned), others answer NON_EMPTY_GROUP or
// GROUP_ID_NOT_FOUND. Results follow the request order, duplicates once.
func (c *Coordinator) DeleteGroups(req *kmsg.DeleteGroupsRequest, version int16) *kmsg.DeleteGroupsResponse {
	c.lock()
	defer c.unlock()
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.Version = version
	codes := map[string]int16{}
	var order []string
	var eligible []*group
	for _, id := range req.Groups {
		if _, dup := codes[id]; dup {
			continue
		}
		order = append(order, id)
		code := c.groupStatus(id, true)
		g := c.groups[id]
		switch {
		case code != codeNone:
		case g == nil || g.is(Dead):
			code = codeGroupIDNotFound
		case g.is(Empty):
			c.transition(g, Dead, c.cfg.Clock.Now())
			eligible = append(eligible, g)
		default:
			code = codeNonEmptyGroup
		}
		codes[id] = code
	}
	if len(eligible) > 0 {
		n := c.cleanupGroups(eligible, func(g *group) []topicPartition { return g.removeOffsets(g.allOffsetPartitions()) })
		ids := make([]string, len(eligible))
		for i, g := range eligible {
			ids[i] = g.id
		}
		c.log.WithFields(logrus.Fields{"groups": ids, "offsets": n}).Info("deleted groups")
	}
	resp.Groups = []kmsg.DeleteGroupsResponseGroup{}
	for _, id := range order {
		r := kmsg.NewDeleteGroupsResponseGroup()
		r.Group, r.ErrorCode = id, codes[id]
		resp.Groups = append(resp.Groups, r)
	}
	return resp
}

// Coordinator key types in FindCoordinator.
const (
	KeyTypeGroup       int8 = 0
	KeyTypeTransaction int8 = 1
)

// CoordinatorNode answers FindCoordinator for one key: the leader of the
// key's partition on the request's listener, or an error code (with
// NodeID -1, Host "", Port -1, Kafka's Node.noNode).
type CoordinatorNode struct {
	NodeID    int32
	Host      string
	Port      int32
	ErrorCode int16
}

// FindCoordinator builds a FindCoordinator response (v0-v3 one key, v4+
// batched keys) from lookup, which the broker implements with PartitionFor,
// its metadata cache and auto-creation of the internal topic. Unknown key
// types answer INVALID_REQUEST.
func FindCoordinator(req *kmsg.FindCoordinatorRequest, version int16, lookup func(keyType int8, key string) CoordinatorNode) *kmsg.FindCoordinatorResponse {
	resp := kmsg.NewPtrFindCoordinatorResponse()
	resp.Version = version
	keyType := req.CoordinatorType
	if version == 0 {
		keyType = KeyTypeGroup
	}
	find := func(key string) CoordinatorNode {
		if keyType != KeyTypeGroup && keyType != KeyTypeTransaction {
			return CoordinatorNode{NodeID: -1, Port: -1, ErrorCode: codeInvalidRequest}
		}
		n := lookup(keyType, key)
		if n.ErrorCode != codeNone {
			n = CoordinatorNode{NodeID: -1, Port: -1, ErrorCode: n.ErrorCode}
		}
		return n
	}
	if version < 4 {
		n := find(req.CoordinatorKey)
		msg := errorMessage(n.ErrorCode)
		resp.ErrorCode, resp.ErrorMessage = n.ErrorCode, &msg
		resp.NodeID, resp.Host, resp.Port = n.NodeID, n.Host, n.Port
		return resp
	}
	resp.Coordinators = []kmsg.FindCoordinatorResponseCoordinator{}
	for _, key := range req.CoordinatorKeys {
		n := find(key)
		rc := kmsg.NewFindCoordinatorResponseCoordinator()
		rc.Key, rc.NodeID, rc.Host, rc.Port, rc.ErrorCode = key, n.NodeID, n.Host, n.Port, n.ErrorCode
		if keyType != KeyTypeGroup && keyType != KeyTypeTransaction {
			// The whole request failed: Kafka's prepareErrorResponse
			// carries the message.
			msg := errorMessage(n.ErrorCode)
			rc.ErrorMessage = &msg
		}
		resp.Coordinators = append(resp.Coordinators, rc)
	}
	return resp
}
