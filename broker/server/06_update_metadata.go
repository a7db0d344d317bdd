package server

// UpdateMetadata: v0-7 (controller to broker)
//
// Behavior:
//   - Replaces the live broker list and the named partition states in the
//     metadata cache; leader -2 drops a topic being deleted, and the
//     group coordinator forgets its committed offsets.
//   - An older controller epoch is rejected with STALE_CONTROLLER_EPOCH.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleUpdateMetadata(_ context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.UpdateMetadataRequest)
	resp := kmsg.NewPtrUpdateMetadataResponse()
	err := s.Metadata.Update(req)
	resp.ErrorCode = codeOf(err)
	if err == nil {
		if tps := deletedPartitions(req); len(tps) > 0 {
			s.Groups.RemoveOffsets(tps)
		}
	}
	return resp, nil
}
