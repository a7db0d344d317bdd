package server

// Heartbeat: v0-4
//
// Behavior:
//   - Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
//     rejoin; unknown members UNKNOWN_MEMBER_ID, stale generations
//     ILLEGAL_GENERATION, fenced static members FENCED_INSTANCE_ID.
//
// Version notes: v3 group instance id; v4 flexible.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleHeartbeat(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.HeartbeatRequest)
	if !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceGroup, req.Group) {
		resp := kmsg.NewPtrHeartbeatResponse()
		resp.ErrorCode = kerr.GroupAuthorizationFailed.Code
		return resp, nil
	}
	return s.Groups.Heartbeat(req, h.Version), nil
}
