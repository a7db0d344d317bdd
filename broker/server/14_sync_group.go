package server

// SyncGroup: v0-5
//
// Behavior:
//   - Followers park until the leader's SyncGroup delivers the
//     assignment; the assignment is stored in __consumer_offsets before
//     anyone is answered. A rebalance meanwhile answers
//     REBALANCE_IN_PROGRESS.
//
// Version notes: v3 group instance id; v4 flexible; v5 protocol type and
// name (INCONSISTENT_GROUP_PROTOCOL when they differ from the group's).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleSyncGroup(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.SyncGroupRequest)
	if !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceGroup, req.Group) {
		resp := kmsg.NewPtrSyncGroupResponse()
		resp.ErrorCode = kerr.GroupAuthorizationFailed.Code
		return resp, nil
	}
	return await(ctx, func(respond func(*kmsg.SyncGroupResponse)) {
		s.Groups.SyncGroup(req, h.Version, respond)
	})
}
