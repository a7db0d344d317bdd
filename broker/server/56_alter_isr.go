package server

// AlterIsr (AlterPartition): v0 (leader to controller)
//
// Behavior:
//   - On the active controller: writes the proposed ISR to the partition
//     state znode (compare-and-set on its version) and answers with the
//     new state; stale broker epoch STALE_BROKER_EPOCH, per partition
//     FENCED_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION,
//     INVALID_UPDATE_VERSION. Elsewhere: NOT_CONTROLLER.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleAlterIsr(ctx context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterPartitionRequest)
	if s.Controller == nil || !s.Controller.IsActive() {
		resp := kmsg.NewPtrAlterPartitionResponse()
		resp.ErrorCode = kerr.NotController.Code
		return resp, nil
	}
	resp, err := s.Controller.AlterIsr(ctx, req)
	if err != nil {
		resp = kmsg.NewPtrAlterPartitionResponse()
		resp.ErrorCode = codeOf(err)
	}
	return resp, nil
}
