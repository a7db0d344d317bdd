package server

// DeleteGroups: v0-2
//
// Behavior:
//   - Deletes Empty groups with their offsets (tombstones in
//     __consumer_offsets); a group with members is NON_EMPTY_GROUP, an
//     unknown one GROUP_ID_NOT_FOUND.
//
// Version notes: v2 flexible.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDeleteGroups(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	return s.Groups.DeleteGroups(r.(*kmsg.DeleteGroupsRequest), h.Version), nil
}
