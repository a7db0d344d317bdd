package server

// UpdateMetadata: v0-7 (controller to broker)
//
// Behavior:
//   - Replaces the live broker list and the named partition states in the
//     metadata cache; leader -2 drops a topic being deleted.
//   - An older controller epoch is rejected with STALE_CONTROLLER_EPOCH.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleUpdateMetadata(_ context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.UpdateMetadataRequest)
	resp := kmsg.NewPtrUpdateMetadataResponse()
	resp.ErrorCode = codeOf(s.Metadata.Update(req))
	return resp, nil
}
