package server

// OffsetForLeaderEpoch: v0-4
//
// Behavior:
//   - For the requested epoch, the largest epoch at or below it that this
//     leader knows and that epoch's end offset (the start of the next
//     epoch, or the log end for the latest); unknown: -1 / -1.
//   - Consumers use it to validate positions after a leader change;
//     followers to find where their log diverges.
//
// Version notes: v2 current leader epoch; v3 replica id.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleOffsetForLeaderEpoch(_ context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.OffsetForLeaderEpochRequest)
	resp := kmsg.NewPtrOffsetForLeaderEpochResponse()
	for _, rt := range req.Topics {
		t := kmsg.NewOffsetForLeaderEpochResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			p.Partition, p.LeaderEpoch, p.EndOffset = rp.Partition, -1, -1
			if _, ok := s.Metadata.Load().Partition(rt.Topic, rp.Partition); !ok {
				p.ErrorCode = kerr.UnknownTopicOrPartition.Code
			} else if part, err := s.Replicas.Leader(rt.Topic, rp.Partition, rp.CurrentLeaderEpoch); err != nil {
				p.ErrorCode = codeOf(err)
			} else {
				p.LeaderEpoch, p.EndOffset = part.Log().EndOffsetForEpoch(rp.LeaderEpoch)
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}
