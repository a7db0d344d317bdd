package server

// InitProducerId: v0-4
//
// Behavior:
//   - Non-transactional (idempotent) producers get a fresh producer id
//     from this broker's block of /latest_producer_id_block and epoch 0;
//     any broker answers.
//   - Transactional ids need the transaction coordinator (a later issue):
//     COORDINATOR_NOT_AVAILABLE, so the client keeps retrying rather than
//     writing unfenced.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleInitProducerID(ctx context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.InitProducerIDRequest)
	resp := kmsg.NewPtrInitProducerIDResponse()
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	switch {
	case req.TransactionalID != nil:
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
	case s.ProducerIDs == nil:
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
	default:
		id, err := s.ProducerIDs.NextProducerID(ctx)
		if err != nil {
			resp.ErrorCode = codeOf(err)
			return resp, nil
		}
		resp.ProducerID, resp.ProducerEpoch = id, 0
	}
	return resp, nil
}
