package server

// ControlledShutdown: v0-3 (broker to controller)
//
// Behavior:
//   - On the active controller: moves leadership away from the stopping
//     broker and answers with the partitions it still leads (the broker
//     retries until the list is empty); a stale broker epoch is
//     STALE_BROKER_EPOCH. Elsewhere: NOT_CONTROLLER.
//
// Version notes: v0 uses request header v0 (no client id); v2 epochs.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleControlledShutdown(ctx context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ControlledShutdownRequest)
	resp := kmsg.NewPtrControlledShutdownResponse()
	if s.Controller == nil || !s.Controller.IsActive() {
		resp.ErrorCode = kerr.NotController.Code
		return resp, nil
	}
	epoch := req.BrokerEpoch
	if req.Version < 2 {
		epoch = -1
	}
	remaining, err := s.Controller.ControlledShutdown(ctx, req.BrokerID, epoch)
	resp.ErrorCode = codeOf(err)
	for _, tp := range remaining {
		p := kmsg.NewControlledShutdownResponsePartitionsRemaining()
		p.Topic, p.Partition = tp.Topic, tp.Partition
		resp.PartitionsRemaining = append(resp.PartitionsRemaining, p)
	}
	return resp, nil
}
