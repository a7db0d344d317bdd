package server

// DescribeGroups: v0-5
//
// Behavior:
//   - State, protocol and members (with assignments once Stable) of each
//     group this broker coordinates; groups it does not coordinate get
//     NOT_COORDINATOR, unknown ones state "Dead".
//
// Version notes: v3 authorized operations; v4 group instance id; v5
// flexible.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDescribeGroups(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	return s.Groups.DescribeGroups(r.(*kmsg.DescribeGroupsRequest), h.Version), nil
}
