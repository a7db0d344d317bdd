package server

// ListOffsets: v0-7
//
// Behavior:
//   - Timestamp -1: the latest offset a consumer may read (high watermark,
//     or last stable offset for read_committed; for a follower, replica
//     id >= 0, the log end offset); -2: the log start
//     offset; -3 (v7): the offset of the largest timestamp; otherwise the
//     first offset whose timestamp is at or after the one asked for
//     (offset -1 when there is none).
//   - Only the leader answers; the current leader epoch is checked (v4+).
//   - A partition named twice gets INVALID_REQUEST for each mention (v1+).
//
// Version notes: v0 returns old-style offset lists; v2 isolation level;
// v4 leader epochs.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleListOffsets(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ListOffsetsRequest)
	resp := kmsg.NewPtrListOffsetsResponse()
	dups := duplicatePartitions(req)
	for _, rt := range req.Topics {
		t := kmsg.NewListOffsetsResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewListOffsetsResponseTopicPartition()
			p.Partition = rp.Partition
			if h.Version >= 1 && dups[topicPartition{rt.Topic, rp.Partition}] {
				p.ErrorCode, p.Offset, p.Timestamp, p.LeaderEpoch = kerr.InvalidRequest.Code, -1, -1, -1
				t.Partitions = append(t.Partitions, p)
				continue
			}
			off, ts, epoch, err := s.listOffset(req, rt.Topic, rp)
			p.ErrorCode = codeOf(err)
			p.Offset, p.Timestamp, p.LeaderEpoch = off, ts, epoch
			if h.Version == 0 && err == nil && off >= 0 {
				p.OldStyleOffsets = []int64{off}
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}

type topicPartition struct {
	topic     string
	partition int32
}

// duplicatePartitions lists partitions named more than once; Kafka (v1+)
// answers each of them with INVALID_REQUEST instead of an offset.
func duplicatePartitions(req *kmsg.ListOffsetsRequest) map[topicPartition]bool {
	seen := map[topicPartition]bool{}
	var dups map[topicPartition]bool
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			tp := topicPartition{rt.Topic, rp.Partition}
			if seen[tp] {
				if dups == nil {
					dups = map[topicPartition]bool{}
				}
				dups[tp] = true
			}
			seen[tp] = true
		}
	}
	return dups
}

func (s *Server) listOffset(req *kmsg.ListOffsetsRequest, topic string, rp kmsg.ListOffsetsRequestTopicPartition) (int64, int64, int32, error) {
	if _, ok := s.Metadata.Load().Partition(topic, rp.Partition); !ok {
		return -1, -1, -1, kerr.UnknownTopicOrPartition
	}
	part, err := s.Replicas.Leader(topic, rp.Partition, rp.CurrentLeaderEpoch)
	if err != nil {
		return -1, -1, -1, err
	}
	l := part.Log()
	_, _, epoch, _, _ := part.State()
	switch rp.Timestamp {
	case -1:
		if req.ReplicaID >= 0 {
			return l.LogEndOffset(), -1, epoch, nil
		}
		off := l.HighWatermark()
		if req.IsolationLevel == 1 {
			if fu, ok := l.FirstUnstableOffset(); ok && fu < off {
				off = fu
			}
		}
		return off, -1, epoch, nil
	case -2:
		return l.LogStartOffset(), -1, epoch, nil
	case -3:
		off, ts, e, ok := l.MaxTimestamp()
		if !ok {
			return -1, -1, -1, nil
		}
		return off, ts, e, nil
	}
	off, ts, e, ok := l.OffsetForTimestamp(rp.Timestamp)
	if !ok || off >= l.HighWatermark() {
		return -1, -1, -1, nil
	}
	return off, ts, e, nil
}
