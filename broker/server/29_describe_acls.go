package server

// DescribeAcls: v0-2
//
// Behavior:
//   - No authorizer is configured (ACLs are a later issue), so Kafka's
//     answer is SECURITY_DISABLED.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDescribeACLs(context.Context, *conn, protocol.Header, kmsg.Request) (kmsg.Response, error) {
	resp := kmsg.NewPtrDescribeACLsResponse()
	resp.ErrorCode = kerr.SecurityDisabled.Code
	msg := "No Authorizer is configured on the broker"
	resp.ErrorMessage = &msg
	return resp, nil
}
