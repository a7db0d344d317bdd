package server

// OffsetFetch: v0-8
//
// Behavior:
//   - Answered by the group's coordinator; a null topic list (v2+) returns
//     every committed offset of the group; partitions without a commit get
//     offset -1.
//   - require_stable (v7+) answers UNSTABLE_OFFSET_COMMIT for partitions
//     with pending transactional commits (none until transactions land).
//
// Version notes: v2 top-level error; v3 throttle; v5 leader epoch; v7
// require_stable; v8 batched groups.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleOffsetFetch(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	return s.Groups.OffsetFetch(r.(*kmsg.OffsetFetchRequest), h.Version), nil
}
