package server

// OffsetDelete: v0
//
// Behavior:
//   - Deletes a group's committed offsets for partitions of topics the
//     group is not subscribed to (GROUP_SUBSCRIBED_TO_TOPIC otherwise);
//     unknown groups GROUP_ID_NOT_FOUND.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleOffsetDelete(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	return s.Groups.OffsetDelete(r.(*kmsg.OffsetDeleteRequest), h.Version), nil
}
