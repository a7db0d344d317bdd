package server

// FindCoordinator: v0-4
//
// Behavior:
//   - A group's coordinator is the leader of __consumer_offsets partition
//     abs(javaHashCode(group)) % offsets.topic.num.partitions.
//   - The first request creates __consumer_offsets (offsets.topic.*
//     settings, cleanup.policy=compact) and answers
//     COORDINATOR_NOT_AVAILABLE until the partition has a live leader
//     reachable on the request's listener.
//   - Transaction coordinators (key type 1) are COORDINATOR_NOT_AVAILABLE
//     until transactions land; other key types INVALID_REQUEST.
//
// Version notes: v1 key type, error message; v3 flexible; v4 batched keys.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/group"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleFindCoordinator(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.FindCoordinatorRequest)
	return group.FindCoordinator(req, h.Version, func(keyType int8, key string) group.CoordinatorNode {
		return s.coordinatorFor(ctx, c, keyType, key)
	}), nil
}
