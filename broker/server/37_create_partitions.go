package server

// CreatePartitions: v0-3 (controller only)
//
// Behavior:
//   - Grows a topic to count partitions, with Kafka's assignment or the
//     one given; fewer or equal partitions is INVALID_PARTITIONS.
//   - Non-controllers answer NOT_CONTROLLER.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleCreatePartitions(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.CreatePartitionsRequest)
	resp := kmsg.NewPtrCreatePartitionsResponse()
	active := s.Controller != nil && s.Controller.IsActive()
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	for _, rt := range req.Topics {
		t := kmsg.NewCreatePartitionsResponseTopic()
		t.Topic = rt.Topic
		var err error
		switch {
		case !s.Authorizer.Authorize(ctx, c.principal, OpAlter, ResourceTopic, rt.Topic):
			err = kerr.TopicAuthorizationFailed
		case !active:
			err = kerr.NotController
		default:
			var assignment [][]int32
			for _, a := range rt.Assignment {
				assignment = append(assignment, a.Replicas)
			}
			err = s.Controller.CreatePartitions(cctx, rt.Topic, rt.Count, assignment, req.ValidateOnly)
		}
		t.ErrorCode, t.ErrorMessage = codeOf(err), errMessage(err)
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}
