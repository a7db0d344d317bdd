package server

// DeleteRecords: v0-2
//
// Behavior:
//   - Moves a partition's log start offset forward to the requested
//     offset (-1 = the high watermark); offsets above the high watermark
//     are OFFSET_OUT_OF_RANGE; compacted-only topics are
//     POLICY_VIOLATION, as in Kafka.
//   - Only the leader answers; the low watermark is the new log start.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDeleteRecords(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DeleteRecordsRequest)
	resp := kmsg.NewPtrDeleteRecordsResponse()
	for _, rt := range req.Topics {
		t := kmsg.NewDeleteRecordsResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewDeleteRecordsResponseTopicPartition()
			p.Partition, p.LowWatermark = rp.Partition, -1
			low, err := s.deleteRecords(ctx, c, rt.Topic, rp)
			p.ErrorCode = codeOf(err)
			if err == nil {
				p.LowWatermark = low
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}

func (s *Server) deleteRecords(ctx context.Context, c *conn, topic string, rp kmsg.DeleteRecordsRequestTopicPartition) (int64, error) {
	if !s.Authorizer.Authorize(ctx, c.principal, OpDelete, ResourceTopic, topic) {
		return -1, kerr.TopicAuthorizationFailed
	}
	if _, ok := s.Metadata.Load().Partition(topic, rp.Partition); !ok {
		return -1, kerr.UnknownTopicOrPartition
	}
	part, err := s.Replicas.Leader(topic, rp.Partition, -1)
	if err != nil {
		return -1, err
	}
	l := part.Log()
	off := rp.Offset
	if off == -1 {
		off = l.HighWatermark()
	}
	if off < 0 || off > l.HighWatermark() {
		return -1, kerr.OffsetOutOfRange
	}
	return l.DeleteRecordsBefore(off)
}
