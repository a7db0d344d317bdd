package server

// JoinGroup: v0-7
//
// Behavior:
//   - Parks until the group's rebalance completes (or the member's
//     rebalance timeout), then answers every member; the leader gets the
//     member list with their subscriptions.
//   - v4+ members without an id get MEMBER_ID_REQUIRED with one and must
//     rejoin with it; static members (group.instance.id, v5+) keep their
//     place across restarts and fence the old id (FENCED_INSTANCE_ID).
//   - Session timeouts outside group.min/max.session.timeout.ms:
//     INVALID_SESSION_TIMEOUT; a protocol type or protocols unlike the
//     group's: INCONSISTENT_GROUP_PROTOCOL; a full group:
//     GROUP_MAX_SIZE_REACHED.
//
// Version notes: v1 rebalance timeout; v4 member id required; v5 group
// instance id; v6 flexible; v7 protocol type and name in the response.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleJoinGroup(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.JoinGroupRequest)
	if !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceGroup, req.Group) {
		resp := kmsg.NewPtrJoinGroupResponse()
		resp.ErrorCode, resp.Generation = kerr.GroupAuthorizationFailed.Code, -1
		return resp, nil
	}
	clientID := ""
	if h.ClientID != nil {
		clientID = *h.ClientID
	}
	return await(ctx, func(respond func(*kmsg.JoinGroupResponse)) {
		s.Groups.JoinGroup(req, h.Version, clientID, clientHost(c), respond)
	})
}
