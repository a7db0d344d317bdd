package server

// LeaveGroup: v0-4
//
// Behavior:
//   - Removes members (v3+: a batch, each with its own error) and starts
//     a rebalance for the rest; an unknown member is UNKNOWN_MEMBER_ID.
//
// Version notes: v3 batched members with instance ids; v4 flexible.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleLeaveGroup(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.LeaveGroupRequest)
	if !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceGroup, req.Group) {
		resp := kmsg.NewPtrLeaveGroupResponse()
		resp.ErrorCode = kerr.GroupAuthorizationFailed.Code
		return resp, nil
	}
	return s.Groups.LeaveGroup(req, h.Version), nil
}
