package server

// OffsetCommit: v0-8
//
// Behavior:
//   - Answered by the group's coordinator (NOT_COORDINATOR elsewhere,
//     COORDINATOR_LOAD_IN_PROGRESS while its partition loads).
//   - Commits from the current generation's members, and the generation
//     -1 / empty member id commits of simple consumers and
//     kafka-consumer-groups --reset-offsets (accepted for Empty or unknown
//     groups), are appended to __consumer_offsets and answered once
//     replicated (REQUEST_TIMED_OUT after offsets.commit.timeout.ms).
//   - Unknown topics: UNKNOWN_TOPIC_OR_PARTITION; metadata over
//     offset.metadata.max.bytes: OFFSET_METADATA_TOO_LARGE.
//
// Version notes: v1 commit timestamp; v2-v4 retention time; v6 leader
// epoch; v7 group instance id; v8 flexible.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleOffsetCommit(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.OffsetCommitRequest)
	if !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceGroup, req.Group) {
		resp := kmsg.NewPtrOffsetCommitResponse()
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, kerr.GroupAuthorizationFailed.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	}
	return await(ctx, func(respond func(*kmsg.OffsetCommitResponse)) {
		s.Groups.OffsetCommit(req, h.Version, respond)
	})
}
