package server

// ListGroups: v0-4
//
// Behavior:
//   - The groups this broker coordinates (kafka-consumer-groups --list
//     asks every broker); COORDINATOR_LOAD_IN_PROGRESS while an offsets
//     partition loads.
//
// Version notes: v3 flexible; v4 states filter.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleListGroups(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	return s.Groups.ListGroups(r.(*kmsg.ListGroupsRequest), h.Version), nil
}
